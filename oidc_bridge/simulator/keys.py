"""Signing keys of the simulated providers (development and tests only).

Each simulated provider gets an ES256 key derived from SECRET_KEY and a label, so every process
of the demo (runserver reloads, several gunicorn workers) signs with the same key without
storing one. This is acceptable only because the simulator is refused in production
(config.checks E003): never derive real keys this way.
"""

import hashlib
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from joserfc.jwk import ECKey, KeySet

# Order of the P-256 group (SEC 2, 2.4.2): a derived scalar must lie in [1, n-1].
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@lru_cache(maxsize=8)
def _derived(label: str, secret: str) -> ECKey:
    seed = hashlib.sha256(f"procuration-simulator|{label}|{secret}".encode()).digest()
    scalar = int.from_bytes(seed, "big") % (_P256_ORDER - 1) + 1
    private = ec.derive_private_key(scalar, ec.SECP256R1())
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    key = ECKey.import_key(pem)
    kid = f"{label}-{key.thumbprint()[:16]}"
    return ECKey.import_key(pem, {"kid": kid, "use": "sig", "alg": "ES256"})


def signing_key(label: str) -> ECKey:
    return _derived(label, settings.SECRET_KEY)


def public_jwks(label: str) -> dict:
    return KeySet([signing_key(label)]).as_dict(private=False)
