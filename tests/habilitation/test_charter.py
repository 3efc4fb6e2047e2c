"""Charter versions: publication, acceptance of the version in force, re-acceptance."""

import pytest
from django.core import mail

from audit.events import EventType
from audit.models import Entry
from habilitation import selectors, services
from habilitation.errors import HabilitationError, NotAllowedError
from habilitation.models import Charter, CharterAcceptance, HabilitationStatus

pytestmark = pytest.mark.django_db


def test_publish_numbers_versions_and_mails_each_aidant_separately(
        staff, aidant, referent, charter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        v2 = services.charter_publish(text="Nouvelle charte", actor=staff)
    assert v2.version == charter.version + 1
    assert Charter.objects.current() == v2
    [entry] = Entry.objects.filter(event_type=EventType.CHARTER_PUBLISHED)
    assert entry.payload["version"] == v2.version
    assert sorted(m.to[0] for m in mail.outbox) == sorted([aidant.email, referent.email])
    assert all(len(m.to) == 1 for m in mail.outbox)


def test_only_staff_publish_and_text_required(referent, staff):
    before = Charter.objects.count()
    with pytest.raises(NotAllowedError):
        services.charter_publish(text="x", actor=referent)
    with pytest.raises(HabilitationError):
        services.charter_publish(text="  ", actor=staff)
    assert Charter.objects.count() == before


def test_new_version_requires_new_acceptance(aidant, staff, django_capture_on_commit_callbacks):
    assert selectors.has_accepted_current_charter(aidant=aidant)
    assert selectors.is_habilitated(aidant=aidant)
    v2 = services.charter_publish(text="Version 2", actor=staff)
    assert not selectors.has_accepted_current_charter(aidant=aidant)
    assert not selectors.is_habilitated(aidant=aidant)
    with django_capture_on_commit_callbacks(execute=True):
        services.charter_accept(aidant=aidant, charter=v2)
    assert selectors.is_habilitated(aidant=aidant)
    [entry] = Entry.objects.filter(event_type=EventType.CHARTER_SIGNED)
    assert entry.actor_aidant_id == aidant.pk and entry.payload["version"] == 2
    assert "version 2" in mail.outbox[0].body
    with pytest.raises(HabilitationError, match="déjà accepté"):
        services.charter_accept(aidant=aidant, charter=v2)


def test_old_version_cannot_be_accepted(aidant, staff, charter):
    services.charter_publish(text="Version 2", actor=staff)
    with pytest.raises(HabilitationError, match="plus en vigueur"):
        services.charter_accept(aidant=aidant, charter=charter)
    assert CharterAcceptance.objects.filter(aidant=aidant).count() == 1


def test_acceptance_moves_trained_requests_only(make_request, charter):
    trained = make_request(HabilitationStatus.TRAINED)
    services.charter_accept(aidant=trained.aidant, charter=charter)
    trained.refresh_from_db()
    assert trained.status == HabilitationStatus.CHARTER_SIGNED
    validated = make_request(HabilitationStatus.VALIDATED)
    services.charter_accept(aidant=validated.aidant, charter=charter)
    validated.refresh_from_db()
    assert validated.status == HabilitationStatus.VALIDATED  # training first: no skipped step
    entry = Entry.objects.filter(event_type=EventType.CHARTER_SIGNED).last()
    assert entry.payload["habilitation_request_ids"] == []
