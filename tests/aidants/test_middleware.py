"""`aidants.middleware.DeviceOTPMiddleware`: django-otp's verdicts on `request.user.otp_device`,
with our devices loaded through a statement compiled once."""

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from aidants.models import BackupCodeDevice
from tests import factories
from tests.conftest import login_with_otp


def _device_of(client):
    request = client.get("/").wsgi_request
    return request.user.otp_device, request.session.get(DEVICE_ID_SESSION_KEY)


def _with_device_id(client, persistent_id):
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = persistent_id
    session.save()
    return client


@pytest.mark.django_db
def test_the_sessions_device_is_loaded_and_verifies_the_user(aidant_client, aidant):
    device, kept = _device_of(aidant_client)
    expected = aidant.totpdevice_set.get()
    assert device.pk == expected.pk and device.user_id == aidant.pk
    assert device.bin_key == expected.bin_key and kept == expected.persistent_id


@pytest.mark.django_db
def test_a_backup_code_device_is_loaded_too(aidant):
    backup = BackupCodeDevice.objects.create(user=aidant, name="secours", confirmed=True)
    client = _with_device_id(login_with_otp(Client(), aidant), backup.persistent_id)
    device, _ = _device_of(client)
    assert isinstance(device, BackupCodeDevice) and device.pk == backup.pk


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["other_users", "unconfirmed", "missing", "garbage_id",
                                  "huge_id", "unknown_model"])
def test_a_device_that_does_not_verify_is_dropped_from_the_session(case, aidant):
    client = login_with_otp(Client(), aidant)
    own = aidant.totpdevice_set.get()
    persistent_id = {
        "other_users": factories.TOTPDeviceFactory().persistent_id,
        "unconfirmed": factories.TOTPDeviceFactory(user=aidant, confirmed=False).persistent_id,
        "missing": f"{own.model_label()}/{own.pk + 1000}",
        "garbage_id": f"{own.model_label()}/abc",
        "huge_id": f"{own.model_label()}/{2**70}",
        "unknown_model": f"otp_totp.totpdevice/{own.pk}",
    }[case]
    device, kept = _device_of(_with_device_id(client, persistent_id))
    assert device is None and kept is None
    # Not verified: a two-factor page sends the aidant back to the login page.
    assert client.get("/mandats/").status_code == 302
