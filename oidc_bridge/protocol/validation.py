"""Authorization request validation (RFC 6749 4.1.1, OIDC Core 3.1.2.1-3.1.2.2, RFC 7636 4.3).

Validation runs in two phases, as RFC 6749 4.1.2.1 requires: first the client and its redirect
URI (failure: `UntrustedRedirectError`, never a redirect), then everything else (failure:
`OAuthError`, sent back to the now-trusted redirect URI with `state`).
"""

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from oidc_bridge.protocol.errors import OAuthError, UntrustedRedirectError

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
# RFC 7636 4.2: code_challenge = BASE64URL(SHA256(verifier)), 43 characters for S256.
CODE_CHALLENGE_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
MAX_STATE_LENGTH = 512
MAX_NONCE_LENGTH = 255
SUPPORTED_PROMPTS = {"none", "login", "consent", "select_account"}
SINGLE_VALUED = ("client_id", "redirect_uri", "response_type", "scope", "state", "nonce",
                 "code_challenge", "code_challenge_method", "prompt", "max_age", "claims",
                 "acr_values", "response_mode", "grant_type", "code", "code_verifier",
                 "client_secret", "id_token_hint", "post_logout_redirect_uri")


def validate_redirect_uri_syntax(uri: str, *, allow_http: bool = True) -> str:
    """Return why `uri` cannot be registered ("" if it can). RFC 6749 3.1.2, RFC 9700 2.1, 4.1.3.

    Absolute, no fragment, https (http only for loopback hosts, or everywhere when `allow_http`
    is set, i.e. outside production).
    """
    try:
        parts = urlsplit(uri)
    except ValueError:
        return "URL illisible"
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return "URL absolue en https attendue"
    if parts.fragment or "#" in uri:
        return "un fragment (#) est interdit"
    if parts.scheme == "http" and not allow_http and parts.hostname not in LOOPBACK_HOSTS:
        return "https obligatoire"
    return ""


def single_params(params: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Flatten query parameters; repeated ones are an error (RFC 6749 3.1).

    A NUL character anywhere is an `invalid_request` too: no OAuth value contains one, and
    PostgreSQL text cannot store or even compare it (the lookup would raise a DataError).
    """
    flat = {}
    for name, values in params.items():
        values = list(values) if not isinstance(values, str) else [values]
        if "\x00" in name or any("\x00" in value for value in values):
            raise OAuthError("invalid_request", "Caractère NUL interdit")
        if len(values) > 1 and name in SINGLE_VALUED:
            raise OAuthError("invalid_request", f"Paramètre répété : {name}")
        flat[name] = values[0] if values else ""
    return flat


def check_client_redirect(params: Mapping[str, str], registered: Sequence[str] | None) -> str:
    """Phase one: return the redirect URI if it is registered verbatim for a known client.

    `registered` is None for an unknown (or inactive) client. Exact string comparison, no
    normalisation of case, trailing slash or query (OIDC Core 3.1.2.1, RFC 9700 2.1).
    """
    if registered is None:
        raise UntrustedRedirectError("client inconnu")
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri or redirect_uri not in registered:
        raise UntrustedRedirectError("URL de retour non enregistrée")
    return redirect_uri


@dataclass(frozen=True)
class AuthorizationRequest:
    client_id: str
    redirect_uri: str
    scope: tuple[str, ...]
    state: str
    nonce: str
    prompt: frozenset[str]
    max_age: int | None
    acr_values: tuple[str, ...]
    code_challenge: str
    rep_scope: tuple[str, ...] | None  # requested values; None when not requested
    rep_scope_essential: bool


def parse_authorization_request(params: Mapping[str, str], redirect_uri: str
                                ) -> AuthorizationRequest:
    """Phase two: validate the rest of the request; raise `OAuthError` to redirect back."""
    if "request" in params:
        raise OAuthError("request_not_supported", "Paramètre request non pris en charge")
    if "request_uri" in params:
        raise OAuthError("request_uri_not_supported", "Paramètre request_uri non pris en charge")
    if params.get("response_type") != "code":
        raise OAuthError("unsupported_response_type", "Seul response_type=code est accepté")
    if params.get("response_mode", "query") != "query":
        raise OAuthError("invalid_request", "Seul response_mode=query est accepté")
    scope = tuple(params.get("scope", "").split())
    if "openid" not in scope:
        raise OAuthError("invalid_scope", "Le scope doit contenir openid")
    state, nonce = params.get("state", ""), params.get("nonce", "")
    if not state or len(state) > MAX_STATE_LENGTH:
        raise OAuthError("invalid_request", "Paramètre state manquant ou trop long")
    # OIDC Core 3.1.2.1 makes nonce optional for the code flow; our policy requires it
    # (FranceConnect always sends one) so every ID Token is bound to one browser transaction.
    if not nonce or len(nonce) > MAX_NONCE_LENGTH:
        raise OAuthError("invalid_request", "Paramètre nonce manquant ou trop long")
    rep_scope, essential = parse_claims_rep_scope(params.get("claims", ""))
    return AuthorizationRequest(
        client_id=params["client_id"], redirect_uri=redirect_uri, scope=scope, state=state,
        nonce=nonce, prompt=parse_prompt(params.get("prompt", "")),
        max_age=parse_max_age(params.get("max_age")),
        acr_values=tuple(params.get("acr_values", "").split()),
        code_challenge=parse_code_challenge(params), rep_scope=rep_scope,
        rep_scope_essential=essential,
    )


def parse_prompt(raw: str) -> frozenset[str]:
    """OIDC Core 3.1.2.1: space-separated; `none` with any other value is an error."""
    values = frozenset(raw.split())
    if values - SUPPORTED_PROMPTS:
        raise OAuthError("invalid_request", "Valeur de prompt inconnue")
    if "none" in values and len(values) > 1:
        raise OAuthError("invalid_request", "prompt=none ne se combine pas")
    return values


def parse_max_age(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise OAuthError("invalid_request", "max_age doit être un entier positif")
    return int(raw)


def parse_code_challenge(params: Mapping[str, str]) -> str:
    """RFC 7636 4.3: only S256. A challenge without method means `plain` (4.3), refused here."""
    challenge = params.get("code_challenge", "")
    method = params.get("code_challenge_method", "")
    if not challenge:
        if method:
            raise OAuthError("invalid_request", "code_challenge manquant")
        return ""
    if method != "S256":
        raise OAuthError("invalid_request", "Seule la méthode PKCE S256 est acceptée")
    if not CODE_CHALLENGE_RE.match(challenge):
        raise OAuthError("invalid_request", "code_challenge invalide")
    return challenge


def parse_claims_rep_scope(raw: str) -> tuple[tuple[str, ...] | None, bool]:
    """Read `rep_scope` from the `claims` parameter (OIDC Core 5.5, 5.5.1).

    FranceConnect sends `{"id_token": {"rep_scope": {"essential": true, "values": [...]}}}`;
    a request on `userinfo` is read the same way. Returns (values or None, essential).
    """
    if not raw:
        return None, False
    try:
        claims = json.loads(raw)
    except ValueError as exc:
        raise OAuthError("invalid_request", "Paramètre claims illisible (JSON)") from exc
    if not isinstance(claims, dict):
        raise OAuthError("invalid_request", "Paramètre claims : objet JSON attendu")
    for member in ("id_token", "userinfo"):
        section = claims.get(member) or {}
        if not isinstance(section, dict):
            raise OAuthError("invalid_request", f"claims.{member} : objet attendu")
        request = section.get("rep_scope", ...)
        if request is ...:
            continue
        return _rep_scope_values(request)
    return None, False


def _rep_scope_values(request) -> tuple[tuple[str, ...] | None, bool]:
    if request is None:
        return None, False
    if not isinstance(request, dict):
        raise OAuthError("invalid_request", "claims rep_scope : objet attendu")
    values = request.get("values")
    if values is None and "value" in request:
        values = [request["value"]]
    if values is not None and not (
            isinstance(values, list) and all(isinstance(v, str) for v in values)):
        raise OAuthError("invalid_request", "claims rep_scope : liste de chaînes attendue")
    return (tuple(values) if values is not None else None), bool(request.get("essential"))


def redirect_with(redirect_uri: str, params: Mapping[str, str]) -> str:
    """Add `params` to the redirect URI's query, keeping its own query (RFC 6749 3.1.2)."""
    parts = urlsplit(redirect_uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.extend((k, v) for k, v in params.items() if v is not None)
    return urlunsplit(parts._replace(query=urlencode(query)))


def error_redirect(redirect_uri: str, error: OAuthError, *, state: str, issuer: str) -> str:
    """RFC 6749 4.1.2.1 error response, with `iss` (RFC 9207) against mix-up attacks."""
    params = {"error": error.error, "error_description": error.description or None,
              "state": state or None, "iss": issuer}
    return redirect_with(redirect_uri, params)
