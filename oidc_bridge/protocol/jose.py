"""JOSE on joserfc: signing our JWTs, `at_hash`, and a strict relying-party verifier.

Only asymmetric algorithms are ever used or accepted: `alg: none` and HS256 are refused on both
sides (RFC 8725 2.1, 3.1; OIDC Core 10.1). Every header carries the `kid` of a key published in
our JWKS, because a relying party cannot choose between two keys of one type without it (RFC 7515
4.1.4; FranceConnect's client fails otherwise during a rotation).
"""

import base64
import hashlib
import json
from collections.abc import Collection, Iterable

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey

ASYMMETRIC_ALGS = ("ES256", "RS256")
KEY_TYPE_FOR_ALG = {"ES256": "EC", "RS256": "RSA"}


class JWTVerificationError(ValueError):
    """The token is not acceptable; the message says why (never includes the token)."""


def alg_for_key(key) -> str:
    """ES256 for an EC P-256 key, RS256 for an RSA key (RFC 7518 3.3, 3.4)."""
    if isinstance(key, ECKey) and key.curve_name == "P-256":
        return "ES256"
    if isinstance(key, RSAKey):
        return "RS256"
    raise ValueError("Seules les clés EC P-256 et RSA sont acceptées")


def with_kid(key):
    """Give `key` its RFC 7638 thumbprint as `kid` unless it has one."""
    key.ensure_kid()
    return key


def sign(claims: dict, key, *, typ: str = "JWT") -> str:
    """Sign `claims` with `key` (its own algorithm), header `{alg, kid, typ}`."""
    alg = alg_for_key(key)
    if not key.kid:
        raise ValueError("Une clé de signature doit avoir un kid")
    header = {"alg": alg, "kid": key.kid, "typ": typ}
    return jwt.encode(header, claims, key, algorithms=[alg])


def public_jwks(keys: Iterable) -> dict:
    """The JWK Set document (RFC 7517 5) for `keys`: public parts only, with `kid`, `alg`, `use`."""
    entries = []
    for key in keys:
        entry = key.as_dict(private=False)
        entry.update({"kid": key.kid, "alg": alg_for_key(key), "use": "sig"})
        entries.append(entry)
    return {"keys": entries}


def at_hash(access_token: str, alg: str) -> str:
    """OIDC Core 3.1.3.6: base64url of the left half of the hash of the access token.

    ES256 and RS256 both use SHA-256.
    """
    if alg not in ASYMMETRIC_ALGS:
        raise ValueError(f"Algorithme non pris en charge : {alg}")
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def _header(token: str) -> dict:
    try:
        segment = token.split(".")[0]
        padded = segment + "=" * (-len(segment) % 4)
        header = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, IndexError) as exc:
        raise JWTVerificationError("JWT illisible") from exc
    if not isinstance(header, dict):
        raise JWTVerificationError("En-tête JWT illisible")
    return header


def _select_key(header: dict, jwks: KeySet, algorithms: Collection[str]):
    alg = header.get("alg")
    if alg not in algorithms or alg not in ASYMMETRIC_ALGS:
        raise JWTVerificationError(f"Algorithme refusé : {alg!r}")
    kid = header.get("kid")
    if not kid:
        raise JWTVerificationError("kid absent de l'en-tête")
    matches = [k for k in jwks.keys if k.kid == kid]
    if not matches:
        raise JWTVerificationError("kid inconnu du JWKS")
    key = matches[0]
    if key.key_type != KEY_TYPE_FOR_ALG[alg]:
        raise JWTVerificationError("Type de clé incompatible avec l'algorithme")
    return key, alg


def verify(token: str, jwks: KeySet, *, issuer: str, audience: str, now: float,
           algorithms: Collection[str] = ASYMMETRIC_ALGS, nonce: str | None = None,
           leeway: int = 30, require_exp: bool = True) -> dict:
    """Verify a JWT as a strict relying party does (OIDC Core 3.1.3.7); return its claims.

    Pinned algorithms, `kid` required and present in `jwks`, signature, then `iss`, `aud`,
    `exp` (with `leeway` seconds), and `nonce` when given.
    """
    key, alg = _select_key(_header(token), jwks, algorithms)
    try:
        claims = jwt.decode(token, key, algorithms=[alg]).claims
    except JoseError as exc:
        raise JWTVerificationError(f"Signature invalide ({exc.error})") from exc
    if claims.get("iss") != issuer:
        raise JWTVerificationError("iss inattendu")
    audiences = claims.get("aud")
    audiences = [audiences] if isinstance(audiences, str) else (audiences or [])
    if audience not in audiences:
        raise JWTVerificationError("aud inattendu")
    exp = claims.get("exp")
    if require_exp and (not isinstance(exp, int | float) or exp + leeway < now):
        raise JWTVerificationError("Jeton expiré")
    if nonce is not None and claims.get("nonce") != nonce:
        raise JWTVerificationError("nonce inattendu")
    return claims


def verify_own_token(token: str, jwks: KeySet, *, issuer: str) -> dict:
    """Check a token we signed earlier, expired or not (an `id_token_hint`, OIDC RP-Initiated
    Logout 1.0 section 2): pinned algorithms, known `kid`, signature and `iss`; return claims."""
    key, alg = _select_key(_header(token), jwks, ASYMMETRIC_ALGS)
    try:
        claims = jwt.decode(token, key, algorithms=[alg]).claims
    except JoseError as exc:
        raise JWTVerificationError(f"Signature invalide ({exc.error})") from exc
    if claims.get("iss") != issuer:
        raise JWTVerificationError("iss inattendu")
    return claims
