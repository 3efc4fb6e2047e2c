"""TOTP codes the way an authenticator app computes them (RFC 6238), for the e2e aidant.

The secret comes from the `otpauth://` URI the enrolment page shows (its QR code encodes the same
URI), exactly what a phone app reads. Each code is for the current 30 s step of the (possibly
time-machine-shifted) clock; the server refuses a step it has already accepted (no replay), so
the scenario moves the clock past the step before asking a new code (`Authenticator.next_code`).
"""

import time
from base64 import b32decode
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

from django_otp.oath import TOTP


def secret_from_uri(uri: str) -> bytes:
    """The raw key of an `otpauth://totp/...?secret=BASE32&...` URI (Key Uri Format)."""
    parsed = urlparse(uri)
    assert parsed.scheme == "otpauth" and parsed.netloc == "totp", f"not a TOTP URI: {uri!r}"
    secret = parse_qs(parsed.query)["secret"][0].upper()
    return b32decode(secret + "=" * (-len(secret) % 8))


@dataclass
class Authenticator:
    """One enrolled app: `code()` for now; `next_code(traveller)` after moving the clock on."""

    key: bytes
    step: int = 30
    digits: int = 6

    @classmethod
    def from_uri(cls, uri: str) -> "Authenticator":
        query = parse_qs(urlparse(uri).query)
        return cls(secret_from_uri(uri), step=int(query.get("period", ["30"])[0]),
                   digits=int(query.get("digits", ["6"])[0]))

    def code(self) -> str:
        totp = TOTP(self.key, self.step, 0, self.digits, 0)
        totp.time = time.time()
        return f"{totp.token():0{self.digits}d}"

    def next_code(self, traveller) -> str:
        """Move the shared clock (server thread included) one step on, then give that code."""
        traveller.shift(self.step)
        return self.code()
