"""Reads. `mandates` and `oidc_bridge` ask only `is_habilitated`; the rest serves our pages."""

from datetime import timedelta

from django.db.models import Exists, Q, QuerySet, Subquery
from django.utils import timezone

from aidants.models import Aidant, Membership, Organisation
from aidants.prepared import Prepared
from habilitation.models import Charter, CharterAcceptance, HabilitationRequest

INACTIVITY_LIMIT = timedelta(days=183)  # six months without login


def current_charter():
    return Charter.objects.current()


def has_accepted_current_charter(*, aidant) -> bool:
    charter = current_charter()
    return charter is not None and charter.acceptances.filter(aidant=aidant).exists()


def is_habilitated(*, aidant, organisation=None) -> bool:
    """May `aidant` create and use mandates in `organisation` (default: current structure)?

    True only when all hold: the account is active; it has an active membership in that
    structure; the structure is active; the aidant's habilitation for that structure reached
    "habilité"; and they accepted the charter version in force.
    """
    organisation_id = organisation.pk if organisation is not None else aidant.current_structure_id
    if not (aidant.is_active and organisation_id):
        return False
    return _HABILITATED.exists(aidant_id=aidant.pk, organisation_id=organisation_id,
                               now=timezone.now())


def _habilitated(*, aidant_id, organisation_id, now) -> QuerySet:
    # One query (checked on every delegated login and mandate action): the membership row
    # exists only if the habilitation and the acceptance of the charter in force exist too.
    in_force = Charter.objects.published(at=now).order_by("-version").values("pk")[:1]
    return Membership.objects.active().filter(aidant_id=aidant_id,
                                              organisation_id=organisation_id).filter(
        Exists(HabilitationRequest.objects.habilitated().filter(
            aidant_id=aidant_id, organisation_id=organisation_id)),
        Exists(CharterAcceptance.objects.filter(aidant_id=aidant_id,
                                                charter_id=Subquery(in_force))),
    )


_HABILITATED = Prepared(_habilitated, aidant_id="int", organisation_id="int", now="datetime")


def inactive_aidants(*, organisation=None, now=None) -> QuerySet:
    """Active aidants with no login for six months (never logged in: since their account
    was created). National staff accounts are left to staff. Optionally one structure's."""
    cutoff = (now or timezone.now()) - INACTIVITY_LIMIT
    aidants = Aidant.objects.filter(is_active=True, is_staff=False, is_superuser=False).filter(
        Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
    if organisation is not None:
        aidants = aidants.filter(memberships__organisation=organisation,
                                 memberships__is_active=True)
    return aidants.distinct().order_by("last_name", "first_name")


def managed_organisations(*, aidant) -> QuerySet:
    """Structures whose habilitation `aidant` manages: all for staff, else where référent."""
    if aidant.is_staff:
        return Organisation.objects.all()
    return Organisation.objects.active().filter(
        memberships__aidant=aidant, memberships__role="referent",
        memberships__is_active=True).distinct()


def habilitation_requests_for(*, aidant, status: str = "", organisation_id=None, query: str = ""):
    """The requests `aidant` may see, filtered (status, structure, name or e-mail)."""
    requests = HabilitationRequest.objects.filter(
        organisation__in=managed_organisations(aidant=aidant)).select_related("organisation")
    if status:
        requests = requests.filter(status=status)
    if organisation_id:
        requests = requests.filter(organisation_id=organisation_id)
    if query:
        requests = requests.filter(Q(last_name__icontains=query) | Q(first_name__icontains=query)
                                   | Q(email__icontains=query))
    return requests
