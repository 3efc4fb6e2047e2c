"""Signing keys of our identity provider: where they come from, which signs, which are published.

Production: `OIDC_SIGNING_KEYS` (PEM private keys from the environment, newest first per type).
The first EC P-256 key signs ES256, the first RSA key signs RS256; every listed key is published in
the JWKS. Rotating: append the new key (published only), wait out the JWKS cache (5 minutes),
move it first, and drop the old one once its tokens have expired (`max_token_lifetime`).
A system check refuses to start without a valid ES256 and RS256 key.

Development: keys are generated on first use and stored in the database (`SigningKey`), the private
JWK encrypted with Fernet (`aidants.crypto`, the keys that protect OTP secrets). Why the database
rather than files under var/: the gunicorn workers and test processes share it (one key, not one
per worker), the unique `kid` settles creation races, and rotation state (`retired_at`) lives
next to the key. `manage.py oidc_keys_rotate` retires the active key; a retired key stays in the
JWKS until every token it signed has expired.
"""

import json
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import transaction
from django.utils import timezone
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey, import_key

from aidants import crypto
from oidc_bridge.models import SigningAlg, SigningKey
from oidc_bridge.protocol import jose

MIN_RSA_BITS = 2048
# The database key ring is re-read at most this often per process: a rotation reaches every
# worker within it, and the retired key stays published far longer (`max_token_lifetime`).
RING_CACHE_SECONDS = 30
_parsed: dict[str, object] = {}
_ring_cache: dict[str, tuple[float, "KeyRing"]] = {}


@dataclass(frozen=True)
class KeyRing:
    signing: dict  # alg -> private key
    published: tuple  # every key whose signatures may still be in use

    def signing_key(self, alg: str):
        return self.signing[alg]

    def jwks(self) -> dict:
        return jose.public_jwks(self.published)

    def public_keyset(self) -> KeySet:
        return KeySet.import_key_set(self.jwks())


def max_token_lifetime() -> timedelta:
    """How long a signature we made may still be checked: the longest token lifetime + margin."""
    return max(settings.OIDC_ID_TOKEN_LIFETIME, settings.OIDC_ACCESS_TOKEN_LIFETIME) + \
        timedelta(minutes=5)


def _import_pem(pem: str):
    return jose.with_kid(_import_any_pem(pem))


def _import_any_pem(pem: str):
    for key_type in (ECKey, RSAKey):
        try:
            return key_type.import_key(pem.strip().encode())
        except (ValueError, JoseError):
            continue
    raise ValueError("clé PEM illisible (EC P-256 ou RSA attendue)")


def _settings_keyring(pems: tuple[str, ...]) -> KeyRing:
    cached = _parsed.get(pems)
    if cached is None:
        keys = [_import_pem(pem) for pem in pems]
        signing: dict = {}
        for key in keys:
            signing.setdefault(jose.alg_for_key(key), key)
        cached = _parsed[pems] = KeyRing(signing=signing, published=tuple(keys))
    return cached


def _generate(alg: str) -> SigningKey:
    key = ECKey.generate_key("P-256") if alg == "ES256" else RSAKey.generate_key(MIN_RSA_BITS)
    jose.with_kid(key)
    payload = json.dumps(key.as_dict(private=True)).encode()
    return SigningKey.objects.create(kid=key.kid, alg=alg,
                                     encrypted_private_jwk=crypto.encrypt(payload))


def _load(row: SigningKey):
    key = _parsed.get(row.kid)
    if key is None:
        data = json.loads(crypto.decrypt(row.encrypted_private_jwk))
        key = _parsed[row.kid] = import_key(data)
    return key


def _database_keyring() -> KeyRing:
    cutoff = timezone.now() - max_token_lifetime()
    rows = list(SigningKey.objects.exclude(retired_at__lte=cutoff))
    missing = [alg for alg in SigningAlg.values
               if not any(r.alg == alg and r.retired_at is None for r in rows)]
    if missing:
        with transaction.atomic():
            rows = [_generate(alg) for alg in missing] + rows
    signing: dict = {}
    for row in rows:  # newest first (model ordering)
        if row.retired_at is None:
            signing.setdefault(row.alg, _load(row))
    return KeyRing(signing=signing, published=tuple(_load(row) for row in rows))


def keyring() -> KeyRing:
    """The keys to sign with now and the keys to publish. One small query in development."""
    if settings.OIDC_SIGNING_KEYS:
        return _settings_keyring(tuple(settings.OIDC_SIGNING_KEYS))
    if settings.PRODUCTION:
        raise RuntimeError("OIDC_SIGNING_KEYS manquant en production")
    cached = _ring_cache.get("db")
    now = timezone.now().timestamp()
    if cached is None or now - cached[0] > RING_CACHE_SECONDS:
        cached = _ring_cache["db"] = (now, _database_keyring())
    return cached[1]


def forget_cached_keyring() -> None:
    """Drop this process's cached key ring (after a rotation, and between tests)."""
    _ring_cache.clear()


@transaction.atomic
def rotate_database_keys(*, algs=tuple(SigningAlg.values)) -> list[SigningKey]:
    """Retire the active development keys of `algs` and create new ones; return the new keys."""
    now = timezone.now()
    SigningKey.objects.filter(alg__in=algs, retired_at__isnull=True).update(retired_at=now)
    new = [_generate(alg) for alg in algs]
    forget_cached_keyring()
    transaction.on_commit(forget_cached_keyring)
    return new


def _key_problems(pems) -> list[str]:
    problems, algs = [], set()
    for index, pem in enumerate(pems, start=1):
        try:
            key = _import_pem(pem)
            alg = jose.alg_for_key(key)
        except ValueError as exc:
            problems.append(f"clé n°{index} : {exc}")
            continue
        if not key.is_private:
            problems.append(f"clé n°{index} : clé privée attendue")
        if alg == "RS256" and key.private_key.key_size < MIN_RSA_BITS:
            problems.append(f"clé n°{index} : RSA d'au moins {MIN_RSA_BITS} bits attendue")
        algs.add(alg)
    problems += [f"aucune clé {alg}" for alg in SigningAlg.values if alg not in algs]
    return problems


@register(Tags.security)
def signing_keys_check(app_configs=None, **kwargs) -> list[Error]:
    """Production needs its own ES256 and RS256 keys and pairwise secret (never generated)."""
    if not settings.PRODUCTION and not settings.OIDC_SIGNING_KEYS:
        return []
    errors = [Error(f"OIDC_SIGNING_KEYS : {problem}", id="oidc_bridge.E001")
              for problem in _key_problems(settings.OIDC_SIGNING_KEYS)]
    if settings.PRODUCTION and not settings.OIDC_PAIRWISE_SECRET:
        errors.append(Error("OIDC_PAIRWISE_SECRET manquant en production.", id="oidc_bridge.E002"))
    if settings.PRODUCTION and not settings.OIDC_ISSUER.startswith("https://"):
        # OIDC Discovery 3: the issuer is an https URL; every token names it in `iss`.
        errors.append(Error("OIDC_ISSUER doit être une URL https en production.",
                            id="oidc_bridge.E003"))
    return errors
