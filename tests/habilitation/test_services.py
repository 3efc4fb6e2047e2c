"""Structure sign-up and the habilitation workflow: each transition and each refusal."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from aidants.models import Aidant, Membership, Organisation
from audit.events import EventType
from audit.models import Entry
from habilitation import services
from habilitation.errors import DuplicateError, HabilitationError, NotAllowedError, TransitionError
from habilitation.models import HabilitationRequest, HabilitationStatus, StructureRequest
from habilitation.tokens import invitation_token
from tests import factories

S = HabilitationStatus
pytestmark = pytest.mark.django_db


def sign_up(**overrides):
    data = dict(name="CCAS de Bourg", type="ccas", siret=factories.valid_siret(),
                address="2 rue Haute", postal_code="01000", city="Bourg",
                allowed_demarches=["social", "logement"], referent_first_name="Inès",
                referent_last_name="Roux", referent_email="Ines.Roux@ccas.example",
                referent_profession="Directrice")
    data.update(overrides)
    return services.structure_request_create(**data)


def entries(event):
    return list(Entry.objects.filter(event_type=event))


# --- Structure sign-up ------------------------------------------------------------------------

def test_sign_up_records_request_journal_and_acknowledgement(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = sign_up()
    assert request.status == StructureRequest.Status.PENDING
    assert request.referent_email == "ines.roux@ccas.example"
    [entry] = entries(EventType.STRUCTURE_REQUESTED)
    assert entry.actor_kind == "system" and entry.payload["siret"] == request.siret
    [message] = mail.outbox
    assert message.to == ["ines.roux@ccas.example"]
    assert "CCAS de Bourg" in message.body and "bien été reçue" in message.subject


def test_sign_up_refuses_siret_of_existing_structure(organisation):
    with pytest.raises(DuplicateError, match="déjà inscrite"):
        sign_up(siret=organisation.siret)
    assert not StructureRequest.objects.exists()
    assert not entries(EventType.STRUCTURE_REQUESTED)


def test_sign_up_refuses_siret_of_pending_request():
    first = sign_up()
    with pytest.raises(DuplicateError, match="en cours d'examen"):
        sign_up(siret=first.siret)
    assert StructureRequest.objects.count() == 1


def test_sign_up_after_refusal_is_allowed(staff):
    first = sign_up()
    services.structure_request_refuse(structure_request=first, actor=staff, reason="Hors champ")
    assert sign_up(siret=first.siret).status == StructureRequest.Status.PENDING


def test_sign_up_refuses_bad_siret():
    with pytest.raises(Exception, match="SIRET"):
        sign_up(siret="12345678901234")


def test_approve_creates_structure_referent_and_single_use_invitation(
        staff, django_capture_on_commit_callbacks):
    request = sign_up()
    with django_capture_on_commit_callbacks(execute=True):
        organisation = services.structure_request_approve(
            structure_request=request, actor=staff, allowed_demarches=["social"])
    assert organisation.siret == request.siret and organisation.allowed_demarches == ["social"]
    referent = Aidant.objects.get(email="ines.roux@ccas.example")
    assert not referent.has_usable_password()
    assert referent.current_structure == organisation
    assert referent.is_referent_of(organisation)
    request.refresh_from_db()
    assert request.status == StructureRequest.Status.APPROVED
    assert request.organisation == organisation and request.reviewed_by == staff
    [entry] = entries(EventType.STRUCTURE_APPROVED)
    assert entry.structure_id == organisation.pk and entry.actor_aidant_id == staff.pk
    [message] = mail.outbox
    assert message.to == [referent.email] and "/habilitation/invitation/" in message.body
    token = message.body.split("/habilitation/invitation/")[1].split("/")[1]
    assert invitation_token.check_token(referent, token)
    services.invitation_accept(aidant=referent, password="un-mot-de-passe-solide-42")
    referent.refresh_from_db()
    assert not invitation_token.check_token(referent, token)  # single use
    assert entries(EventType.PASSWORD_CHANGED)[0].payload["via"] == "invitation"


def test_invitation_token_expires(staff, time_machine):
    time_machine.move_to(timezone.now())
    request = sign_up()
    services.structure_request_approve(structure_request=request, actor=staff)
    referent = Aidant.objects.get(email="ines.roux@ccas.example")
    token = invitation_token.make_token(referent)
    time_machine.shift(timedelta(days=4))
    assert not invitation_token.check_token(referent, token)


def test_approve_attaches_existing_account_as_referent(staff, aidant):
    request = sign_up(referent_email=aidant.email.upper())
    organisation = services.structure_request_approve(structure_request=request, actor=staff)
    assert aidant.is_referent_of(organisation)
    assert Aidant.objects.filter(email__iexact=aidant.email).count() == 1
    assert aidant.memberships.count() == 2


@pytest.mark.parametrize("who", ["aidant", "referent"])
def test_only_staff_review_structures(who, request):
    actor = request.getfixturevalue(who)
    structure_request = sign_up()
    with pytest.raises(NotAllowedError):
        services.structure_request_approve(structure_request=structure_request, actor=actor)
    with pytest.raises(NotAllowedError):
        services.structure_request_refuse(structure_request=structure_request, actor=actor,
                                          reason="non")
    assert not Organisation.objects.filter(siret=structure_request.siret).exists()


def test_refuse_needs_reason_and_mails_it(staff, django_capture_on_commit_callbacks):
    request = sign_up()
    with pytest.raises(HabilitationError, match="motif"):
        services.structure_request_refuse(structure_request=request, actor=staff, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.structure_request_refuse(structure_request=request, actor=staff,
                                          reason="SIRET d'une entreprise privée")
    assert len(entries(EventType.STRUCTURE_REFUSED)) == 1
    assert "SIRET d'une entreprise privée" in mail.outbox[-1].body
    with pytest.raises(HabilitationError, match="déjà été examinée"):
        services.structure_request_approve(structure_request=request, actor=staff)


# --- Habilitation requests -------------------------------------------------------------------

def test_full_path_to_habilitated(organisation, referent, staff, charter,
                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        hr = services.habilitation_request_create(
            organisation=organisation, first_name="Noé", last_name="Petit",
            email="Noe.Petit@exemple.fr", profession="Conseiller numérique", actor=referent)
        hr = services.habilitation_request_validate(request=hr, actor=staff)
        hr = services.habilitation_training_record(
            request=hr, actor=referent, training_date=timezone.localdate(),
            training_organisation="Formation Aidants")
        services.charter_accept(aidant=hr.aidant, charter=charter)
        hr.refresh_from_db()
        assert hr.status == S.CHARTER_SIGNED
        factories.TOTPDeviceFactory(user=hr.aidant)
        hr = services.habilitation_second_factor_check(request=hr, actor=referent)
        hr = services.habilitation_complete(request=hr, actor=referent)
    assert hr.status == S.HABILITATED and hr.habilitated_at is not None
    aidant = hr.aidant
    assert aidant.email == "noe.petit@exemple.fr" and not aidant.has_usable_password()
    assert aidant.is_member_of(organisation, role=Membership.Role.AIDANT)
    for event in [EventType.HABILITATION_REQUESTED, EventType.HABILITATION_VALIDATED,
                  EventType.TRAINING_RECORDED, EventType.CHARTER_SIGNED,
                  EventType.HABILITATION_SECOND_FACTOR_CHECKED,
                  EventType.HABILITATION_COMPLETED]:
        [entry] = entries(event)
        assert entry.structure_id in (organisation.pk, None)
    assert entries(EventType.HABILITATION_COMPLETED)[0].actor_aidant_id == referent.pk
    subjects = [m.subject for m in mail.outbox]
    assert any("validée" in s for s in subjects)
    assert any("habilité" in s for s in subjects)
    validated = next(m for m in mail.outbox if "validée" in m.subject)
    assert "/habilitation/invitation/" in validated.body


@pytest.mark.parametrize("status,service,expected", [
    (S.REQUESTED, "training", "Validée"),
    (S.REQUESTED, "second_factor", "Validée"),
    (S.VALIDATED, "complete", "Formation suivie"),
    (S.TRAINED, "second_factor", "Charte signée"),
    (S.CHARTER_SIGNED, "complete", "Second facteur actif"),
    (S.HABILITATED, "training", "close"),
    (S.REFUSED, "validate", "close"),
    (S.VALIDATED, "validate", "Formation suivie"),
])
def test_skipped_or_repeated_step_is_refused(make_request, referent, staff, status, service,
                                             expected):
    hr = make_request(status)
    calls = {
        "training": lambda: services.habilitation_training_record(
            request=hr, actor=staff, training_date=timezone.localdate(),
            training_organisation="X"),
        "second_factor": lambda: services.habilitation_second_factor_check(
            request=hr, actor=staff),
        "complete": lambda: services.habilitation_complete(request=hr, actor=staff),
        "validate": lambda: services.habilitation_request_validate(request=hr, actor=staff),
    }
    before = Entry.objects.count()
    with pytest.raises(TransitionError, match=expected):
        calls[service]()
    hr.refresh_from_db()
    assert hr.status == status
    assert Entry.objects.count() == before


def test_referent_of_another_structure_cannot_act(make_request, other_referent, organisation):
    hr = make_request(S.VALIDATED)
    with pytest.raises(NotAllowedError):
        services.habilitation_training_record(
            request=hr, actor=other_referent, training_date=timezone.localdate(),
            training_organisation="X")
    with pytest.raises(NotAllowedError):
        services.habilitation_request_create(
            organisation=organisation, first_name="A", last_name="B", email="a@b.fr",
            profession="P", actor=other_referent)


def test_plain_aidant_cannot_request_or_advance(make_request, aidant, organisation):
    with pytest.raises(NotAllowedError):
        services.habilitation_request_create(
            organisation=organisation, first_name="A", last_name="B", email="a@b.fr",
            profession="P", actor=aidant)
    hr = make_request(S.CHARTER_SIGNED)
    with pytest.raises(NotAllowedError):
        services.habilitation_second_factor_check(request=hr, actor=aidant)


def test_referent_cannot_validate_or_refuse(make_request, referent):
    hr = make_request()
    with pytest.raises(NotAllowedError):
        services.habilitation_request_validate(request=hr, actor=referent)
    with pytest.raises(NotAllowedError):
        services.habilitation_request_refuse(request=hr, actor=referent, reason="non")
    assert HabilitationRequest.objects.get(pk=hr.pk).status == S.REQUESTED


def test_refusal_mails_reason_to_person_and_referent(make_request, referent, staff,
                                                     django_capture_on_commit_callbacks):
    hr = make_request()
    with django_capture_on_commit_callbacks(execute=True):
        hr = services.habilitation_request_refuse(request=hr, actor=staff,
                                                  reason="Formation non prévue")
    assert hr.status == S.REFUSED and hr.aidant is None
    [message] = mail.outbox
    assert set(message.to) == {hr.email, referent.email}
    assert "Formation non prévue" in message.body
    assert entries(EventType.HABILITATION_REFUSED)[0].payload["reason"] == "Formation non prévue"


def test_duplicate_live_request_refused(organisation, referent):
    kwargs = dict(organisation=organisation, first_name="A", last_name="B",
                  email="dup@exemple.fr", profession="P", actor=referent)
    services.habilitation_request_create(**kwargs)
    with pytest.raises(DuplicateError):
        services.habilitation_request_create(**{**kwargs, "email": "DUP@exemple.fr"})
    assert len(entries(EventType.HABILITATION_REQUESTED)) == 1


def test_validation_of_known_email_adds_membership_in_second_structure(
        aidant, staff, other_referent, django_capture_on_commit_callbacks):
    second = other_referent.current_structure
    hr = services.habilitation_request_create(
        organisation=second, first_name=aidant.first_name, last_name=aidant.last_name,
        email=aidant.email, profession="Aidant", actor=other_referent)
    with django_capture_on_commit_callbacks(execute=True):
        hr = services.habilitation_request_validate(request=hr, actor=staff)
    assert hr.aidant == aidant
    assert aidant.is_member_of(second) and aidant.is_member_of(aidant.current_structure)
    assert Aidant.objects.filter(email=aidant.email).count() == 1
    assert "/habilitation/invitation/" not in mail.outbox[-1].body  # has a password already


def test_training_date_in_future_refused(make_request, referent):
    hr = make_request(S.VALIDATED)
    with pytest.raises(HabilitationError, match="futur"):
        services.habilitation_training_record(
            request=hr, actor=referent,
            training_date=timezone.localdate() + timedelta(days=2), training_organisation="X")


def test_second_factor_step_needs_confirmed_device(make_request, referent):
    hr = make_request(S.CHARTER_SIGNED)
    factories.TOTPDeviceFactory(user=hr.aidant, confirmed=False)
    with pytest.raises(HabilitationError, match="second facteur"):
        services.habilitation_second_factor_check(request=hr, actor=referent)
    assert HabilitationRequest.objects.get(pk=hr.pk).status == S.CHARTER_SIGNED


def test_completion_rechecks_charter(make_request, referent):
    hr = make_request(S.SECOND_FACTOR_ACTIVE)
    factories.TOTPDeviceFactory(user=hr.aidant)
    with pytest.raises(HabilitationError, match="charte"):
        services.habilitation_complete(request=hr, actor=referent)


def test_invitation_resend(make_request, referent, other_referent, organisation, aidant,
                           django_capture_on_commit_callbacks):
    hr = make_request(S.VALIDATED)
    invited = hr.aidant
    invited.set_unusable_password()
    invited.save()
    with pytest.raises(NotAllowedError):
        services.invitation_resend(aidant=invited, organisation=organisation,
                                   actor=other_referent)
    with pytest.raises(HabilitationError, match="déjà créé"):
        services.invitation_resend(aidant=aidant, organisation=organisation, actor=referent)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_resend(aidant=invited, organisation=organisation, actor=referent)
    [message] = mail.outbox
    token = message.body.split("/habilitation/invitation/")[1].split("/")[1]
    assert invitation_token.check_token(invited, token)
    [entry] = entries(EventType.INVITATION_SENT)
    assert entry.actor_aidant_id == referent.pk and entry.payload == {"aidant_id": invited.pk}
