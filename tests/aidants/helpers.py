"""Helpers for the login tests: codes of the factory key and the two login steps."""

from django_otp.oath import TOTP

from tests.factories import DEFAULT_PASSWORD

FACTORY_KEY = bytes(range(20))  # TOTPDeviceFactory's key


def totp_code(key: bytes = FACTORY_KEY, step: int = 30, offset: int = 0) -> str:
    """The code of `key` at the (frozen) current time, `offset` steps away."""
    import time

    totp = TOTP(key, step, 0, 6, 0)
    totp.time = time.time() + offset * step
    return f"{totp.token():06d}"


def post_password(client, email: str, password: str = DEFAULT_PASSWORD, next_url: str = ""):
    return client.post("/connexion/", {"username": email, "password": password,
                                       "next": next_url})


def post_code(client, code: str):
    return client.post("/connexion/code/", {"code": code})


def full_login(client, aidant, code: str | None = None, next_url: str = ""):
    response = post_password(client, aidant.email, next_url=next_url)
    assert response.status_code == 302, response.content.decode()[:500]
    return post_code(client, code or totp_code())
