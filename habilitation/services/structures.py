"""Structure sign-up: a public request, reviewed by national staff (approve or refuse)."""

from django.db import IntegrityError, transaction
from django.utils import timezone

import audit
from aidants.models import Membership, Organisation
from aidants.siret import normalise_siret
from audit.actor import Actor
from audit.events import EventType
from habilitation import emails
from habilitation.errors import DuplicateError, HabilitationError
from habilitation.models import StructureRequest
from habilitation.permissions import audit_actor, require_staff
from habilitation.services.accounts import aidant_invite_or_attach

SIGN_UP_ACTOR = Actor.system("inscription-structure")


def siret_taken(siret: str) -> str | None:
    """Why `siret` cannot be requested again (French), or None when it is free."""
    siret = normalise_siret(siret)
    if Organisation.objects.filter(siret=siret).exists():
        return "Une structure avec ce SIRET est déjà inscrite. Contactez son référent."
    if StructureRequest.objects.pending().filter(siret=siret).exists():
        return "Une demande d'inscription pour ce SIRET est déjà en cours d'examen."
    return None


@transaction.atomic
def structure_request_create(*, name: str, type: str, siret: str, address: str,
                             postal_code: str, city: str, allowed_demarches: list[str],
                             referent_first_name: str, referent_last_name: str,
                             referent_email: str, referent_profession: str = ""
                             ) -> StructureRequest:
    """Record a public sign-up request (actor: the system, the requester has no account)."""
    siret = normalise_siret(siret)
    reason = siret_taken(siret)
    if reason:
        raise DuplicateError(reason)
    request = StructureRequest(
        name=name.strip(), type=type, siret=siret, address=address.strip(),
        postal_code=postal_code.strip(), city=city.strip(),
        allowed_demarches=list(allowed_demarches),
        referent_first_name=referent_first_name.strip(),
        referent_last_name=referent_last_name.strip(),
        referent_email=referent_email.strip().lower(),
        referent_profession=referent_profession.strip())
    request.full_clean()
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError as exc:  # a parallel request for the same SIRET won the race
        raise DuplicateError("Une demande d'inscription pour ce SIRET est déjà en cours "
                             "d'examen.") from exc
    audit.record(EventType.STRUCTURE_REQUESTED, actor=SIGN_UP_ACTOR,
                 payload={"structure_request_id": request.pk, "siret": siret,
                          "type": request.type},
                 personal={"referent_email": request.referent_email})
    emails.send_on_commit("structure_requested", to=request.referent_email,
                          context={"request": request})
    return request


def _lock_pending(structure_request: StructureRequest) -> StructureRequest:
    locked = StructureRequest.objects.select_for_update().get(pk=structure_request.pk)
    if locked.status != StructureRequest.Status.PENDING:
        raise HabilitationError("Cette demande a déjà été examinée.")
    return locked


@transaction.atomic
def structure_request_approve(*, structure_request: StructureRequest, actor,
                              allowed_demarches: list[str] | None = None) -> Organisation:
    """Create the structure and invite its référent (new account, or a new membership)."""
    require_staff(actor)
    request = _lock_pending(structure_request)
    if Organisation.objects.filter(siret=request.siret).exists():
        raise DuplicateError("Une structure avec ce SIRET existe déjà.")
    organisation = Organisation(
        name=request.name, type=request.type, siret=request.siret, address=request.address,
        postal_code=request.postal_code, city=request.city,
        contact_email=request.referent_email,
        allowed_demarches=list(allowed_demarches if allowed_demarches is not None
                               else request.allowed_demarches))
    organisation.full_clean()
    organisation.save()
    referent, invite_url = aidant_invite_or_attach(
        organisation=organisation, email=request.referent_email,
        first_name=request.referent_first_name, last_name=request.referent_last_name,
        profession=request.referent_profession, role=Membership.Role.REFERENT)
    request.status = StructureRequest.Status.APPROVED
    request.organisation = organisation
    request.reviewed_at = timezone.now()
    request.reviewed_by = actor
    request.save(update_fields=["status", "organisation", "reviewed_at", "reviewed_by"])
    audit.record(EventType.STRUCTURE_APPROVED, actor=audit_actor(actor), structure=organisation,
                 payload={"structure_request_id": request.pk, "referent_id": referent.pk,
                          "demarches": organisation.allowed_demarches})
    emails.send_on_commit("structure_approved", to=referent.email, context={
        "organisation": organisation, "referent": referent, "invite_url": invite_url})
    return organisation


@transaction.atomic
def structure_request_refuse(*, structure_request: StructureRequest, actor,
                             reason: str) -> StructureRequest:
    require_staff(actor)
    reason = reason.strip()
    if not reason:
        raise HabilitationError("Indiquez le motif du refus : il sera envoyé au demandeur.")
    request = _lock_pending(structure_request)
    request.status = StructureRequest.Status.REFUSED
    request.refusal_reason = reason
    request.reviewed_at = timezone.now()
    request.reviewed_by = actor
    request.save(update_fields=["status", "refusal_reason", "reviewed_at", "reviewed_by"])
    audit.record(EventType.STRUCTURE_REFUSED, actor=audit_actor(actor),
                 payload={"structure_request_id": request.pk, "siret": request.siret,
                          "reason": reason[:500]})
    emails.send_on_commit("structure_refused", to=request.referent_email,
                          context={"request": request})
    return request
