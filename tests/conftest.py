"""Fixtures shared by every app's tests. Time is controlled with `time_machine`, never slept on."""

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from aidants import auth_session
from aidants.models import Membership
from audit.testing import allow_test_flush
from tests import factories


@pytest.fixture(scope="session", autouse=True)
def _journal_allows_test_flush():
    """Transactional tests end with a flush that the journal's append-only triggers refuse."""
    allow_test_flush()


@pytest.fixture
def organisation(db):
    return factories.OrganisationFactory()


@pytest.fixture
def aidant(organisation):
    """An active aidant of `organisation` (current structure) with a confirmed TOTP app."""
    aidant = factories.AidantFactory(structure=organisation)
    factories.TOTPDeviceFactory(user=aidant)
    return aidant


@pytest.fixture
def referent(organisation):
    referent = factories.AidantFactory(structure=organisation)
    Membership.objects.filter(aidant=referent).update(role=Membership.Role.REFERENT)
    factories.TOTPDeviceFactory(user=referent)
    return referent


@pytest.fixture
def staff(db):
    staff = factories.AidantFactory(is_staff=True, is_superuser=True, current_structure=None)
    factories.TOTPDeviceFactory(user=staff)
    return staff


@pytest.fixture
def auditor(db):
    auditor = factories.AidantFactory(is_auditor=True, current_structure=None)
    factories.TOTPDeviceFactory(user=auditor)
    return auditor


def login_with_otp(client: Client, user) -> Client:
    """Log `user` in as if both factors had just been given (fresh OTP)."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = user.totpdevice_set.first().persistent_id
    auth_session.mark_login(session)
    session.save()
    return client


@pytest.fixture
def login():
    return login_with_otp


@pytest.fixture
def aidant_client(aidant):
    return login_with_otp(Client(), aidant)


@pytest.fixture
def referent_client(referent):
    return login_with_otp(Client(), referent)


@pytest.fixture
def staff_client(staff):
    return login_with_otp(Client(), staff)


@pytest.fixture
def auditor_client(auditor):
    return login_with_otp(Client(), auditor)
