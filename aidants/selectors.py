"""Reads about aidants and structures, for views and other apps."""

from django.db.models import QuerySet

from aidants.models import Aidant, Membership, Organisation


def memberships_of(aidant: Aidant) -> QuerySet[Membership]:
    """The aidant's active memberships in active structures, by structure name."""
    return (Membership.objects.active().filter(aidant=aidant)
            .select_related("organisation").order_by("organisation__name"))


def structures_of(aidant: Aidant) -> QuerySet[Organisation]:
    """The active structures the aidant may work for (and switch to)."""
    return Organisation.objects.active().filter(
        memberships__in=Membership.objects.active().filter(aidant=aidant)).order_by("name")


def current_membership(aidant: Aidant) -> Membership | None:
    if aidant.current_structure_id is None:
        return None
    return memberships_of(aidant).filter(organisation_id=aidant.current_structure_id).first()
