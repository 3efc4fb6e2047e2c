"""Our FranceConnect client (we are a service provider of FranceConnect v2).

The mandate wizard sends the aidant to `oidc_bridge:fc_login`; the usager logs in with
FranceConnect on the aidant's screen; `fc_callback` verifies the id_token and the signed userinfo,
stores a `mandates.identity.VerifiedIdentity` in the session, and ends the FranceConnect session
at once (`session/end`) before handing over to `mandates:create_recap`.

Modules without Django imports (`errors`, `tokens`, `pivot`) hold the protocol rules; `provider`
(discovery and JWKS cache), `http`, `client`, `flow`, `services` and `views` wire them to Django.
"""
