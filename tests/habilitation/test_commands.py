"""Lifecycle: deactivation by a référent, inactive listing, `deactivate_inactive` command."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from aidants.models import AidantSession
from audit.events import EventType
from audit.models import Entry
from habilitation import services
from habilitation.errors import NotAllowedError
from habilitation.selectors import inactive_aidants
from mandates.models import Mandate
from tests import factories
from tests.conftest import login_with_otp

pytestmark = pytest.mark.django_db


def _old(aidant, *, days, never=False):
    moment = timezone.now() - timedelta(days=days)
    aidant.date_joined = moment - timedelta(days=1)
    aidant.last_login = None if never else moment
    aidant.save()
    return aidant


def test_referent_deactivation_ends_sessions_and_keeps_mandates(
        aidant, referent, organisation, django_capture_on_commit_callbacks):
    client = login_with_otp(Client(), aidant)
    assert AidantSession.objects.filter(aidant=aidant).exists()
    mandate = factories.MandateFactory(organisation=organisation, created_by=aidant)
    with django_capture_on_commit_callbacks(execute=True):
        services.aidant_deactivate_in_structure(aidant=aidant, organisation=organisation,
                                                actor=referent, reason="Départ")
    aidant.refresh_from_db()
    assert not aidant.is_active
    assert not AidantSession.objects.filter(aidant=aidant).exists()
    assert Mandate.objects.get(pk=mandate.pk).organisation == organisation
    assert client.get("/").status_code == 302  # the old session no longer works
    [entry] = Entry.objects.filter(event_type=EventType.AIDANT_DEACTIVATED)
    assert entry.actor_aidant_id == referent.pk and entry.payload["reason"] == "Départ"
    assert "désactivé" in mail.outbox[0].subject and mail.outbox[0].to == [aidant.email]


def test_deactivation_refusals(aidant, referent, other_referent, organisation):
    with pytest.raises(NotAllowedError):
        services.aidant_deactivate_in_structure(aidant=aidant, organisation=organisation,
                                                actor=other_referent, reason="x")
    with pytest.raises(NotAllowedError):
        services.aidant_deactivate_in_structure(
            aidant=other_referent, organisation=organisation, actor=referent, reason="x")
    with pytest.raises(NotAllowedError):
        services.aidant_deactivate_in_structure(aidant=referent, organisation=organisation,
                                                actor=aidant, reason="x")
    aidant.refresh_from_db()
    assert aidant.is_active
    assert not Entry.objects.filter(event_type=EventType.AIDANT_DEACTIVATED).exists()


def test_inactive_listing(organisation, staff):
    idle = _old(factories.AidantFactory(structure=organisation), days=200)
    never = _old(factories.AidantFactory(structure=organisation), days=200, never=True)
    _old(factories.AidantFactory(structure=organisation), days=100)
    _old(staff, days=400)
    assert set(inactive_aidants()) == {idle, never}
    assert set(inactive_aidants(organisation=factories.OrganisationFactory())) == set()
    assert set(inactive_aidants(organisation=organisation)) == {idle, never}


def test_dry_run_changes_nothing(organisation):
    idle = _old(factories.AidantFactory(structure=organisation), days=200)
    out = StringIO()
    call_command("deactivate_inactive", "--dry-run", stdout=out)
    assert "Simulation : 1 aidant(s)" in out.getvalue() and "rien n'a été modifié" in out.getvalue()
    idle.refresh_from_db()
    assert idle.is_active
    assert not Entry.objects.filter(event_type=EventType.AIDANT_DEACTIVATED).exists()


def test_command_deactivates_with_one_entry_each(organisation,
                                                 django_capture_on_commit_callbacks):
    idle = [_old(factories.AidantFactory(structure=organisation), days=200) for _ in range(2)]
    recent = _old(factories.AidantFactory(structure=organisation), days=10)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("deactivate_inactive", stdout=out)
    assert out.getvalue().strip().startswith("2 aidant(s) sans connexion depuis le")
    for aidant in idle:
        aidant.refresh_from_db()
        assert not aidant.is_active
    recent.refresh_from_db()
    assert recent.is_active
    entries = Entry.objects.filter(event_type=EventType.AIDANT_DEACTIVATED)
    assert entries.count() == 2
    assert {e.actor_kind for e in entries} == {"system"}
    assert {e.actor_name for e in entries} == {"deactivate_inactive"}
    assert len(mail.outbox) == 2
    out = StringIO()
    call_command("deactivate_inactive", stdout=out)
    assert out.getvalue().startswith("0 aidant(s)")
