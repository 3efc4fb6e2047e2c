"""Text helpers shared by models, selectors and views (no Django model imports)."""

import unicodedata

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
