"""The OIDC provider side shared by the simulated FranceConnect (citizen) and hub.

Behaves like FranceConnect v2 as our reference describes it: discovery, JWKS with `kid`,
`client_secret_post` only, codes valid 30 s and single use, access token and id_token 60 s,
userinfo as an ES256-signed JWT (`application/jwt`), `session/end` redirecting only to an exactly
registered URL with the same `state`.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from joserfc import errors, jwt
from joserfc.jwk import KeySet

from oidc_bridge.simulator import keys
from oidc_bridge.simulator.models import Grant

CODE_LIFETIME = timedelta(seconds=30)
TOKEN_LIFETIME = timedelta(seconds=60)
EIDAS_LEVELS = ("eidas1", "eidas2", "eidas3")
# FranceConnect scopes and aliases -> claims (identité pivot).
SCOPE_CLAIMS = {
    "given_name": ("given_name",), "family_name": ("family_name",),
    "birthdate": ("birthdate",), "gender": ("gender",), "birthplace": ("birthplace",),
    "birthcountry": ("birthcountry",), "email": ("email",),
    "preferred_username": ("preferred_username",),
    "profile": ("given_name", "family_name", "birthdate", "gender", "preferred_username"),
    "birth": ("birthplace", "birthcountry"),
    "identite_pivot": ("given_name", "family_name", "birthdate", "gender", "birthplace",
                       "birthcountry"),
}


@dataclass(frozen=True)
class RegisteredClient:
    secret: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...] = ()


@dataclass(frozen=True)
class Provider:
    """One simulated provider: where it lives, how it signs, whom it serves."""

    kind: str  # Grant.Provider
    path: str  # under SITE_URL, e.g. /simulateur/franceconnect/api/v2
    key_label: str
    clients: dict = field(default_factory=dict)  # client_id -> RegisteredClient
    relayed_claims: tuple[str, ...] = ()  # always returned when present (hub: act, rep_scope)

    @property
    def issuer(self) -> str:
        return settings.SITE_URL + self.path

    def endpoint(self, name: str) -> str:
        return f"{self.issuer}/{name}"


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def discovery(provider: Provider) -> JsonResponse:
    return JsonResponse({
        "issuer": provider.issuer,
        "authorization_endpoint": provider.endpoint("authorize"),
        "token_endpoint": provider.endpoint("token"),
        "userinfo_endpoint": provider.endpoint("userinfo"),
        "end_session_endpoint": provider.endpoint("session/end"),
        "jwks_uri": provider.endpoint("jwks"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["pairwise"],
        "scopes_supported": ["openid", *SCOPE_CLAIMS],
        "claims_supported": sorted({c for group in SCOPE_CLAIMS.values() for c in group}
                                   | {"sub", "acr", "amr", "auth_time", "nonce"}),
        "acr_values_supported": list(EIDAS_LEVELS),
        "id_token_signing_alg_values_supported": ["ES256"],
        "userinfo_signing_alg_values_supported": ["ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
        "claims_parameter_supported": True,
    })


def jwks(provider: Provider) -> JsonResponse:
    return JsonResponse(keys.public_jwks(provider.key_label))


def claims_for_scope(identity: dict, scope: str) -> dict:
    wanted = {claim for name in scope.split() for claim in SCOPE_CLAIMS.get(name, ())}
    return {name: value for name, value in identity.items() if name in wanted}


@transaction.atomic
def issue_code(provider: Provider, *, client_id: str, redirect_uri: str, scope: str, nonce: str,
               acr: str, claims: dict) -> str:
    code = secrets.token_urlsafe(32)
    Grant.objects.create(provider=provider.kind, client_id=client_id, redirect_uri=redirect_uri,
                         scope=scope, nonce=nonce, acr=acr, claims=claims,
                         code_sha256=sha256_hex(code),
                         code_expires_at=timezone.now() + CODE_LIFETIME)
    return code


def _sign(provider: Provider, claims: dict) -> str:
    key = keys.signing_key(provider.key_label)
    return jwt.encode({"alg": "ES256", "kid": key.kid, "typ": "JWT"}, claims, key)


def _token_error(error: str, status: int = 400) -> JsonResponse:
    response = JsonResponse({"error": error}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _authenticate(provider: Provider, post) -> str | None:
    """client_secret_post (RFC 6749 2.3.1): the only method FranceConnect uses."""
    client = provider.clients.get(post.get("client_id", ""))
    secret = post.get("client_secret", "")
    if client is None or not hmac.compare_digest(client.secret.encode(), secret.encode()):
        return None
    return post["client_id"]


def _redeem(provider: Provider, client_id: str, post) -> Grant | None:
    """Consume the code atomically: a conditional update, so a replay finds it used."""
    now = timezone.now()
    grants = Grant.objects.filter(
        provider=provider.kind, code_sha256=sha256_hex(post.get("code", "")),
        client_id=client_id, redirect_uri=post.get("redirect_uri", ""),
        code_used_at__isnull=True, code_expires_at__gt=now)
    grant = grants.first()
    if grant is None or grants.filter(pk=grant.pk).update(code_used_at=now) != 1:
        return None
    return grant


def _at_hash(access_token: str) -> str:
    """OIDC Core 3.1.3.6: left half of SHA-256 of the access token, base64url."""
    digest = hashlib.sha256(access_token.encode()).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@transaction.atomic
def token(provider: Provider, request) -> JsonResponse:
    if request.method != "POST":
        return _token_error("invalid_request", 405)
    client_id = _authenticate(provider, request.POST)
    if client_id is None:
        return _token_error("invalid_client", 401)
    if request.POST.get("grant_type") != "authorization_code":
        return _token_error("unsupported_grant_type")
    grant = _redeem(provider, client_id, request.POST)
    if grant is None:
        return _token_error("invalid_grant")
    access_token = secrets.token_urlsafe(32)
    now = timezone.now()
    grant.access_token_sha256 = sha256_hex(access_token)
    grant.token_expires_at = now + TOKEN_LIFETIME
    grant.save(update_fields=["access_token_sha256", "token_expires_at"])
    iat = int(now.timestamp())
    id_claims = {"iss": provider.issuer, "sub": grant.claims["sub"], "aud": client_id,
                 "exp": iat + int(TOKEN_LIFETIME.total_seconds()), "iat": iat,
                 "auth_time": iat, "nonce": grant.nonce, "acr": grant.acr, "amr": ["pwd"],
                 "at_hash": _at_hash(access_token)}
    id_claims.update({k: grant.claims[k] for k in provider.relayed_claims if k in grant.claims})
    response = JsonResponse({"access_token": access_token, "token_type": "Bearer",
                             "expires_in": int(TOKEN_LIFETIME.total_seconds()),
                             "id_token": _sign(provider, id_claims), "scope": grant.scope})
    response["Cache-Control"] = "no-store"
    return response


def _bearer_error() -> HttpResponse:
    response = HttpResponse(status=401)
    response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


def userinfo(provider: Provider, request) -> HttpResponse:
    """Signed userinfo (OIDC Core 5.3.2), as FranceConnect v2 answers it."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    grant = Grant.objects.filter(
        provider=provider.kind, access_token_sha256=sha256_hex(value.strip()),
        token_expires_at__gt=timezone.now()).first() if scheme.lower() == "bearer" else None
    if grant is None:
        return _bearer_error()
    iat = int(timezone.now().timestamp())
    claims = {"iss": provider.issuer, "aud": grant.client_id, "sub": grant.claims["sub"],
              "iat": iat, "exp": iat + int(TOKEN_LIFETIME.total_seconds()),
              **claims_for_scope(grant.claims, grant.scope)}
    claims.update({k: grant.claims[k] for k in provider.relayed_claims if k in grant.claims})
    response = HttpResponse(_sign(provider, claims), content_type="application/jwt")
    response["Cache-Control"] = "no-store"
    return response


def hinted_claims(provider: Provider, id_token_hint: str) -> dict | None:
    """Claims of an id_token we issued (signature checked; expiry is not required for logout,
    OIDC RP-Initiated Logout 1.0 section 2)."""
    try:
        decoded = jwt.decode(id_token_hint, KeySet([keys.signing_key(provider.key_label)]),
                             algorithms=["ES256"])
    except (errors.JoseError, ValueError):
        return None
    return decoded.claims if decoded.claims.get("iss") == provider.issuer else None


def logout_redirect(provider: Provider, request) -> str | None:
    """Where session/end may send the browser back to, or None (then: an error page)."""
    params = request.GET
    client_id = (hinted_claims(provider, params.get("id_token_hint", "")) or {}).get("aud")
    client = provider.clients.get(client_id or "")
    target = params.get("post_logout_redirect_uri", "")
    if client is None or target not in client.post_logout_redirect_uris:
        return None
    return with_query(target, state=params.get("state", "")) if params.get("state") else target


def with_query(uri: str, **params: str) -> str:
    query = urlencode({name: value for name, value in params.items() if value})
    return f"{uri}{'&' if '?' in uri else '?'}{query}"


def authorize_error_url(redirect_uri: str, error: str, state: str) -> str:
    return with_query(redirect_uri, error=error, state=state)


def pairwise_sub(local_id: str, client_id: str) -> str:
    """OIDC Core 8.1 pairwise identifier, 64 hex + "v1" (66 characters) like FranceConnect."""
    message = f"{client_id}|{local_id}".encode()
    secret = f"fc-simulator|{settings.SECRET_KEY}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest() + "v1"
