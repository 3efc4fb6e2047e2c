"""The legal text of receipts, rendered from a versioned template and hashed.

Contract: `receipt_text(mandate)` depends only on the mandate as it was granted (its usager,
structure, creating aidant, dates and the démarches of all its authorisations, revoked or not)
and on the template version, never on the clock or on later revocations, so a re-print gives
the same text and the same SHA-256 as the one recorded at creation. The text uses a tiny line
markup that `blocks()` turns into the PDF's structure, so the PDF prints exactly the hashed text.
Erasing the usager's identity (RGPD purge) changes the text: its hash then no longer matches,
by design.
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string

from aidants.demarches import CATALOGUE

# Bump when the wording changes: old receipts keep the version they were printed with, and the
# template of each version stays in templates/mandates/receipt/<version>/.
RECEIPT_VERSION = "2026-11-v1"

# Date wording is part of the hashed legal text, so it lives here rather than in the desk's
# shared `mandates.text`: a change there must not silently change printed receipts' hashes.
PARIS = ZoneInfo("Europe/Paris")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def french_date(value: datetime) -> str:
    local = value.astimezone(PARIS)
    day = "1er" if local.day == 1 else str(local.day)
    return f"{day} {MONTHS[local.month - 1]} {local.year}"


def french_datetime(value: datetime) -> str:
    local = value.astimezone(PARIS)
    return f"{french_date(local)} à {local.hour} h {local.minute:02d}"


def french_end(value: datetime) -> str:
    """An end instant in plain words; midnight reads as "the previous day, until midnight"."""
    local = value.astimezone(PARIS)
    if local.timetz().replace(tzinfo=None) == time(0, 0):
        previous = datetime.fromordinal(local.toordinal() - 1).replace(tzinfo=PARIS)
        return f"{french_date(previous)} à minuit"
    return french_datetime(local)


def french_birthdate(raw: str) -> str:
    """"le 14 mars 1950"; FranceConnect may give presumed dates: `YYYY-MM-00` reads "en mars
    1950", `YYYY-00-00` "en 1950"."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", raw or "")
    if not match:
        return "à une date non renseignée"
    year, month, day = (int(part) for part in match.groups())
    if not month:
        return f"en {year}"
    if not day:
        return f"en {MONTHS[month - 1]} {year}"
    return f"le {'1er' if day == 1 else day} {MONTHS[month - 1]} {year}"


def retention_words() -> str:
    days = settings.USAGER_RETENTION.days
    months = round(days / 30.4)
    return f"{months} mois" if months >= 1 else f"{days} jours"


def _demarches(authorisations) -> list:
    order = list(CATALOGUE)
    codes = sorted({a.demarche for a in authorisations}, key=order.index)
    return [CATALOGUE[code] for code in codes]


def version_of(mandate) -> str:
    """The template version a mandate's receipt was first printed with (current if unset)."""
    return mandate.receipt_version or RECEIPT_VERSION


def legal_identity(usager) -> str:
    """Given names and birth name, as FranceConnect certifies them, then the usage name."""
    if usager.erased_at:
        return usager.display_name
    identity = f"{usager.given_name} {usager.family_name}".strip()
    if usager.preferred_username and usager.preferred_username != usager.family_name:
        identity += f" (nom d'usage : {usager.preferred_username})"
    return identity


def _common_context(mandate) -> dict:
    usager = mandate.usager
    return {
        "version": version_of(mandate),
        "mandate": mandate,
        "usager": usager,
        "usager_name": usager.display_name,
        "usager_identity": legal_identity(usager),
        "usager_birthdate": french_birthdate(usager.birthdate),
        "organisation": mandate.organisation,
        "aidant": mandate.created_by,
        "created": french_datetime(mandate.created_at),
        "created_date": french_date(mandate.created_at),
        "ends": french_end(mandate.expires_at),
        "retention": retention_words(),
    }


def canonical(text: str) -> str:
    """Strip trailing spaces and collapse blank runs, so template layout cannot change a hash."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip() + "\n"


def receipt_text(mandate) -> str:
    """The exact legal text of the mandate receipt (see the module contract), in the template
    version recorded on the mandate, so a re-print after a wording change stays identical."""
    context = _common_context(mandate)
    context["demarches"] = _demarches(mandate.authorisations.all())
    return canonical(render_to_string(f"mandates/receipt/{version_of(mandate)}/receipt.txt",
                                      context))


def receipt_sha256(mandate) -> str:
    return hashlib.sha256(receipt_text(mandate).encode()).hexdigest()


def _name(aidant) -> str:
    return aidant.get_full_name() if aidant else ""


def revocation_text(mandate) -> str:
    """The text of the revocation receipt: what was revoked, when, by whom, what stays valid.

    Deterministic for a given state of the mandate: a re-print after a further revocation
    differs, and so does its hash.
    """
    context = _common_context(mandate)
    order = list(CATALOGUE)
    authorisations = sorted(mandate.authorisations.all(), key=lambda a: order.index(a.demarche))
    revoked = [a for a in authorisations if a.revoked_at]
    context["revoked_at"] = french_datetime(mandate.revoked_at) if mandate.revoked_at else ""
    context["revoked_by"] = _name(mandate.revoked_by)
    context["revoked"] = [
        {"info": CATALOGUE[a.demarche], "at": french_datetime(a.revoked_at),
         "superseded": bool(a.superseded_by_id), "by": _name(a.revoked_by),
         "reason": "" if a.superseded_by_id else a.revocation_reason}
        for a in revoked]
    context["remaining"] = [] if mandate.revoked_at else [
        CATALOGUE[a.demarche] for a in authorisations if not a.revoked_at]
    latest = max(revoked, key=lambda a: a.revoked_at, default=None)
    context["signing_aidant"] = context["revoked_by"] or _name(latest and latest.revoked_by)
    template = f"mandates/receipt/{version_of(mandate)}/revocation.txt"
    return canonical(render_to_string(template, context))


def revocation_sha256(mandate) -> str:
    return hashlib.sha256(revocation_text(mandate).encode()).hexdigest()


def has_revocation(mandate) -> bool:
    return bool(mandate.revoked_at) or any(a.revoked_at for a in mandate.authorisations.all())


@dataclass
class Block:
    """One printed element: kind is h1, h2, p, warning, list or signatures (with items)."""

    kind: str
    text: str = ""
    items: list[str] = field(default_factory=list)


_PREFIXES = (("## ", "h2"), ("# ", "h1"), ("! ", "warning"))
_GROUPED = (("- ", "list"), ("[ ] ", "signatures"))


def blocks(text: str) -> list[Block]:
    """Parse the line markup: `# `, `## `, `! ` (warning), and grouped runs of `- ` (list
    items) and `[ ] ` (signature boxes); any other line is a paragraph."""
    out: list[Block] = []
    for line in text.split("\n"):
        if not line:
            continue
        group = next(((p, k) for p, k in _GROUPED if line.startswith(p)), None)
        if group:
            prefix, kind = group
            if not out or out[-1].kind != kind:
                out.append(Block(kind))
            out[-1].items.append(line[len(prefix):])
            continue
        kind, body = next(((k, line[len(p):]) for p, k in _PREFIXES if line.startswith(p)),
                          ("p", line))
        out.append(Block(kind, body))
    return out
