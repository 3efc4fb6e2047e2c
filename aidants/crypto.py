"""Encryption at rest for secrets we must be able to read back (TOTP keys).

A TOTP key cannot be hashed (the server recomputes codes from it), so it is encrypted with
Fernet (AES-128-CBC + HMAC-SHA256). `FIELD_ENCRYPTION_KEYS`: the first key encrypts, all
decrypt, which is how keys are rotated (see SECURITY.md).
"""

from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: bytes) -> str:
    return _current().encrypt(plaintext).decode()


def decrypt(token: str) -> bytes:
    return _current().decrypt(token.encode())
