"""Verification of FranceConnect's signed id_token and userinfo (no Django imports).

OIDC Core 3.1.3.7 (ID Token validation) and 5.3.2 (signed UserInfo response), with
FranceConnect v2's rules: ES256 or RS256 only, `acr` at least the requested eIDAS level, and the
userinfo `sub` equal to the id_token `sub`.
"""

import hmac
from collections.abc import Mapping

from joserfc import errors, jwt
from joserfc.jwk import KeySet

from oidc_bridge.franceconnect.errors import FranceConnectError, Reason

# Pinned: FranceConnect v2 signs with ES256 (recommended) or RS256. Never `none`, never HS*
# (an HMAC "signed" with a public key would otherwise verify: RFC 8725 3.1 and 3.2).
ALLOWED_ALGORITHMS = ("ES256", "RS256")
# Clock skew tolerated on exp/iat (RFC 7519 4.1.4 "a few minutes" at most; FC tokens live 60 s).
LEEWAY_SECONDS = 30
EIDAS_LEVELS = ("eidas1", "eidas2", "eidas3")

_CLAIM_REASONS = {
    "iss": Reason.WRONG_ISSUER,
    "aud": Reason.WRONG_AUDIENCE,
    "azp": Reason.WRONG_AUDIENCE,
    "exp": Reason.EXPIRED,
    "nonce": Reason.WRONG_NONCE,
    "sub": Reason.SUB_MISMATCH,
}


def acr_satisfies(received: object, requested: str) -> bool:
    """True when `received` is an eIDAS level at least as high as `requested`."""
    if received not in EIDAS_LEVELS or requested not in EIDAS_LEVELS:
        return False
    return EIDAS_LEVELS.index(received) >= EIDAS_LEVELS.index(requested)


def _decode(token: str, keys: KeySet) -> dict:
    """Check the JWS signature with a pinned algorithm and a key of the provider's JWKS."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise FranceConnectError(Reason.MALFORMED_TOKEN, "not a compact JWS")
    try:
        return jwt.decode(token, keys, algorithms=ALLOWED_ALGORITHMS).claims
    except errors.UnsupportedAlgorithmError as exc:
        raise FranceConnectError(Reason.ALG_NOT_ALLOWED, str(exc)) from exc
    except (errors.InvalidKeyIdError, errors.MissingKeyError,
            errors.InvalidKeyTypeError) as exc:
        raise FranceConnectError(Reason.UNKNOWN_KID, str(exc)) from exc
    except errors.BadSignatureError as exc:
        raise FranceConnectError(Reason.BAD_SIGNATURE, str(exc)) from exc
    except (errors.JoseError, ValueError) as exc:
        raise FranceConnectError(Reason.MALFORMED_TOKEN, type(exc).__name__) from exc


def _validate(claims: Mapping, **options) -> None:
    registry = jwt.JWTClaimsRegistry(leeway=LEEWAY_SECONDS, **options)
    try:
        registry.validate(dict(claims))
    except errors.ExpiredTokenError as exc:
        raise FranceConnectError(Reason.EXPIRED) from exc
    except errors.MissingClaimError as exc:
        raise FranceConnectError(Reason.MALFORMED_TOKEN, str(exc)) from exc
    except errors.ClaimError as exc:
        first = exc.claim.split(",")[0]
        raise FranceConnectError(_CLAIM_REASONS.get(first, Reason.MALFORMED_TOKEN),
                                 str(exc)) from exc


def _check_audience(claims: Mapping, client_id: str) -> None:
    """OIDC Core 3.1.3.7 items 3-5: we are an audience; with several, `azp` must be us."""
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if client_id not in audiences:
        raise FranceConnectError(Reason.WRONG_AUDIENCE)
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise FranceConnectError(Reason.WRONG_AUDIENCE, "azp")


def verify_id_token(token: str, *, keys: KeySet, issuer: str, client_id: str, nonce: str,
                    acr: str) -> dict:
    """Return the id_token claims, or raise `FranceConnectError` naming the broken rule.

    Checks: signature (pinned algorithms, provider JWKS), `iss` exact, `aud`/`azp`, `exp` and
    `iat` present (exp not past), `sub` present, `nonce` equal to the one we sent (constant
    time), `acr` at least `acr`.
    """
    claims = _decode(token, keys)
    _validate(claims, iss={"essential": True, "value": issuer}, sub={"essential": True},
              aud={"essential": True}, exp={"essential": True}, iat={"essential": True})
    _check_audience(claims, client_id)
    received_nonce = claims.get("nonce")
    if not isinstance(received_nonce, str) or not hmac.compare_digest(
            received_nonce.encode(), nonce.encode()):
        raise FranceConnectError(Reason.WRONG_NONCE)
    if not acr_satisfies(claims.get("acr"), acr):
        raise FranceConnectError(Reason.ACR_TOO_LOW, str(claims.get("acr")))
    return claims


def verify_userinfo(token: str, *, keys: KeySet, issuer: str, client_id: str, sub: str) -> dict:
    """Return the claims of a signed userinfo response (OIDC Core 5.3.2).

    The JWT must verify like the id_token and carry the same `sub` (5.3.2: "MUST be verified to
    exactly match"); `iss` and `aud`, when present, must be the provider and us. An `exp`, when
    present, is honoured.
    """
    claims = _decode(token, keys)
    _validate(claims, sub={"essential": True, "value": sub}, iss={"value": issuer})
    if "aud" in claims:
        _check_audience(claims, client_id)
    return claims
