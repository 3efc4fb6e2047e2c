"""OAuth 2.0 / OpenID Connect protocol helpers for our identity provider. No Django imports.

Why a hand-written endpoint layer on joserfc rather than authlib's Django OIDC grants: the
delegated login needs, at every step, things authlib's grants do not do (`acr_values`, `max_age`,
the `claims` request with `rep_scope`, pairwise `sub`, a real `auth_time`, an RFC 8693-style
`act` claim, revoking tokens when a code is replayed, consuming the code with an atomic
conditional UPDATE before tokens are issued), and its Django OIDC path is untested upstream. Each
of those would be an override of an authlib internal. The protocol surface we serve is small
(one grant type, one response type, two client authentication methods), so it is simpler and
easier to audit as plain functions that cite the specification, with all JOSE work (signing,
verification, JWK, thumbprints) done by joserfc: nothing here hand-rolls a signature.

Modules: `errors` (RFC 6749 4.1.2.1 and 5.2 errors), `validation` (authorization request, OIDC
Core 3.1.2), `pkce` (RFC 7636), `client_auth` (RFC 6749 2.3.1), `jose` (signing, at_hash, and
the strict verification helper a relying party uses), `claims` (ID Token and identity claims,
OIDC Core 2, 5.1, 5.5, 8.1), `discovery` (OIDC Discovery 3).
"""
