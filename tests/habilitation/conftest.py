"""Helpers for habilitation tests: requests at any step, a card stock, a code for a card."""

import time

import pytest
from django_otp.oath import TOTP

from aidants.models import Membership
from habilitation.models import Charter, HabilitationRequest, HabilitationStatus, TOTPCard
from tests import factories

S = HabilitationStatus
CARD_KEY = bytes(range(100, 120))


@pytest.fixture
def charter(db):
    return Charter.objects.current() or Charter.objects.create(
        version=1, text="Charte v1", published_at=factories.TEST_CHARTER_DATE)


@pytest.fixture
def make_request(organisation, referent, charter):
    """`make_request(status)`: a request of `organisation` at `status`, with its aidant."""

    def make(status=S.REQUESTED, organisation=organisation, **extra):
        aidant = None
        if status not in (S.REQUESTED, S.REFUSED):
            aidant = factories.AidantFactory(structure=organisation, habilitated=False)
        n = HabilitationRequest.objects.count()
        return HabilitationRequest.objects.create(
            organisation=organisation, first_name="Léa", last_name=f"Martin{n}",
            email=aidant.email if aidant else f"lea{n}@exemple.fr", profession="Agente",
            status=status, aidant=aidant, requested_by=referent,
            refusal_reason="motif" if status == S.REFUSED else "", **extra)

    return make


@pytest.fixture
def other_referent(db):
    other = factories.OrganisationFactory()
    ref = factories.AidantFactory(structure=other)
    Membership.objects.filter(aidant=ref).update(role=Membership.Role.REFERENT)
    factories.TOTPDeviceFactory(user=ref)
    return ref


def card_code(key: bytes = CARD_KEY, step: int = 60, offset: int = 0) -> str:
    totp = TOTP(key, step=step, digits=6)
    totp.time = time.time() + offset
    return f"{totp.token():06d}"


@pytest.fixture
def stock_card(organisation):
    card = TOTPCard(serial="SN-0001", step=60, organisation=organisation)
    card.set_key(CARD_KEY)
    card.save()
    return card
