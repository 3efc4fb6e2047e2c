"""Provider metadata (OIDC Discovery 1.0) and signing keys (JWKS), cached.

Metadata is cached for an hour, keys for ten minutes; a token signed with a `kid` we do not know
triggers one refetch of the JWKS (the provider rotated its keys) before it is refused.
"""

import hashlib
from dataclasses import asdict, dataclass

import requests
from django.core.cache import cache
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from oidc_bridge.franceconnect import http
from oidc_bridge.franceconnect.errors import FranceConnectError, Reason

METADATA_TTL = 3600
JWKS_TTL = 600
_REQUIRED = ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri")


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    end_session_endpoint: str = ""


def _cache_key(kind: str, url: str) -> str:
    return f"oidc_bridge:{kind}:{hashlib.sha256(url.encode()).hexdigest()}"


def _fetch_json(url: str) -> dict:
    try:
        response = http.get(url, headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise FranceConnectError(Reason.UNREACHABLE, type(exc).__name__) from exc
    if response.status_code != 200:
        raise FranceConnectError(Reason.UNREACHABLE, f"HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError as exc:
        raise FranceConnectError(Reason.DISCOVERY_INVALID, "not JSON") from exc
    if not isinstance(data, dict):
        raise FranceConnectError(Reason.DISCOVERY_INVALID, "not an object")
    return data


def metadata(issuer: str) -> ProviderMetadata:
    """The provider's metadata; its `issuer` must equal ours exactly (Discovery 4.3)."""
    key = _cache_key("metadata", issuer)
    cached = cache.get(key)
    if cached:
        return ProviderMetadata(**cached)
    data = _fetch_json(f"{issuer.rstrip('/')}/.well-known/openid-configuration")
    if data.get("issuer") != issuer or not all(
            isinstance(data.get(name), str) and data[name] for name in _REQUIRED):
        raise FranceConnectError(Reason.DISCOVERY_INVALID, "issuer or endpoints")
    found = ProviderMetadata(
        issuer=issuer, end_session_endpoint=data.get("end_session_endpoint") or "",
        **{name: data[name] for name in _REQUIRED})
    cache.set(key, asdict(found), METADATA_TTL)
    return found


def keys(meta: ProviderMetadata, *, refresh: bool = False) -> KeySet:
    """The provider's public signing keys (only `use: sig` or unspecified)."""
    key = _cache_key("jwks", meta.jwks_uri)
    data = None if refresh else cache.get(key)
    if data is None:
        data = _fetch_json(meta.jwks_uri)
        cache.set(key, data, JWKS_TTL)
    signing = [k for k in data.get("keys", [])
               if isinstance(k, dict) and k.get("use", "sig") == "sig"]
    try:
        return KeySet.import_key_set({"keys": signing})
    except (JoseError, ValueError, TypeError) as exc:
        raise FranceConnectError(Reason.DISCOVERY_INVALID, "jwks") from exc


def verify_with_keys(meta: ProviderMetadata, check, token: str, **kwargs) -> dict:
    """Run `check(token, keys=..., **kwargs)`, refetching the JWKS once on an unknown `kid`."""
    try:
        return check(token, keys=keys(meta), **kwargs)
    except FranceConnectError as exc:
        if exc.reason != Reason.UNKNOWN_KID:
            raise
    return check(token, keys=keys(meta, refresh=True), **kwargs)
