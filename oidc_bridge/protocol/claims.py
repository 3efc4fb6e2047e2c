"""Claims of the ID Token and of userinfo (OIDC Core 2, 5.1, 5.4, 8.1; RFC 8693 4.1).

Identity claims keep FranceConnect's "identité pivot" formats: `birthdate` may be presumed
(`YYYY-MM-00`, `YYYY-00-00`) and is passed through as text, `birthplace` is an INSEE commune code
or "" when born abroad, `birthcountry` an INSEE country code (99100 = France).
"""

import hashlib
import hmac
from collections.abc import Iterable, Mapping

# FranceConnect's scopes and aliases (franceconnect.md).
SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    "given_name": ("given_name",),
    "family_name": ("family_name",),
    "birthdate": ("birthdate",),
    "gender": ("gender",),
    "birthplace": ("birthplace",),
    "birthcountry": ("birthcountry",),
    "preferred_username": ("preferred_username",),
    "email": ("email", "email_source"),
    "profile": ("given_name", "family_name", "birthdate", "gender", "preferred_username"),
    "birth": ("birthplace", "birthcountry"),
    "identite_pivot": ("given_name", "family_name", "birthdate", "gender", "birthplace",
                       "birthcountry"),
}
SUPPORTED_SCOPES = ("openid", *SCOPE_CLAIMS)
SUPPORTED_CLAIMS = (
    "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "at_hash", "sid",
    "given_name", "family_name", "birthdate", "gender", "birthplace", "birthcountry",
    "preferred_username", "email", "email_source", "rep_scope", "act",
)


def claims_for_scopes(scopes: Iterable[str]) -> list[str]:
    """The identity claims released for `scopes`, in a stable order."""
    names: list[str] = []
    for scope in scopes:
        for name in SCOPE_CLAIMS.get(scope, ()):
            if name not in names:
                names.append(name)
    return names


def identity_claims(identity: Mapping[str, str], scopes: Iterable[str]) -> dict:
    """Select the usager's identity claims the scopes allow.

    `email_source` (our documented claim) says whose address `email` is: "usager", or
    "structure" when the usager has none and the structure's contact address stands in for it.
    """
    return {name: identity[name] for name in claims_for_scopes(scopes) if name in identity}


def pairwise_sub(secret: str, sector: str, local_id: str) -> str:
    """OIDC Core 8.1: a per-sector opaque identifier, HMAC-SHA256(secret, sector|local id).

    64 hex characters plus a version suffix: 66 characters, like FranceConnect's own `sub`,
    so relying parties sized for FranceConnect accept it. Changing `secret` changes every sub.
    """
    message = f"{sector}|{local_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest() + "v1"


def actor_claim(*, sub: str, name: str, structure_name: str, structure_siret: str) -> dict:
    """RFC 8693 4.1 `act`: the party acting on behalf of the subject (the aidant).

    `sub` is opaque and stable per client sector; `name` the aidant's display name; the
    structure (name, SIRET) answers for the aidant.
    """
    return {"sub": sub, "name": name,
            "structure": {"name": structure_name, "siret": structure_siret}}


def id_token_claims(*, issuer: str, sub: str, audience: str, now: int, lifetime: int,
                    auth_time: int, nonce: str, acr: str, amr: list[str], at_hash: str,
                    sid: str, rep_scope: list[str], identity: Mapping, act: dict | None
                    ) -> dict:
    """OIDC Core 2 and 3.1.3.6 claims, plus `rep_scope` (FranceConnect) and `act` (optional)."""
    claims = {
        "iss": issuer, "sub": sub, "aud": audience, "exp": now + lifetime, "iat": now,
        "auth_time": auth_time, "nonce": nonce, "acr": acr, "amr": list(amr),
        "at_hash": at_hash, "sid": sid, "rep_scope": list(rep_scope),
    }
    claims.update(identity)
    if act:
        claims["act"] = act
    return claims
