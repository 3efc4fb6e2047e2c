"""« Mon compte / sécurité »: enrolling a phone app by QR code, backup codes shown once."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from aidants.models import BackupCode, TOTPDevice
from audit.events import EventType
from audit.models import Entry
from tests.aidants.helpers import totp_code

NOW = datetime(2026, 11, 23, 9, 0, 5, tzinfo=UTC)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


def test_security_page_lists_devices(aidant_client):
    response = aidant_client.get("/compte/securite/")
    html = response.content.decode()
    assert "Application sur téléphone" in html
    assert "Il vous reste <strong>0</strong> code" in html
    assert "no-store" in response["Cache-Control"]


def test_enrol_phone_app_with_qr_code(clock, aidant_client, aidant):
    response = aidant_client.post("/compte/securite/application/", {"start": "1"})
    assert response["Location"] == "/compte/securite/application/"
    device = TOTPDevice.objects.get(user=aidant, confirmed=False)
    assert device.kind == TOTPDevice.Kind.APP
    enrolled = Entry.objects.get(event_type=EventType.DEVICE_ENROLLED)
    assert enrolled.payload["confirmed"] is False and enrolled.payload["device_id"] == device.pk

    page = aidant_client.get("/compte/securite/application/")
    html = page.content.decode()
    assert "<svg" in html and "QR code à scanner" in html
    assert "no-store" in page["Cache-Control"]
    key = device.bin_key

    response = aidant_client.post("/compte/securite/application/", {"code": "12345"})
    assert "Ce code ne correspond pas" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    clock.shift(timedelta(seconds=5))  # django-otp's back-off after the wrong code
    response = aidant_client.post("/compte/securite/application/", {"code": totp_code(key)})
    assert response["Location"] == "/compte/securite/"
    device.refresh_from_db()
    assert device.confirmed
    confirmed = Entry.objects.get(event_type=EventType.DEVICE_CONFIRMED)
    assert confirmed.payload == {"aidant_id": aidant.pk, "device_id": device.pk, "kind": "app"}
    # The key never reaches the journal.
    for entry in Entry.objects.all():
        assert key.hex() not in str(entry.payload)


def test_restarting_enrolment_replaces_the_abandoned_device(aidant_client, aidant):
    aidant_client.post("/compte/securite/application/", {"start": "1"})
    first = TOTPDevice.objects.get(user=aidant, confirmed=False)
    aidant_client.post("/compte/securite/application/", {"start": "1"})
    assert list(TOTPDevice.objects.filter(user=aidant, confirmed=False)) != [first]
    assert TOTPDevice.objects.filter(user=aidant, confirmed=False).count() == 1
    assert TOTPDevice.objects.filter(user=aidant, confirmed=True).count() == 1


def test_backup_codes_are_shown_once_and_stored_hashed(aidant_client, aidant):
    page = aidant_client.get("/compte/securite/codes-de-secours/")
    assert "Générer 10 nouveaux codes" in page.content.decode()
    response = aidant_client.post("/compte/securite/codes-de-secours/")
    html = response.content.decode()
    assert "ne seront plus jamais affichés" in html
    assert "no-store" in response["Cache-Control"]
    digests = set(BackupCode.objects.filter(device__user=aidant).values_list("digest", flat=True))
    assert len(digests) == 10
    codes = re.findall(r"<li>([a-z0-9]{10})</li>", html)
    assert len(codes) == 10
    assert not digests & set(codes)
    entry = Entry.objects.get(event_type=EventType.BACKUP_CODES_GENERATED)
    assert entry.payload["count"] == 10
    assert not any(code in str(entry.payload) for code in codes)
    assert "ne seront plus jamais affichés" not in aidant_client.get(
        "/compte/securite/codes-de-secours/").content.decode()
