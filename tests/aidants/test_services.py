"""Service contracts: one journal entry each, naming the right actor, never a secret."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from aidants import services
from aidants.models import TOTPDevice
from audit.events import EventType
from audit.models import Entry

KEY = bytes(range(40, 60))


def test_totp_device_create_encrypts_and_journals(aidant, staff):
    device = services.totp_device_create(aidant=aidant, kind=TOTPDevice.Kind.CARD, key=KEY,
                                         step=60, card_serial=" GZ-77 ", confirmed=False,
                                         actor=staff)
    assert device.bin_key == KEY and KEY.hex() not in device.encrypted_key
    assert device.card_serial == "GZ-77" and device.step == 60 and not device.confirmed
    [entry] = Entry.objects.filter(event_type=EventType.DEVICE_ENROLLED)
    assert entry.actor_aidant_id == staff.pk
    assert entry.payload == {"aidant_id": aidant.pk, "device_id": device.pk, "kind": "card",
                             "step": 60, "card_serial": "GZ-77", "confirmed": False}


@pytest.mark.parametrize("kwargs,code", [
    ({"key": b"short"}, "device_key"),
    ({"step": 45}, "device_step"),
    ({"kind": "sms"}, "device_kind"),
    ({"kind": TOTPDevice.Kind.CARD, "card_serial": ""}, "card_serial"),
])
def test_totp_device_create_refuses_bad_values(aidant, kwargs, code):
    arguments = {"aidant": aidant, "kind": TOTPDevice.Kind.APP, "key": KEY, "step": 30,
                 "confirmed": True, "actor": aidant, **kwargs}
    with pytest.raises(ValidationError) as excinfo:
        services.totp_device_create(**arguments)
    assert excinfo.value.code == code
    assert not Entry.objects.filter(event_type=EventType.DEVICE_ENROLLED).exists()


def test_totp_device_create_refuses_a_taken_card_serial(aidant):
    services.totp_device_create(aidant=aidant, kind="card", key=KEY, step=60,
                                card_serial="GZ-1", confirmed=True, actor=aidant)
    with pytest.raises(ValidationError) as excinfo:
        services.totp_device_create(aidant=aidant, kind="card", key=KEY, step=60,
                                    card_serial="GZ-1", confirmed=True, actor=aidant)
    assert excinfo.value.code == "card_serial_taken"


def test_backup_codes_regeneration_invalidates_old_codes(aidant, time_machine):
    old = services.backup_codes_generate(aidant=aidant, actor=aidant)
    new = services.backup_codes_generate(aidant=aidant, actor=aidant)
    device = aidant.backupcodedevice_set.get()
    assert not device.verify_token(old[0])
    time_machine.move_to(timezone.now() + timedelta(seconds=5))  # django-otp back-off
    assert device.verify_token(new[0])
    assert Entry.objects.filter(event_type=EventType.BACKUP_CODES_GENERATED).count() == 2


def test_reactivate(aidant, staff):
    services.aidant_deactivate(aidant=aidant, actor=staff, reason="erreur")
    aidant = services.aidant_reactivate(aidant=aidant, actor=staff, reason="erreur corrigée")
    assert aidant.is_active
    entry = Entry.objects.get(event_type=EventType.AIDANT_REACTIVATED)
    assert entry.actor_aidant_id == staff.pk and entry.payload["reason"] == "erreur corrigée"


def test_auth_services_write_exactly_one_entry_each(aidant):
    device = aidant.totpdevice_set.get()
    calls = [
        (EventType.LOGIN_SUCCEEDED, lambda: services.login_succeeded(
            aidant=aidant, device=device, ip_address="127.0.0.1")),
        (EventType.LOGIN_FAILED, lambda: services.login_failed(
            username=aidant.email, ip_address="127.0.0.1")),
        (EventType.OTP_FAILED, lambda: services.otp_failed(
            aidant=aidant, reason="invalid", ip_address="127.0.0.1")),
        (EventType.LOCKED_OUT, lambda: services.locked_out(
            username=aidant.email, ip_address="127.0.0.1")),
        (EventType.LOGOUT, lambda: services.logged_out(aidant=aidant)),
        (EventType.REAUTHENTICATED, lambda: services.reauthenticated(
            aidant=aidant, device=device)),
    ]
    for event_type, call in calls:
        before = Entry.objects.count()
        call()
        assert Entry.objects.count() == before + 1
        entry = Entry.objects.order_by("-pk").first()
        assert entry.event_type == event_type
        assert entry.payload["aidant_id"] == aidant.pk
        assert aidant.email not in str({k: v for k, v in entry.payload.items()
                                        if k != "personal"})
