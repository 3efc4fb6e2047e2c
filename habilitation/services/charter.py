"""The charte déontologique: staff publish versions, aidants accept the one in force."""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

import audit
from aidants.models import Aidant
from audit.actor import Actor
from audit.events import EventType
from habilitation import emails
from habilitation.errors import HabilitationError
from habilitation.models import Charter, CharterAcceptance, HabilitationRequest
from habilitation.models import HabilitationStatus as S
from habilitation.permissions import audit_actor, require_staff
from habilitation.services.requests import charter_step_move


@transaction.atomic
def charter_publish(*, text: str, actor) -> Charter:
    """Publish the next version; from now on every aidant must accept it before acting."""
    if not isinstance(actor, Actor):
        require_staff(actor)
    text = text.strip()
    if not text:
        raise HabilitationError("Le texte de la charte ne peut pas être vide.")
    # Lock the table's latest row so two publications cannot take the same number.
    list(Charter.objects.select_for_update().order_by("-version")[:1])
    version = (Charter.objects.aggregate(last=Max("version"))["last"] or 0) + 1
    charter = Charter.objects.create(
        version=version, text=text, published_at=timezone.now(),
        published_by=None if isinstance(actor, Actor) else actor)
    audit.record(EventType.CHARTER_PUBLISHED, actor=audit_actor(actor),
                 payload={"charter_id": charter.pk, "version": version})
    recipients = list(Aidant.objects.filter(is_active=True, memberships__is_active=True)
                      .distinct().values_list("email", flat=True))
    emails.send_on_commit("charter_published", to=recipients, context={"charter": charter},
                          individually=True)
    return charter


@transaction.atomic
def charter_accept(*, aidant: Aidant, charter: Charter) -> CharterAcceptance:
    """The aidant accepts `charter`, which must be the version in force.

    Their habilitation requests waiting for the charter step move to "charte signée" in the
    same transaction (reported in the entry's payload).
    """
    current = Charter.objects.current()
    if current is None or current.pk != charter.pk:
        raise HabilitationError("Cette version de la charte n'est plus en vigueur : lisez et "
                                "acceptez la version actuelle.")
    if CharterAcceptance.objects.filter(aidant=aidant, charter=charter).exists():
        raise HabilitationError("Vous avez déjà accepté cette version de la charte.")
    acceptance = CharterAcceptance.objects.create(aidant=aidant, charter=charter)
    moved = [charter_step_move(request=request).pk for request in
             HabilitationRequest.objects.filter(aidant=aidant, status=S.TRAINED)]
    audit.record(EventType.CHARTER_SIGNED, actor=Actor.aidant(aidant),
                 payload={"charter_id": charter.pk, "version": charter.version,
                          "habilitation_request_ids": moved})
    emails.send_on_commit("charter_signed", to=aidant.email,
                          context={"aidant": aidant, "charter": charter, "moved": moved})
    return acceptance
