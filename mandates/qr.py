"""The short code printed on receipts, its verification URL and its QR code.

A code typed from paper may carry spaces, dashes or lower case: `normalise_short_code` undoes
that, and `display_short_code` groups it by four for reading aloud and typing.
"""

import re
from functools import lru_cache

import segno
from django.conf import settings
from django.urls import reverse

_SEPARATORS = re.compile(r"[\s\-‐‑–—._]+")
_VALID = re.compile(r"[A-Z0-9]{4,16}")


def normalise_short_code(raw: str) -> str:
    """Upper-case, separators removed; "" when what remains cannot be a short code."""
    code = _SEPARATORS.sub("", raw or "").upper()
    return code if _VALID.fullmatch(code) else ""


def display_short_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def verification_url(short_code: str) -> str:
    return settings.SITE_URL + reverse("mandates:verify", args=[short_code])


@lru_cache(maxsize=256)
def qr_svg_data_uri(data: str) -> str:
    """A black-on-white SVG QR code (error correction M survives a crumpled sheet)."""
    qr = segno.make(data, error="m", micro=False)
    return qr.svg_data_uri(scale=4, border=2, dark="#000", light="#fff")
