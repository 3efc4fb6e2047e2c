"""Business actions on aidants, structures, second factors and logins.

Each function is atomic and writes exactly one journal entry in the same transaction. Login
services record what the views did with the request (`login()`, `django_otp.login()`); they never
receive a password, a code or an OTP secret, and never put one in the journal.
"""

import json

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

import audit
from aidants.models import (
    Aidant,
    AidantSession,
    BackupCodeDevice,
    Organisation,
    TOTPDevice,
)
from audit.actor import Actor
from audit.events import EventType

LOGIN_ACTOR = Actor.system("login")
# RFC 4226 §4 (R6) requires shared secrets of at least 128 bits and recommends 160.
MIN_TOTP_KEY_BYTES = 16
ALLOWED_STEPS = (30, 60)


def _aidant_id_for(username: str) -> int | None:
    return Aidant.objects.filter(email__iexact=username).values_list("pk", flat=True).first()


# --- Accounts ------------------------------------------------------------------------------


@transaction.atomic
def aidant_sessions_end(*, aidant: Aidant, actor) -> int:
    """Delete every server-side session of `aidant`; return how many were ended."""
    count, _ = AidantSession.objects.filter(aidant=aidant).delete()
    audit.record(EventType.SESSIONS_ENDED, actor=actor, payload={"aidant_id": aidant.pk,
                                                                   "sessions": count})
    return count


@transaction.atomic
def aidant_deactivate(*, aidant: Aidant, actor, reason: str) -> Aidant:
    """Deactivate `aidant`: they can no longer log in and all their sessions end now.

    Mandates stay with their structure. Permission checks are the caller's (référent of one of
    the aidant's structures, or staff).
    """
    aidant = Aidant.objects.select_for_update().get(pk=aidant.pk)
    aidant.is_active = False
    aidant.save(update_fields=["is_active"])
    count, _ = AidantSession.objects.filter(aidant=aidant).delete()
    audit.record(EventType.AIDANT_DEACTIVATED, actor=actor,
                 structure=aidant.current_structure_id,
                 payload={"aidant_id": aidant.pk, "reason": reason[:500], "sessions_ended": count})
    return aidant


@transaction.atomic
def aidant_reactivate(*, aidant: Aidant, actor, reason: str) -> Aidant:
    """Let a deactivated aidant log in again. Permission checks are the caller's (staff)."""
    aidant = Aidant.objects.select_for_update().get(pk=aidant.pk)
    aidant.is_active = True
    aidant.save(update_fields=["is_active"])
    audit.record(EventType.AIDANT_REACTIVATED, actor=actor,
                 structure=aidant.current_structure_id,
                 payload={"aidant_id": aidant.pk, "reason": reason[:500]})
    return aidant


@transaction.atomic
def structure_switch(*, aidant: Aidant, organisation: Organisation, actor=None) -> Aidant:
    """Make `organisation` the aidant's current structure.

    Raises `PermissionDenied` unless the aidant has an active membership in an active
    `organisation`. `actor` defaults to the aidant, acting in the new structure.
    """
    aidant = Aidant.objects.select_for_update().get(pk=aidant.pk)
    if not aidant.memberships.active().filter(organisation=organisation).exists():
        raise PermissionDenied("Vous n'êtes pas membre actif de cette structure.")
    previous = aidant.current_structure_id
    aidant.current_structure = organisation
    aidant.save(update_fields=["current_structure"])
    audit.record(EventType.STRUCTURE_SWITCHED,
                 actor=actor if actor is not None else Actor.aidant(aidant, organisation),
                 structure=organisation,
                 payload={"aidant_id": aidant.pk, "from_structure_id": previous,
                          "to_structure_id": organisation.pk})
    return aidant


# --- Second factors ------------------------------------------------------------------------


def totp_device_validate(*, kind: str, key: bytes, step: int, card_serial: str) -> None:
    """Raise `ValidationError` (French) if `totp_device_create` would refuse these values."""
    if kind not in TOTPDevice.Kind.values:
        raise ValidationError("Type de générateur inconnu.", code="device_kind")
    if len(key) < MIN_TOTP_KEY_BYTES:
        raise ValidationError("La clé secrète est trop courte (128 bits au minimum).",
                              code="device_key")
    if step not in ALLOWED_STEPS:
        raise ValidationError("La période d'un code doit être de 30 ou 60 secondes.",
                              code="device_step")
    if kind == TOTPDevice.Kind.CARD and not card_serial:
        raise ValidationError("Le numéro de série de la carte est obligatoire.",
                              code="card_serial")
    if card_serial and TOTPDevice.objects.filter(card_serial=card_serial).exists():
        raise ValidationError("Une carte portant ce numéro de série existe déjà.",
                              code="card_serial_taken")


@transaction.atomic
def totp_device_create(*, aidant: Aidant, kind: str, key: bytes, step: int,
                       card_serial: str = "", confirmed: bool, actor) -> TOTPDevice:
    """Give `aidant` a TOTP generator whose secret `key` is stored encrypted.

    Raises `ValidationError` (French message) for an unknown kind, a key under 128 bits, a step
    other than 30/60 s, or a card without serial or with a serial already taken. The journal gets
    the device's kind, serial and state, never the key.
    """
    card_serial = card_serial.strip()
    totp_device_validate(kind=kind, key=key, step=step, card_serial=card_serial)
    name = f"Carte n° {card_serial}" if kind == TOTPDevice.Kind.CARD else "Application"
    device = TOTPDevice(user=aidant, name=name, kind=kind, step=step, card_serial=card_serial,
                        confirmed=confirmed)
    device.set_key(key)
    device.save()
    audit.record(EventType.DEVICE_ENROLLED, actor=actor, structure=aidant.current_structure_id,
                 payload={"aidant_id": aidant.pk, "device_id": device.pk, "kind": kind,
                          "step": step, "card_serial": card_serial, "confirmed": confirmed})
    return device


@transaction.atomic
def totp_app_enrolment_start(*, aidant: Aidant) -> TOTPDevice:
    """Start enrolling a phone app: a fresh unconfirmed device, replacing any abandoned one."""
    TOTPDevice.objects.filter(user=aidant, kind=TOTPDevice.Kind.APP, confirmed=False).delete()
    return totp_device_create(aidant=aidant, kind=TOTPDevice.Kind.APP,
                              key=TOTPDevice.random_key(), step=30, confirmed=False,
                              actor=aidant)


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, token: str, actor) -> bool:
    """Confirm an unconfirmed device if `token` is a valid code from it; False otherwise.

    Verification is throttled and replay-protected by the device itself.
    """
    if device.confirmed or not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(EventType.DEVICE_CONFIRMED, actor=actor,
                 structure=device.user.current_structure_id,
                 payload={"aidant_id": device.user_id, "device_id": device.pk,
                          "kind": device.kind})
    return True


@transaction.atomic
def backup_codes_generate(*, aidant: Aidant, actor) -> list[str]:
    """Replace the aidant's backup codes; return the new ones in clear, to be shown once."""
    device, _ = BackupCodeDevice.objects.get_or_create(
        user=aidant, defaults={"name": "Codes de secours", "confirmed": True})
    codes = device.generate()
    audit.record(EventType.BACKUP_CODES_GENERATED, actor=actor,
                 structure=aidant.current_structure_id,
                 payload={"aidant_id": aidant.pk, "device_id": device.pk, "count": len(codes)})
    return codes


# --- Login events ----------------------------------------------------------------------------


def _device_facts(device) -> dict:
    return {"device_id": device.pk, "device_kind": getattr(device, "kind", "backup")}


@transaction.atomic
def login_succeeded(*, aidant: Aidant, device, ip_address: str | None) -> None:
    """Journal a completed two-factor login (the view has called `login()` and `otp_login()`)."""
    audit.record(EventType.LOGIN_SUCCEEDED, actor=aidant, structure=aidant.current_structure_id,
                 payload={"aidant_id": aidant.pk, **_device_facts(device)},
                 personal={"ip_address": ip_address})


@transaction.atomic
def login_failed(*, username: str, ip_address: str | None, reason: str = "") -> None:
    """Journal a refused e-mail + password step.

    The person is told nothing more than "incorrect"; the journal says whether the account is
    unknown or deactivated (`reason` overrides, e.g. "no_device").
    """
    aidant = Aidant.objects.filter(email__iexact=username).only("pk", "is_active").first()
    if aidant is None:
        reason = reason or "unknown_account"
    elif not reason:
        reason = "password" if aidant.is_active else "deactivated"
    audit.record(EventType.LOGIN_FAILED, actor=LOGIN_ACTOR,
                 payload={"aidant_id": aidant.pk if aidant else None, "reason": reason},
                 personal={"username": username, "ip_address": ip_address})


@transaction.atomic
def otp_failed(*, aidant: Aidant, reason: str, ip_address: str | None) -> None:
    """Journal a refused one-time code (`reason`: "invalid" or "throttled")."""
    audit.record(EventType.OTP_FAILED, actor=LOGIN_ACTOR, structure=aidant.current_structure_id,
                 payload={"aidant_id": aidant.pk, "reason": reason},
                 personal={"ip_address": ip_address})


@transaction.atomic
def locked_out(*, username: str, ip_address: str | None) -> None:
    """Journal a lockout of the (username, IP) pair, or an attempt refused while locked."""
    audit.record(EventType.LOCKED_OUT, actor=Actor.system("axes"),
                 payload={"aidant_id": _aidant_id_for(username or "")},
                 personal={"username": username, "ip_address": ip_address})


@transaction.atomic
def logged_out(*, aidant: Aidant) -> None:
    audit.record(EventType.LOGOUT, actor=aidant, structure=aidant.current_structure_id,
                 payload={"aidant_id": aidant.pk})


@transaction.atomic
def reauthenticated(*, aidant: Aidant, device) -> None:
    """Journal a fresh code typed for a sensitive action after inactivity."""
    audit.record(EventType.REAUTHENTICATED, actor=aidant, structure=aidant.current_structure_id,
                 payload={"aidant_id": aidant.pk, **_device_facts(device)})


# --- Django admin ----------------------------------------------------------------------------

_ADMIN_EVENTS = {ADDITION: EventType.ADMIN_CREATED, CHANGE: EventType.ADMIN_CHANGED,
                 DELETION: EventType.ADMIN_DELETED}


def _admin_change_summary(message: str) -> list:
    """Keep what changed (kinds, model and field names), drop object labels (personal data)."""
    try:
        items = json.loads(message or "[]")
    except ValueError:
        return []
    summary = []
    for item in items if isinstance(items, list) else []:
        for kind, detail in item.items():
            detail = detail if isinstance(detail, dict) else {}
            summary.append({"kind": kind, "name": detail.get("name", ""),
                            "fields": detail.get("fields", [])})
    return summary


@transaction.atomic
def admin_change_record(*, log_entry: LogEntry) -> None:
    """Journal one change made in the Django admin, from the admin's own LogEntry.

    The object's label (often a person's name) stays out; the changed field names are kept.
    """
    content_type = log_entry.content_type
    audit.record(_ADMIN_EVENTS[log_entry.action_flag], actor=Actor.aidant(log_entry.user),
                 payload={"model": f"{content_type.app_label}.{content_type.model}"
                          if content_type else "",
                          "object_id": str(log_entry.object_id or ""),
                          "changes": _admin_change_summary(log_entry.change_message)})
