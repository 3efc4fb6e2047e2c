"""Reads for the desk: access helpers, the aidant space lists, a usager's file.

Access rule (issue 4): an aidant sees mandates and usagers only through their CURRENT structure.
`access_*` raise the same `Http404` for a missing object and for one they may not see, so ids
cannot be probed (Zulip's `access_*_by_id`).
"""


import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce, Least
from django.http import Http404
from django.utils import timezone

from audit.models import Entry
from mandates.models import Authorisation, Mandate, Usager
from mandates.text import fold

NOT_FOUND = "Aucun mandat ou usager ne correspond à cette adresse dans votre structure."


def _structure_id(aidant) -> int | None:
    return aidant.current_structure_id


def access_mandate(*, aidant, mandate_id) -> Mandate:
    """The mandate `mandate_id` if it belongs to the aidant's current structure, else Http404.

    The caller (a view decorated with `aidant_required`) has checked the aidant's membership
    of that structure. Usager and structure are joined, authorisations prefetched.
    """
    try:
        mandate_id = int(mandate_id)
    except (TypeError, ValueError):
        raise Http404(NOT_FOUND) from None
    mandate = (Mandate.objects.select_related("usager", "organisation", "created_by")
               .prefetch_related("authorisations")
               .filter(pk=mandate_id, organisation_id=_structure_id(aidant)).first())
    if mandate is None or _structure_id(aidant) is None:
        raise Http404(NOT_FOUND)
    return mandate


def access_usager(*, aidant, usager_id) -> Usager:
    """The usager if they ever gave a mandate to the aidant's current structure, else Http404."""
    try:
        usager_id = int(usager_id)
    except (TypeError, ValueError):
        raise Http404(NOT_FOUND) from None
    in_structure = Mandate.objects.filter(usager=OuterRef("pk"),
                                          organisation_id=_structure_id(aidant))
    usager = Usager.objects.filter(Exists(in_structure), pk=usager_id).first()
    if usager is None:
        raise Http404(NOT_FOUND)
    return usager


# --- Aidant space ------------------------------------------------------------------------

DATE_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
YEAR = re.compile(r"^(19|20)\d{2}$")
FILE_JOURNAL_LIMIT = 200


def _birthdate_filter(term: str) -> Q | None:
    """A birth date typed as 14/03/1950, 1950-03-14 or just 1950; None if not a date."""
    if match := DATE_DMY.match(term):
        day, month, year = match.groups()
        return Q(birthdate=f"{year}-{int(month):02d}-{int(day):02d}")
    if DATE_ISO.match(term):
        return Q(birthdate=term)
    if YEAR.match(term):
        return Q(birthdate__startswith=f"{term}-")
    return None


def _search_filter(query: str) -> Q:
    query = (query or "").strip()
    if not query:
        return Q()
    by_date = _birthdate_filter(query)
    if by_date is not None:
        return by_date
    words = fold(query).split()
    condition = Q()
    for word in words[:5]:  # every word must appear, in any order (given, family, usage name)
        condition &= Q(search_name__contains=word)
    return condition


def structure_usagers(*, structure, query: str = "", include_ended: bool = False,
                      at=None) -> QuerySet:
    """Usagers with at least one active mandate in `structure`, filtered by `query`.

    `query` is a name (accent- and case-insensitive, any of given/family/usage names) or a
    birth date. `include_ended` also lists usagers whose mandates there all ended (to renew
    one); erased usagers never match. Ordered by family then given name. The structure's
    mandates are found through its indexes first: a structure has hundreds of usagers, the
    table millions.
    """
    mandates = Mandate.objects.filter(organisation=structure)
    if not include_ended:
        mandates = mandates.active(at)
    return (Usager.objects.not_erased().filter(pk__in=mandates.values("usager_id"))
            .filter(_search_filter(query)).order_by("family_name", "given_name", "pk"))


def expiring_mandates(*, structure, days: int = 30, at=None) -> QuerySet:
    """Active mandates of `structure` ending within `days`, soonest first."""
    return (Mandate.objects.for_structure(structure).expiring_within(days, at)
            .select_related("usager").prefetch_related("authorisations")
            .order_by("expires_at", "pk"))


@dataclass(frozen=True)
class UsagerFile:
    usager: Usager
    mandates: list
    journal: list


def usager_file(*, aidant, usager_id) -> UsagerFile:
    """A usager's file in the aidant's current structure (Http404 as `access_usager`).

    Mandates of this structure only, newest first, with their authorisations; the journal
    entries about this usager recorded in this structure or under its mandates, newest first.
    Access is granted exactly when that mandate list is not empty (the `access_usager` rule),
    so the check costs no extra query.
    """
    try:
        usager_id = int(usager_id)
    except (TypeError, ValueError):
        raise Http404(NOT_FOUND) from None
    structure_id = aidant.current_structure_id
    mandates = list(Mandate.objects.filter(usager_id=usager_id, organisation_id=structure_id)
                    .select_related("usager", "created_by", "revoked_by")
                    .prefetch_related(Prefetch("authorisations",
                                               queryset=Authorisation.objects.order_by("pk")))
                    .order_by("-created_at", "-pk"))
    if not mandates or structure_id is None:
        raise Http404(NOT_FOUND)
    journal = list(Entry.objects.filter(usager_id=usager_id).filter(
        Q(structure_id=structure_id) | Q(mandate_id__in=[m.pk for m in mandates]))
        .order_by("-id")[:FILE_JOURNAL_LIMIT])
    return UsagerFile(usager=mandates[0].usager, mandates=mandates, journal=journal)


def superseded_by(mandate: Mandate) -> QuerySet:
    """The earlier authorisations this mandate replaced."""
    return Authorisation.objects.filter(superseded_by__mandate=mandate).select_related("mandate")


# --- Retention (RGPD) ---------------------------------------------------------------------

def mandate_end():
    """When a mandate stopped counting: its revocation if earlier than its expiry."""
    return Least(Coalesce("mandates__revoked_at", "mandates__expires_at"),
                 "mandates__expires_at")


def usagers_due_for_erasure(*, now=None, retention: timedelta | None = None) -> QuerySet:
    """Usagers whose identity must now be erased (issue 4, retention).

    Not yet erased, with no active mandate in any structure, and whose last mandate ended
    (expired or revoked) at least `retention` (settings.USAGER_RETENTION) ago.
    """
    now = now or timezone.now()
    retention = settings.USAGER_RETENTION if retention is None else retention
    active = Mandate.objects.active(now).filter(usager=OuterRef("pk"))
    return (Usager.objects.not_erased().filter(~Exists(active))
            .annotate(last_end=Max(mandate_end()))
            .filter(last_end__lte=now - retention).order_by("pk"))


def authorisations_to_supersede(*, organisation, issuer: str, sub: str, demarches) -> QuerySet:
    """Active authorisations a new mandate with `demarches` would replace (shown on the recap)."""
    return (Authorisation.objects.active().filter(
        demarche__in=list(demarches), mandate__organisation=organisation,
        mandate__usager__fc_issuer=issuer, mandate__usager__fc_sub=sub)
        .select_related("mandate").order_by("pk"))
