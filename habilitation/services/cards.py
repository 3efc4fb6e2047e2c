"""TOTP cards: staff import a stock, référents attribute, confirm, and retire cards.

Card secrets are encrypted at rest and never leave the server; the journal gets serials only.
"""

import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.models import MAX_THROTTLE_DELAY_SECONDS
from django_otp.oath import TOTP

import audit
from aidants.models import Aidant, Organisation, TOTPDevice
from audit.events import EventType
from habilitation import emails
from habilitation.cardcsv import parse_cards
from habilitation.errors import CardImportError, HabilitationError, NotAllowedError
from habilitation.models import TOTPCard
from habilitation.permissions import audit_actor, require_manager, require_staff

Status = TOTPCard.Status
CODE_TOLERANCE = 1  # one step either side: card clocks drift (RFC 6238 §6)


def _referent_emails(organisation: Organisation) -> list[str]:
    return list(Aidant.objects.filter(
        is_active=True, memberships__organisation=organisation, memberships__is_active=True,
        memberships__role="referent").values_list("email", flat=True))


@transaction.atomic
def cards_import(*, organisation: Organisation, csv_text: str, actor) -> list[TOTPCard]:
    """Import every card of `csv_text` into `organisation`, or none (`CardImportError`)."""
    require_staff(actor)
    parsed, errors = parse_cards(csv_text)
    serials = [card.serial for card in parsed]
    existing = set(TOTPCard.objects.filter(serial__in=serials).values_list("serial", flat=True))
    existing |= set(TOTPDevice.objects.filter(card_serial__in=serials)
                    .values_list("card_serial", flat=True))
    errors += [(card.line, f"la carte {card.serial} existe déjà") for card in parsed
               if card.serial in existing]
    if errors:
        raise CardImportError(sorted(errors))
    cards = []
    for item in parsed:
        card = TOTPCard(serial=item.serial, step=item.step, organisation=organisation)
        card.set_key(item.key)
        cards.append(card)
    TOTPCard.objects.bulk_create(cards)
    audit.record(EventType.CARDS_IMPORTED, actor=audit_actor(actor), structure=organisation,
                 payload={"count": len(cards), "serials": serials[:1000]})
    emails.send_on_commit("cards_imported", to=_referent_emails(organisation), context={
        "organisation": organisation, "count": len(cards)})
    return cards


def _lock(card: TOTPCard) -> TOTPCard:
    return TOTPCard.objects.select_for_update().get(pk=card.pk)


@transaction.atomic
def card_assign(*, card: TOTPCard, aidant: Aidant, actor) -> TOTPCard:
    """Give a card in stock to an aidant of the card's structure; it must then be confirmed."""
    card = _lock(card)
    require_manager(actor, card.organisation)
    if card.status != Status.AVAILABLE:
        raise HabilitationError("Cette carte n'est pas disponible.")
    if not (aidant.is_active and aidant.memberships.active().filter(
            organisation=card.organisation).exists()):
        raise NotAllowedError("Cet aidant n'est pas membre actif de la structure de la carte.")
    if TOTPCard.objects.filter(aidant=aidant, status__in=[Status.ASSIGNED, Status.ACTIVE]
                               ).exists():
        raise HabilitationError("Cet aidant a déjà une carte : déclarez-la perdue ou "
                                "désactivez-la d'abord.")
    card.status, card.aidant, card.updated_at = Status.ASSIGNED, aidant, timezone.now()
    card.confirm_failures, card.confirm_failed_at = 0, None
    card.save(update_fields=["status", "aidant", "updated_at", "confirm_failures",
                             "confirm_failed_at"])
    audit.record(EventType.CARD_ASSIGNED, actor=audit_actor(actor, card.organisation),
                 structure=card.organisation, payload={"card_id": card.pk,
                                                       "serial": card.serial,
                                                       "aidant_id": aidant.pk})
    emails.send_on_commit("card_assigned", to=aidant.email, context={"card": card})
    return card


def _throttled(card: TOTPCard) -> bool:
    """django-otp's back-off (1, 2, 4... s after successive failures), for a card in stock."""
    if not card.confirm_failures or card.confirm_failed_at is None:
        return False
    delay = min(settings.OTP_TOTP_THROTTLE_FACTOR * 2 ** (card.confirm_failures - 1),
                MAX_THROTTLE_DELAY_SECONDS)
    return timezone.now() < card.confirm_failed_at + timedelta(seconds=delay)


def _code_step(card: TOTPCard, code: str) -> int | None:
    """The time step `code` matches, or None."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = TOTP(card.bin_key, step=card.step, digits=6)
    totp.time = time.time()
    return totp.t() if totp.verify(int(code), tolerance=CODE_TOLERANCE) else None


def card_confirm(*, card: TOTPCard, code: str, actor) -> TOTPCard:
    """Check the code shown on the card; on success the aidant gets a confirmed card device.

    A wrong code raises `HabilitationError` once the failure is committed (throttling: the
    count must survive the refusal, so it is not rolled back with it).
    """
    confirmed = _card_confirm(card=card, code=code, actor=actor)
    if confirmed is None:
        raise HabilitationError("Code incorrect. Vérifiez le numéro de série et tapez le code "
                                "affiché sur la carte à cet instant.")
    return confirmed


@transaction.atomic
def _card_confirm(*, card: TOTPCard, code: str, actor) -> TOTPCard | None:
    card = _lock(card)
    require_manager(actor, card.organisation)
    if card.status != Status.ASSIGNED:
        raise HabilitationError("Cette carte n'attend pas de confirmation.")
    if _throttled(card):
        raise HabilitationError("Trop d'essais : patientez quelques secondes avant de "
                                "réessayer.")
    step_t = _code_step(card, code)
    if step_t is None:
        card.confirm_failures += 1
        card.confirm_failed_at = timezone.now()
        card.save(update_fields=["confirm_failures", "confirm_failed_at"])
        return None
    device = TOTPDevice(user=card.aidant, name=f"Carte {card.serial}", confirmed=True,
                        kind=TOTPDevice.Kind.CARD, card_serial=card.serial, step=card.step,
                        last_t=step_t)  # the confirmation code cannot be replayed at login
    device.encrypted_key = card.encrypted_key
    device.save()
    card.status, card.device, card.updated_at = Status.ACTIVE, device, timezone.now()
    card.confirm_failures, card.confirm_failed_at = 0, None
    card.save(update_fields=["status", "device", "updated_at", "confirm_failures",
                             "confirm_failed_at"])
    audit.record(EventType.CARD_CONFIRMED, actor=audit_actor(actor, card.organisation),
                 structure=card.organisation, payload={
                     "card_id": card.pk, "serial": card.serial, "aidant_id": card.aidant_id,
                     "device_id": device.pk})
    emails.send_on_commit("card_confirmed", to=card.aidant.email, context={"card": card})
    return card


def _retire(card: TOTPCard, status: str) -> int | None:
    """Remove the aidant's card device (their sessions verified with it stop being verified)."""
    device_id = card.device_id
    if device_id:
        TOTPDevice.objects.filter(pk=device_id).delete()
    card.status, card.device, card.updated_at = status, None, timezone.now()
    card.save(update_fields=["status", "device", "updated_at"])
    return device_id


@transaction.atomic
def card_report_lost(*, card: TOTPCard, actor, reason: str = "") -> TOTPCard:
    """The holder or a manager reports the card lost: it stops working at once."""
    card = _lock(card)
    if not (card.aidant_id and actor.pk == card.aidant_id and actor.is_active):
        require_manager(actor, card.organisation)
    if card.status not in (Status.ASSIGNED, Status.ACTIVE):
        raise HabilitationError("Seule une carte attribuée peut être déclarée perdue.")
    holder = card.aidant
    device_id = _retire(card, Status.LOST)
    audit.record(EventType.CARD_LOST, actor=audit_actor(actor, card.organisation),
                 structure=card.organisation, payload={
                     "card_id": card.pk, "serial": card.serial, "aidant_id": holder.pk,
                     "device_id": device_id, "reason": reason.strip()[:500]})
    emails.send_on_commit("card_lost", to=[holder.email, *_referent_emails(card.organisation)],
                          context={"card": card, "holder": holder}, individually=True)
    return card


@transaction.atomic
def card_deactivate(*, card: TOTPCard, actor) -> TOTPCard:
    """A manager takes a card out of service for good (stock, attributed or lost)."""
    card = _lock(card)
    require_manager(actor, card.organisation)
    if card.status == Status.DEACTIVATED:
        raise HabilitationError("Cette carte est déjà désactivée.")
    device_id = _retire(card, Status.DEACTIVATED)
    audit.record(EventType.CARD_DEACTIVATED, actor=audit_actor(actor, card.organisation),
                 structure=card.organisation, payload={
                     "card_id": card.pk, "serial": card.serial, "aidant_id": card.aidant_id,
                     "device_id": device_id})
    if card.aidant_id:
        emails.send_on_commit("card_deactivated", to=card.aidant.email, context={"card": card})
    return card
