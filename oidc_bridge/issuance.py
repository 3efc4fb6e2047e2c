"""What the token and userinfo endpoints answer: ID Token, token response, userinfo (JSON or JWT).

Signing always goes through the key ring (`oidc_bridge.keys`) with the client's registered
algorithm, so the header carries a published `kid` (OIDC Core 10.1).
"""

import time

from django.conf import settings

from oidc_bridge import keys, selectors
from oidc_bridge.models import AccessToken, AuthorizationCode, OIDCClient
from oidc_bridge.protocol import claims as protocol_claims
from oidc_bridge.protocol import jose

AMR = ["pwd", "otp"]  # RFC 8176 2: password and one-time code (TOTP)


def sign_for_client(client: OIDCClient, claims: dict) -> str:
    return jose.sign(claims, keys.keyring().signing_key(client.alg))


def _released_identity(code: AuthorizationCode) -> dict:
    identity = selectors.usager_identity(code.usager, code.structure)
    return protocol_claims.identity_claims(identity, code.scope.split())


def id_token(code: AuthorizationCode, access_token: str) -> str:
    """The ID Token (OIDC Core 2, 3.1.3.6) with `rep_scope`, identity claims and optional `act`."""
    claims = protocol_claims.id_token_claims(
        issuer=settings.OIDC_ISSUER, sub=selectors.subject_for(code),
        audience=code.client.client_id, now=int(time.time()),
        lifetime=int(settings.OIDC_ID_TOKEN_LIFETIME.total_seconds()),
        auth_time=int(code.auth_time.timestamp()), nonce=code.nonce, acr=code.acr,
        amr=code.amr, at_hash=jose.at_hash(access_token, code.client.alg), sid=code.sid,
        rep_scope=selectors.granted_rep_scope(code), identity=_released_identity(code),
        act=selectors.actor_for(code))
    return sign_for_client(code.client, claims)


def token_response(code: AuthorizationCode, access_token: str) -> dict:
    """RFC 6749 5.1 / OIDC Core 3.1.3.3 successful token response."""
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": int(settings.OIDC_ACCESS_TOKEN_LIFETIME.total_seconds()),
        "id_token": id_token(code, access_token),
        "scope": code.scope,
    }


def userinfo_claims(access: AccessToken) -> dict:
    """OIDC Core 5.3.2: `sub` (same as the ID Token's), the identity claims, `rep_scope`, `act`."""
    code = access.code
    claims = {"sub": selectors.subject_for(code), **_released_identity(code),
              "rep_scope": selectors.granted_rep_scope(code)}
    act = selectors.actor_for(code)
    if act:
        claims["act"] = act
    return claims


def userinfo_jwt(access: AccessToken, claims: dict) -> str:
    """Signed userinfo (OIDC Core 5.3.2); `iss` and `aud` stop its replay elsewhere."""
    now = int(time.time())
    signed = {**claims, "iss": settings.OIDC_ISSUER, "aud": access.code.client.client_id,
              "iat": now, "exp": now + int(settings.OIDC_ID_TOKEN_LIFETIME.total_seconds())}
    return sign_for_client(access.code.client, signed)
