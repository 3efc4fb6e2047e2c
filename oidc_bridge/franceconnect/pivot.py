"""FranceConnect's "identité pivot" claims -> `VerifiedIdentity` (no Django imports).

Formats (FranceConnect partner documentation, see docs/reference franceconnect.md):
- `birthdate` is `YYYY-MM-DD`, or presumed `YYYY-MM-00` / `YYYY-00-00`: kept as text, never
  parsed blindly into a date;
- `birthplace` is an INSEE commune code (`^(2[AB]|\\d{2})\\d{3}$`, Corsica 2A/2B) when born in
  France, and the empty string when born abroad;
- `birthcountry` is a 5-digit INSEE country code, `99100` being France;
- `gender` is `male` or `female`; `preferred_username` (usage name) may be empty.
"""

import re
from collections.abc import Mapping
from datetime import date

from mandates.identity import VerifiedIdentity
from oidc_bridge.franceconnect.errors import FranceConnectError, Reason

FRANCE = "99100"
INSEE_COMMUNE = re.compile(r"^(2[AB]|\d{2})\d{3}$")
INSEE_COUNTRY = re.compile(r"^\d{5}$")
BIRTHDATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
GENDERS = ("male", "female")
MAX_TEXT = 255  # the Usager columns' length


def is_valid_birthdate(value: str) -> bool:
    """A real date, or a presumed one: unknown day (`-00`) or unknown month and day (`-00-00`)."""
    match = BIRTHDATE.match(value)
    if not match:
        return False
    year, month, day = (int(part) for part in match.groups())
    if month == 0:
        return day == 0
    if day == 0:
        return 1 <= month <= 12
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _text(claims: Mapping, name: str, *, required: bool) -> str:
    value = claims.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise FranceConnectError(Reason.IDENTITY_INVALID, name)
    value = " ".join(value.split())
    if required and not value:
        raise FranceConnectError(Reason.IDENTITY_INVALID, f"{name} missing")
    return value


def _birth(claims: Mapping) -> tuple[str, str, str]:
    birthdate = _text(claims, "birthdate", required=True)
    if not is_valid_birthdate(birthdate):
        raise FranceConnectError(Reason.IDENTITY_INVALID, "birthdate")
    country = _text(claims, "birthcountry", required=True)
    if not INSEE_COUNTRY.match(country):
        raise FranceConnectError(Reason.IDENTITY_INVALID, "birthcountry")
    place = _text(claims, "birthplace", required=False).upper()
    if country == FRANCE and not INSEE_COMMUNE.match(place):
        raise FranceConnectError(Reason.IDENTITY_INVALID, "birthplace")
    if country != FRANCE and place:
        # Born abroad: FranceConnect sends an empty commune; anything else is inconsistent.
        raise FranceConnectError(Reason.IDENTITY_INVALID, "birthplace abroad")
    return birthdate, place, country


def identity_from_claims(claims: Mapping, *, issuer: str, acr: str) -> VerifiedIdentity:
    """Build the verified identity from userinfo claims (already signature-checked)."""
    gender = _text(claims, "gender", required=False)
    if gender and gender not in GENDERS:
        raise FranceConnectError(Reason.IDENTITY_INVALID, "gender")
    birthdate, birthplace, birthcountry = _birth(claims)
    email = _text(claims, "email", required=False)
    return VerifiedIdentity(
        issuer=issuer,
        sub=_text(claims, "sub", required=True),
        given_name=_text(claims, "given_name", required=True),
        family_name=_text(claims, "family_name", required=True),
        birthdate=birthdate,
        gender=gender,
        birthplace=birthplace,
        birthcountry=birthcountry,
        preferred_username=_text(claims, "preferred_username", required=False),
        # An address that is not one is dropped, not fatal: the identity stands without it.
        email=email if email.count("@") == 1 and " " not in email else "",
        acr=acr,
    )
