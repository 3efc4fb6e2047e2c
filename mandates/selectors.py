"""Reads for the desk: access helpers, the aidant space lists, a usager's file.

Access rule (issue 4): an aidant sees mandates and usagers only through their CURRENT structure.
`access_*` raise the same `Http404` for a missing object and for one they may not see, so ids
cannot be probed (Zulip's `access_*_by_id`).
"""


from django.db.models import Exists, OuterRef
from django.http import Http404

from mandates.models import Mandate, Usager

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
