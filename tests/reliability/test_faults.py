"""Faults, the quick in-process part (the slow ones: `bench/faults.py`).

The database refuses writes (PostgreSQL `default_transaction_read_only`, SQLite `query_only`)
in the middle of a mandate creation, a delegated login, a
token request and a login: each gets the French 503 page (or 503 for the protocol client), no
half-written row and no journal entry; the journal still verifies; the same request succeeds
once the database accepts writes again. A connection lost between the mandate's INSERT and its
journal entry rolls back both.
"""

from contextlib import contextmanager
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from audit.models import Entry
from audit.sequencer import sequence_pending
from audit.verification import verify_database
from mandates.models import Authorisation, Mandate
from oidc_bridge.models import AccessToken, AuthorizationCode
from tests import factories
from tests.mandates.test_views import put_identity
from tests.oidc_bridge import provider_kit as kit
from tests.reliability.support import row_counts

POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
# A full disk is not simulated apart: SQLite's page limit still lets rows into partly filled
# pages, so it proved unreliable; both faults reach the same handler (OperationalError).
FAULTS = ["read_only"]
pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def database_refuses_writes(fault: str):
    with connection.cursor() as cursor:
        if POSTGRES:
            cursor.execute("SET default_transaction_read_only = on")
        else:
            cursor.execute("PRAGMA query_only = ON")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if POSTGRES:
                cursor.execute("SET default_transaction_read_only = off")
            else:
                cursor.execute("PRAGMA query_only = OFF")


def assert_clean_503(response) -> None:
    assert response.status_code == 503, (response.status_code, response.content[:300])
    assert response["Retry-After"].isdigit()
    html = response.content.decode()
    assert 'lang="fr"' in html and "Rien n'a été enregistré" in html.replace("&#x27;", "'")


def assert_journal_verifies() -> None:
    sequence_pending(1000)
    verdict = verify_database([])
    assert verdict.ok, verdict.line()


def no_half_written_mandate() -> None:
    """Every mandate has its authorisations and its `mandate.created` entry."""
    assert not Mandate.objects.filter(authorisations__isnull=True).exists()
    journaled = set(Entry.objects.filter(event_type="mandate.created")
                    .values_list("mandate_id", flat=True))
    assert set(Mandate.objects.values_list("pk", flat=True)) <= journaled


@pytest.fixture
def recap_client(aidant, login):
    client = login(Client(raise_request_exception=False), aidant)
    session = client.session
    session["mandates.draft"] = {"demarches": ["social"], "duration": "1d"}
    session.save()
    put_identity(client)
    return client


@pytest.mark.parametrize("fault", FAULTS)
def test_mandate_creation_during_fault_then_recovery(recap_client, fault):
    url = reverse("mandates:create_recap")
    consent = {"usager_consent": "on", "aidant_consent": "on"}
    before, entries = row_counts(), Entry.objects.count()
    with database_refuses_writes(fault):
        assert_clean_503(recap_client.post(url, consent))
    assert row_counts() == before and Entry.objects.count() == entries
    assert_journal_verifies()
    done = recap_client.post(url, consent)  # recovery: the same request now succeeds
    assert done.status_code == 302, done.content[:300]
    mandate = Mandate.objects.get()
    assert mandate.authorisations.count() == 1
    assert Entry.objects.filter(event_type="mandate.created", mandate_id=mandate.pk).count() == 1
    no_half_written_mandate()
    assert_journal_verifies()


@pytest.mark.parametrize("fault", FAULTS)
def test_delegated_login_and_token_during_fault(aidant, login, organisation, fault):
    kit.keys.forget_cached_keyring()
    kit.register()
    usager = factories.MandateFactory(organisation=organisation, created_by=aidant,
                                      demarches=["social"]).usager
    http = login(Client(raise_request_exception=False), aidant)
    select = kit.choice_url(http.get(kit.authorize_url(kit.authorize_params())))
    # The mandate covers one démarche: choosing the usager issues the code.
    with database_refuses_writes(fault):
        assert_clean_503(http.post(select, {"usager": usager.pk}))
    assert not AuthorizationCode.objects.exists()
    code = kit.code_from(http.post(select, {"usager": usager.pk}))  # recovery
    with database_refuses_writes(fault):
        refused = kit.token_request(Client(raise_request_exception=False), code)
        assert refused.status_code == 503
        assert refused.json()["error"] == "temporarily_unavailable"
    assert not AccessToken.objects.exists()  # no orphan token
    assert AuthorizationCode.objects.get().used_at is None  # the code was not burnt
    token = kit.token_request(Client(), code)
    assert token.status_code == 200, token.content
    assert AccessToken.objects.count() == 1
    assert Entry.objects.filter(event_type="oidc.token_issued").count() == 1
    assert_journal_verifies()
    kit.keys.forget_cached_keyring()


@pytest.mark.parametrize("fault", FAULTS)
def test_pages_during_fault_say_503_not_400(aidant_client, fault):
    """Every page touches the session (activity time): a read-only database must read as an
    outage (503), not as a malformed request (Django's SessionInterrupted, 400)."""
    with database_refuses_writes(fault):
        response = aidant_client.get(reverse("mandates:space"))
    assert response.status_code in (200, 503)
    if response.status_code == 503:
        assert_clean_503(response)


@pytest.mark.parametrize("fault", FAULTS)
def test_login_during_fault(aidant, fault):
    from tests.aidants.helpers import post_password

    client = Client(raise_request_exception=False)
    client.get(reverse("aidants:login"))
    entries = Entry.objects.count()
    with database_refuses_writes(fault):
        assert_clean_503(post_password(client, aidant.email))
    assert Entry.objects.count() == entries
    assert post_password(client, aidant.email).status_code == 302  # recovery


def test_connection_lost_before_the_journal_entry_rolls_back_the_mandate(recap_client):
    """The worker's connection dies between the mandate INSERT and its journal entry (what a
    SIGKILL or a PostgreSQL restart does): nothing of the mandate remains."""
    with mock.patch("audit.record", side_effect=OperationalError("server closed the connection")):
        assert_clean_503(recap_client.post(reverse("mandates:create_recap"),
                                           {"usager_consent": "on", "aidant_consent": "on"}))
    assert not Mandate.objects.exists() and not Authorisation.objects.exists()
    assert not Entry.objects.filter(event_type="mandate.created").exists()
    no_half_written_mandate()
    assert_journal_verifies()
