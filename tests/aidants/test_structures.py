"""Switching the current structure (service and page)."""

import pytest
from django.core.exceptions import PermissionDenied

from aidants import services
from aidants.models import Membership
from audit.events import EventType
from audit.models import Entry
from tests import factories


@pytest.fixture
def second(aidant):
    organisation = factories.OrganisationFactory(name="CCAS de Secondville")
    Membership.objects.create(aidant=aidant, organisation=organisation,
                              role=Membership.Role.REFERENT)
    return organisation


def test_switch_page_lists_active_memberships(aidant_client, organisation, second):
    foreign = factories.OrganisationFactory(name="Mairie Étrangère")
    factories.OrganisationFactory(name="Structure fermée", is_active=False)
    html = aidant_client.get("/structure/").content.decode()
    assert organisation.name in html and "CCAS de Secondville" in html
    assert "rôle : Référent" in html
    assert foreign.name not in html and "Structure fermée" not in html


def test_switching_structure(aidant_client, aidant, organisation, second):
    response = aidant_client.post("/structure/", {"organisation": second.pk})
    assert response.status_code == 302 and response["Location"] == "/"
    aidant.refresh_from_db()
    assert aidant.current_structure == second
    home = aidant_client.get("/").content.decode()
    assert "CCAS de Secondville" in home and "Référent" in home
    [entry] = Entry.objects.filter(event_type=EventType.STRUCTURE_SWITCHED)
    assert entry.payload["from_structure_id"] == organisation.pk
    assert entry.payload["to_structure_id"] == second.pk
    assert entry.actor_aidant_id == aidant.pk and entry.actor_structure_id == second.pk


def test_cannot_switch_to_a_foreign_structure(aidant_client, aidant, organisation):
    foreign = factories.OrganisationFactory()
    response = aidant_client.post("/structure/", {"organisation": foreign.pk})
    assert response.status_code == 200
    assert "Choisissez l&#x27;une de vos structures." in response.content.decode()
    aidant.refresh_from_db()
    assert aidant.current_structure == organisation
    assert not Entry.objects.filter(event_type=EventType.STRUCTURE_SWITCHED).exists()


def test_service_refuses_inactive_membership(aidant, second):
    Membership.objects.filter(organisation=second).update(is_active=False)
    with pytest.raises(PermissionDenied):
        services.structure_switch(aidant=aidant, organisation=second)
    assert not Entry.objects.filter(event_type=EventType.STRUCTURE_SWITCHED).exists()


def test_service_with_explicit_actor(aidant, second, staff):
    services.structure_switch(aidant=aidant, organisation=second, actor=staff)
    assert Entry.objects.get(event_type=EventType.STRUCTURE_SWITCHED).actor_aidant_id == staff.pk


def test_aidant_without_current_membership_is_sent_to_choose(aidant_client, aidant, second):
    Membership.objects.filter(organisation=aidant.current_structure).update(is_active=False)
    response = aidant_client.get("/")
    assert response["Location"] == "/structure/"


def test_staff_without_structure_sees_the_dashboard(staff_client):
    html = staff_client.get("/").content.decode()
    assert "Administration nationale" in html and "aucune structure" in html
