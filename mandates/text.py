"""Text helpers shared by models, selectors and views (no Django model imports)."""

import unicodedata
from datetime import timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"]


def fold(value: str) -> str:
    """Lower-case `value` and strip accents: "Élodie Lefèvre" -> "elodie lefevre"."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def search_key(*names: str) -> str:
    return fold(" ".join(n for n in names if n))


def french_birthdate(value: str) -> str:
    """FranceConnect birthdates may be presumed: 1950-00-00 -> "année 1950"."""
    parts = (value or "").split("-")
    if len(parts) != 3:
        return value or ""
    year, month, day = parts
    if month == "00" or not month.isdigit() or not 1 <= int(month) <= 12:
        return f"année {year}"
    if day == "00":
        return f"{MONTHS[int(month) - 1]} {year}"
    return f"{day}/{month}/{year}"


DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


def french_date(moment) -> str:
    """"dimanche 22 novembre 2026" on the Paris calendar."""
    local = moment.astimezone(PARIS)
    day = "1er" if local.day == 1 else str(local.day)
    return f"{DAYS[local.weekday()]} {day} {MONTHS[local.month - 1]} {local.year}"


def french_end(moment) -> str:
    """When a mandate ends, in plain French, Paris time.

    A midnight end reads "le dimanche 22 novembre 2026 à minuit" (the evening of the 22nd,
    not the 23rd, which people misread); other times "le ... à 10 h 05".
    """
    local = moment.astimezone(PARIS)
    if (local.hour, local.minute) == (0, 0):
        return f"le {french_date(local - timedelta(minutes=1))} à minuit"
    return f"le {french_date(local)} à {local.hour} h {local.minute:02d}"
