"""Structure statistics for référents: usagers helped, mandates created, revoked and used.

"Used" counts the journal's delegated logins (`oidc.delegated_login`) recorded for the
structure: the journal, not a counter, is the source of truth for what was done under a mandate.
Months are calendar months in Europe/Paris. Figures hold no personal data.
"""

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from aidants.demarches import CATALOGUE
from audit.events import EventType
from audit.models import Entry
from mandates.models import Authorisation, Mandate
from mandates.receipts.text import MONTHS

PARIS = ZoneInfo("Europe/Paris")


@dataclass
class Row:
    """One line of figures. `used` = distinct mandates used; `uses` = delegated logins."""

    key: str
    label: str
    usagers: int = 0
    created: int = 0
    revoked: int = 0
    used: int = 0
    uses: int = 0


@dataclass
class StructureStats:
    total: Row
    demarches: list[Row]
    months: list[Row]


def _uses(structure):
    # order_by(): Entry's default ordering must not leak into GROUP BY.
    return Entry.objects.filter(event_type=EventType.DELEGATED_LOGIN,
                                structure_id=structure.pk).order_by()


def _total(structure) -> Row:
    mandates = Mandate.objects.filter(organisation=structure).aggregate(
        usagers=Count("usager", distinct=True), created=Count("id"),
        revoked=Count("id", filter=Q(revoked_at__isnull=False)))
    uses = _uses(structure).aggregate(used=Count("mandate_id", distinct=True), uses=Count("id"))
    return Row("total", "Total", **mandates, **uses)


def _per_demarche(structure) -> list[Row]:
    revoked = (Q(revoked_at__isnull=False, superseded_by__isnull=True)
               | Q(mandate__revoked_at__isnull=False))
    granted = {
        r["demarche"]: r for r in Authorisation.objects.filter(mandate__organisation=structure)
        .values("demarche").annotate(usagers=Count("mandate__usager", distinct=True),
                                     created=Count("id"), revoked=Count("id", filter=revoked))}
    used = {r["demarche"]: r for r in _uses(structure).values("demarche").annotate(
        used=Count("mandate_id", distinct=True), uses=Count("id"))}
    rows = []
    for code, info in CATALOGUE.items():
        g, u = granted.get(code, {}), used.get(code, {})
        rows.append(Row(code, info.label, g.get("usagers", 0), g.get("created", 0),
                        g.get("revoked", 0), u.get("used", 0), u.get("uses", 0)))
    return rows


def _by_month(queryset, field: str, **aggregates) -> dict[date, dict]:
    rows = (queryset.order_by().annotate(month=TruncMonth(field, tzinfo=PARIS)).values("month")
            .annotate(**aggregates))
    return {_as_date(r["month"]): r for r in rows}


def _as_date(value) -> date:
    return value.date() if hasattr(value, "date") else value


def _per_month(structure) -> list[Row]:
    mandates = Mandate.objects.filter(organisation=structure)
    created = _by_month(mandates, "created_at", usagers=Count("usager", distinct=True),
                        created=Count("id"))
    revoked = _by_month(mandates.filter(revoked_at__isnull=False), "revoked_at",
                        revoked=Count("id"))
    used = _by_month(_uses(structure), "created_at", used=Count("mandate_id", distinct=True),
                     uses=Count("id"))
    rows = []
    for month in sorted(set(created) | set(revoked) | set(used), reverse=True):
        c, r, u = created.get(month, {}), revoked.get(month, {}), used.get(month, {})
        rows.append(Row(month.strftime("%Y-%m"), f"{MONTHS[month.month - 1]} {month.year}",
                        c.get("usagers", 0), c.get("created", 0), r.get("revoked", 0),
                        u.get("used", 0), u.get("uses", 0)))
    return rows


def structure_stats(*, structure) -> StructureStats:
    """All-time figures of `structure`. The caller checks the reader is its référent."""
    return StructureStats(total=_total(structure), demarches=_per_demarche(structure),
                          months=_per_month(structure))


CSV_HEADER = ["Catégorie", "Démarche ou mois", "Usagers aidés", "Mandats créés",
              "Mandats révoqués", "Mandats utilisés", "Connexions pour un usager"]


def csv_rows(stats: StructureStats):
    """Rows for the CSV export: header, total, then per démarche and per month."""
    yield CSV_HEADER
    sections = [("Total", [stats.total]), ("Démarche", stats.demarches), ("Mois", stats.months)]
    for section, rows in sections:
        for row in rows:
            label = row.key if section == "Mois" else row.label
            yield [section, label, row.usagers, row.created, row.revoked, row.used, row.uses]
