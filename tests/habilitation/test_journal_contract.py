"""Cross-cutting rule: every habilitation service writes exactly one journal entry, of the
right type, naming the acting aidant, and never a secret."""

import pytest
from django.utils import timezone

from audit.events import EventType
from audit.models import Entry
from habilitation import services
from habilitation.models import HabilitationStatus, StructureRequest
from tests import factories
from tests.habilitation.conftest import CARD_KEY, card_code

S = HabilitationStatus
pytestmark = pytest.mark.django_db


def _structure_request():
    return StructureRequest.objects.create(
        name="S", type="ccas", siret=factories.valid_siret(), address="a", postal_code="01000",
        city="c", allowed_demarches=["social"], referent_first_name="R",
        referent_last_name="F", referent_email="r@f.example")


def _assigned(stock_card, aidant, referent):
    services.card_assign(card=stock_card, aidant=aidant, actor=referent)
    return stock_card


CASES = {
    "structure_approve": (EventType.STRUCTURE_APPROVED, "staff", lambda f: (
        services.structure_request_approve(structure_request=_structure_request(),
                                           actor=f["staff"]))),
    "structure_refuse": (EventType.STRUCTURE_REFUSED, "staff", lambda f: (
        services.structure_request_refuse(structure_request=_structure_request(),
                                          actor=f["staff"], reason="non"))),
    "request_create": (EventType.HABILITATION_REQUESTED, "referent", lambda f: (
        services.habilitation_request_create(
            organisation=f["organisation"], first_name="a", last_name="b", email="x@y.fr",
            profession="p", actor=f["referent"]))),
    "request_validate": (EventType.HABILITATION_VALIDATED, "staff", lambda f: (
        services.habilitation_request_validate(request=f["make_request"](), actor=f["staff"]))),
    "request_refuse": (EventType.HABILITATION_REFUSED, "staff", lambda f: (
        services.habilitation_request_refuse(request=f["make_request"](), actor=f["staff"],
                                             reason="non"))),
    "training": (EventType.TRAINING_RECORDED, "referent", lambda f: (
        services.habilitation_training_record(
            request=f["make_request"](S.VALIDATED), actor=f["referent"],
            training_date=timezone.localdate(), training_organisation="OF"))),
    "charter_publish": (EventType.CHARTER_PUBLISHED, "staff", lambda f: (
        services.charter_publish(text="v", actor=f["staff"]))),
    "charter_accept": (EventType.CHARTER_SIGNED, "newcomer", lambda f: (
        services.charter_accept(aidant=f["newcomer"], charter=f["charter"]))),
    "cards_import": (EventType.CARDS_IMPORTED, "staff", lambda f: (
        services.cards_import(organisation=f["organisation"], actor=f["staff"],
                              csv_text=f"Z1,{CARD_KEY.hex()},60"))),
    "card_assign": (EventType.CARD_ASSIGNED, "referent", lambda f: (
        services.card_assign(card=f["stock_card"], aidant=f["aidant"], actor=f["referent"]))),
    "card_confirm": (EventType.CARD_CONFIRMED, "referent", lambda f: (
        services.card_confirm(card=f["assigned"], code=card_code(), actor=f["referent"]))),
    "card_lost": (EventType.CARD_LOST, "referent", lambda f: (
        services.card_report_lost(card=f["assigned"], actor=f["referent"]))),
    "card_deactivate": (EventType.CARD_DEACTIVATED, "referent", lambda f: (
        services.card_deactivate(card=f["stock_card"], actor=f["referent"]))),
    "aidant_deactivate": (EventType.AIDANT_DEACTIVATED, "referent", lambda f: (
        services.aidant_deactivate_in_structure(aidant=f["aidant"],
                                                organisation=f["organisation"],
                                                actor=f["referent"], reason="départ"))),
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_service_writes_one_entry_naming_its_actor(name, request, organisation, aidant,
                                                        referent, staff, charter, make_request,
                                                        stock_card):
    event, actor_name, call = CASES[name]
    fixtures = {"organisation": organisation, "aidant": aidant, "referent": referent,
                "staff": staff, "charter": charter, "make_request": make_request,
                "stock_card": stock_card,
                "newcomer": factories.AidantFactory(structure=organisation, habilitated=False)}
    if name in ("card_confirm", "card_lost"):
        fixtures["assigned"] = _assigned(stock_card, aidant, referent)
    before = Entry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    call(fixtures)
    new = list(Entry.objects.filter(id__gt=before))
    assert [e.event_type for e in new] == [event]
    assert new[0].actor_kind == "aidant"
    assert new[0].actor_aidant_id == fixtures[actor_name].pk
    assert CARD_KEY.hex() not in str(new[0].payload)
