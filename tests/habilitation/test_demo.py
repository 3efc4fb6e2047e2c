"""`habilitation.demo.seed`: demo aidants habilitated, cards in stock, one pending request."""

from io import StringIO

import pytest

from aidants.models import Membership
from habilitation import demo
from habilitation.models import HabilitationRequest, HabilitationStatus, TOTPCard
from habilitation.selectors import is_habilitated
from tests import factories

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_habilitates_demo_aidants(staff):
    structure = factories.OrganisationFactory(name=demo.DEMO_STRUCTURE)
    aidant = factories.AidantFactory(structure=structure, habilitated=False)
    referent = factories.AidantFactory(structure=structure, habilitated=False)
    Membership.objects.filter(aidant=referent).update(role=Membership.Role.REFERENT)
    assert not is_habilitated(aidant=aidant)
    lines = demo.seed(stdout=StringIO())
    assert is_habilitated(aidant=aidant) and is_habilitated(aidant=referent)
    assert TOTPCard.objects.filter(organisation=structure, serial__startswith="DEMO-").count() == 5
    assert HabilitationRequest.objects.filter(status=HabilitationStatus.REQUESTED).count() == 1
    assert any("charte" in line for line in lines)
    demo.seed(stdout=StringIO())
    assert TOTPCard.objects.count() == 5
    assert HabilitationRequest.objects.filter(status=HabilitationStatus.REQUESTED).count() == 1


def test_seed_without_demo_structure():
    assert "absente" in demo.seed(stdout=StringIO())[0]
