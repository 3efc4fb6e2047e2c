"""The public verification page's read and its throttle.

Anyone holding a receipt (or a forwarded PDF) may check a mandate, so the page shows only what
the paper already shows, minus identity: status, dates, démarches and the usager's initials.
Short codes are not secrets but are not meant to be enumerated either: lookups are throttled
per client address (fixed window in Django's cache).
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone

from aidants.demarches import CATALOGUE
from mandates.models import Mandate
from mandates.qr import normalise_short_code

LOOKUPS_PER_WINDOW = 30
WINDOW_SECONDS = 600


@dataclass(frozen=True)
class DemarcheStatus:
    label: str
    status: str  # "active", "expired" or "revoked"


@dataclass(frozen=True)
class PublicMandate:
    short_code: str
    status: str
    initials: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    demarches: list[DemarcheStatus]


def public_mandate(raw_code: str, *, at: datetime | None = None) -> PublicMandate | None:
    """What the verification page may show for `raw_code`, or None if no mandate has it."""
    code = normalise_short_code(raw_code)
    if not code:
        return None
    mandate = (Mandate.objects.select_related("usager").prefetch_related("authorisations")
               .filter(short_code=code).first())
    if mandate is None:
        return None
    at = at or timezone.now()
    order = list(CATALOGUE)
    authorisations = sorted(mandate.authorisations.all(), key=lambda a: order.index(a.demarche))
    return PublicMandate(
        short_code=mandate.short_code, status=mandate.status(at),
        initials=mandate.usager.initials, created_at=mandate.created_at,
        expires_at=mandate.expires_at, revoked_at=mandate.revoked_at,
        demarches=[DemarcheStatus(CATALOGUE[a.demarche].label, a.status(at))
                   for a in authorisations],
    )


def throttled(client_key: str) -> bool:
    """Count one lookup for `client_key`; True once it exceeded the window's allowance."""
    key = f"mandates.verify:{client_key}"
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr(): start a new window
        cache.set(key, 1, WINDOW_SECONDS)
        count = 1
    return count > LOOKUPS_PER_WINDOW
