"""Parse a stock of TOTP cards from CSV: `serial, secret, step` (step optional, 60 by default).

Pure parsing, no database: every bad line is reported with its line number and nothing is
returned unless the whole file is good (the import is all-or-nothing). Secrets are hexadecimal
or base32 (RFC 4648); a string that is valid hexadecimal of even length is read as hexadecimal.
RFC 4226 §4 (R6): the shared secret MUST be at least 128 bits long.
"""

import binascii
import csv
import io
import re
from base64 import b32decode
from dataclasses import dataclass

ALLOWED_STEPS = (30, 60)
DEFAULT_STEP = 60
MIN_KEY_BYTES = 16
HEADER_WORDS = {"serial", "serie", "série", "numero", "numéro", "numéro de série", "numero_serie"}
SERIAL_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
HEX_RE = re.compile(r"(?:[0-9a-fA-F]{2})+")


@dataclass(frozen=True)
class ParsedCard:
    line: int
    serial: str
    key: bytes
    step: int


def decode_secret(raw: str) -> bytes:
    """Return the key bytes; ValueError (French message) when unreadable or too short."""
    compact = re.sub(r"[\s-]", "", raw)
    if not compact:
        raise ValueError("secret manquant")
    if HEX_RE.fullmatch(compact):
        key = bytes.fromhex(compact)
    else:
        padded = compact.upper().rstrip("=")
        padded += "=" * (-len(padded) % 8)
        try:
            key = b32decode(padded)
        except binascii.Error:
            raise ValueError("secret illisible (ni hexadécimal ni base32)") from None
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"secret trop court ({len(key) * 8} bits, 128 au minimum)")
    return key


def _parse_step(raw: str) -> int:
    raw = raw.strip()
    if not raw:
        return DEFAULT_STEP
    if not raw.isdigit() or int(raw) not in ALLOWED_STEPS:
        raise ValueError(f"durée « {raw[:20]} » invalide (30 ou 60 secondes attendues)")
    return int(raw)


def _parse_row(row: list[str]) -> tuple[str, bytes, int]:
    if len(row) not in (2, 3):
        raise ValueError(f"{len(row)} colonne(s) au lieu de 3 (numéro de série, secret, durée)")
    serial = row[0].strip()
    if not SERIAL_RE.fullmatch(serial):
        raise ValueError("numéro de série manquant ou invalide (lettres, chiffres, - et _, "
                         "64 caractères au plus)")
    return serial, decode_secret(row[1]), _parse_step(row[2] if len(row) == 3 else "")


def _delimiter(text: str) -> str:
    first = text.lstrip().split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


def parse_cards(text: str) -> tuple[list[ParsedCard], list[tuple[int, str]]]:
    """Return (cards, errors); `errors` holds `(line_number, French message)` pairs."""
    cards: list[ParsedCard] = []
    errors: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if not cards and not errors and not seen and row[0].strip().lower() in HEADER_WORDS:
            continue
        try:
            serial, key, step = _parse_row(row)
        except ValueError as exc:
            errors.append((line, str(exc)))
            continue
        if serial in seen:
            errors.append((line, f"numéro de série {serial} en double (déjà ligne {seen[serial]})"))
            continue
        seen[serial] = line
        cards.append(ParsedCard(line, serial, key, step))
    if not cards and not errors:
        errors.append((1, "le fichier ne contient aucune carte"))
    return cards, errors
