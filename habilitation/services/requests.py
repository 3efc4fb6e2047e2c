"""The habilitation workflow: one service per transition of `models.requests.TRANSITIONS`.

Each service locks the request row, checks the actor, checks the move against the transition
table (a skipped step raises `TransitionError`), saves with `update_fields`, journals one entry
and sends its e-mail after commit. Who may do what:
validate/refuse: national staff; training, second factor, completion: référents of the request's
structure or staff; charter step: the aidant themself (by accepting the charter) or a manager.
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

import audit
from aidants.models import Membership, Organisation, TOTPDevice
from audit.events import EventType
from habilitation import emails
from habilitation.errors import DuplicateError, HabilitationError, TransitionError
from habilitation.models import HabilitationRequest, HabilitationStatus
from habilitation.models.requests import can_move, next_steps
from habilitation.permissions import audit_actor, require_manager, require_staff
from habilitation.selectors import has_accepted_current_charter
from habilitation.services.accounts import aidant_invite_or_attach

S = HabilitationStatus


def _move(request: HabilitationRequest, target: str) -> HabilitationRequest:
    """Lock the row and check `target` is a next step of its current state (the table says)."""
    locked = HabilitationRequest.objects.select_for_update().get(pk=request.pk)
    if not can_move(locked.status, target):
        expected = " ou ".join(f"« {label} »" for label in next_steps(locked.status))
        message = (f"Étape refusée : la demande est à l'étape « {locked.get_status_display()} »"
                   f" et ne peut pas passer à « {S(target).label} ».")
        raise TransitionError(f"{message} Étape attendue : {expected}." if expected
                              else f"{message} Cette demande est close.")
    locked.status = target
    locked.updated_at = timezone.now()
    return locked


def _record(event, request, actor, **payload):
    audit.record(event, actor=audit_actor(actor, request.organisation),
                 structure=request.organisation,
                 payload={"habilitation_request_id": request.pk,
                          "aidant_id": request.aidant_id, "status": request.status, **payload})


@transaction.atomic
def habilitation_request_create(*, organisation: Organisation, first_name: str, last_name: str,
                                email: str, profession: str, actor) -> HabilitationRequest:
    require_manager(actor, organisation)
    request = HabilitationRequest(
        organisation=organisation, first_name=first_name.strip(), last_name=last_name.strip(),
        email=email.strip().lower(), profession=profession.strip(), requested_by=actor)
    request.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError as exc:
        raise DuplicateError("Une demande d'habilitation est déjà en cours (ou aboutie) pour "
                             "cette personne dans cette structure.") from exc
    audit.record(EventType.HABILITATION_REQUESTED, actor=audit_actor(actor, organisation),
                 structure=organisation, payload={"habilitation_request_id": request.pk},
                 personal={"email": request.email})
    emails.send_on_commit("habilitation_requested", to=request.email,
                          context={"request": request})
    return request


@transaction.atomic
def habilitation_request_validate(*, request: HabilitationRequest, actor) -> HabilitationRequest:
    """Staff validate: the person gets an account (or a membership) and an invitation."""
    require_staff(actor)
    request = _move(request, S.VALIDATED)
    aidant, invite_url = aidant_invite_or_attach(
        organisation=request.organisation, email=request.email, first_name=request.first_name,
        last_name=request.last_name, profession=request.profession, role=Membership.Role.AIDANT)
    request.aidant = aidant
    request.save(update_fields=["status", "updated_at", "aidant"])
    _record(EventType.HABILITATION_VALIDATED, request, actor)
    emails.send_on_commit("habilitation_validated", to=aidant.email, context={
        "request": request, "invite_url": invite_url})
    return request


@transaction.atomic
def habilitation_request_refuse(*, request: HabilitationRequest, actor,
                                reason: str) -> HabilitationRequest:
    require_staff(actor)
    reason = reason.strip()
    if not reason:
        raise HabilitationError("Indiquez le motif du refus : il sera envoyé au référent.")
    request = _move(request, S.REFUSED)
    request.refusal_reason = reason
    request.save(update_fields=["status", "updated_at", "refusal_reason"])
    _record(EventType.HABILITATION_REFUSED, request, actor, reason=reason[:500])
    recipients = [request.email]
    if request.requested_by_id:
        recipients.append(request.requested_by.email)
    emails.send_on_commit("habilitation_refused", to=recipients, context={"request": request})
    return request


@transaction.atomic
def habilitation_training_record(*, request: HabilitationRequest, actor, training_date: date,
                                 training_organisation: str) -> HabilitationRequest:
    require_manager(actor, request.organisation)
    training_organisation = training_organisation.strip()
    if training_date > timezone.localdate():
        raise HabilitationError("La date de formation ne peut pas être dans le futur.")
    if not training_organisation:
        raise HabilitationError("Indiquez l'organisme qui a dispensé la formation.")
    request = _move(request, S.TRAINED)
    request.training_date = training_date
    request.training_organisation = training_organisation
    request.save(update_fields=["status", "updated_at", "training_date",
                                "training_organisation"])
    _record(EventType.TRAINING_RECORDED, request, actor,
            training_date=training_date.isoformat())
    emails.send_on_commit("habilitation_trained", to=request.aidant.email,
                          context={"request": request})
    return request


def charter_step_move(*, request: HabilitationRequest) -> HabilitationRequest:
    """Internal to charter services: move a trained request to "charter signed" (no journal)."""
    request = _move(request, S.CHARTER_SIGNED)
    request.save(update_fields=["status", "updated_at"])
    return request


@transaction.atomic
def habilitation_second_factor_check(*, request: HabilitationRequest,
                                     actor) -> HabilitationRequest:
    """Check the aidant has a confirmed second factor (card or app) and record the step."""
    require_manager(actor, request.organisation)
    request = _move(request, S.SECOND_FACTOR_ACTIVE)
    if not TOTPDevice.objects.devices_for_user(request.aidant, confirmed=True).exists():
        raise HabilitationError("L'aidant n'a pas encore de second facteur actif : attribuez-lui "
                                "une carte TOTP ou demandez-lui d'enrôler une application.")
    request.save(update_fields=["status", "updated_at"])
    _record(EventType.HABILITATION_SECOND_FACTOR_CHECKED, request, actor)
    emails.send_on_commit("habilitation_second_factor", to=request.aidant.email,
                          context={"request": request})
    return request


@transaction.atomic
def habilitation_complete(*, request: HabilitationRequest, actor) -> HabilitationRequest:
    """Declare the aidant habilitated in the request's structure (all conditions re-checked)."""
    require_manager(actor, request.organisation)
    request = _move(request, S.HABILITATED)
    aidant = request.aidant
    if not aidant.is_active or not aidant.memberships.active().filter(
            organisation=request.organisation).exists():
        raise HabilitationError("Le compte de l'aidant ou son appartenance à la structure "
                                "n'est plus actif.")
    if not has_accepted_current_charter(aidant=aidant):
        raise HabilitationError("L'aidant doit d'abord accepter la version en vigueur de la "
                                "charte.")
    if not TOTPDevice.objects.devices_for_user(aidant, confirmed=True).exists():
        raise HabilitationError("L'aidant n'a plus de second facteur actif.")
    request.habilitated_at = timezone.now()
    request.save(update_fields=["status", "updated_at", "habilitated_at"])
    _record(EventType.HABILITATION_COMPLETED, request, actor)
    emails.send_on_commit("habilitation_completed", to=aidant.email,
                          context={"request": request})
    return request
