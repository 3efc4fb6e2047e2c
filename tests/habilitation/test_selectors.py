"""`is_habilitated`: true only when every condition holds; each missing one makes it false."""

import pytest

from aidants.models import Membership
from habilitation.models import Charter, CharterAcceptance, HabilitationRequest, HabilitationStatus
from habilitation.selectors import habilitation_requests_for, is_habilitated
from tests import factories

pytestmark = pytest.mark.django_db


def test_factory_aidant_is_habilitated(aidant, organisation):
    assert is_habilitated(aidant=aidant)
    assert is_habilitated(aidant=aidant, organisation=organisation)


def test_opt_out_factory_aidant_is_not(organisation):
    assert not is_habilitated(aidant=factories.AidantFactory(structure=organisation,
                                                             habilitated=False))


def test_inactive_account(aidant):
    aidant.is_active = False
    aidant.save()
    assert not is_habilitated(aidant=aidant)


def test_inactive_membership(aidant, organisation):
    Membership.objects.filter(aidant=aidant).update(is_active=False)
    assert not is_habilitated(aidant=aidant)


def test_no_membership_in_that_structure(aidant):
    other = factories.OrganisationFactory()
    assert not is_habilitated(aidant=aidant, organisation=other)


def test_inactive_structure(aidant, organisation):
    organisation.is_active = False
    organisation.save()
    assert not is_habilitated(aidant=aidant)


def test_habilitation_not_completed(aidant):
    HabilitationRequest.objects.filter(aidant=aidant).update(
        status=HabilitationStatus.SECOND_FACTOR_ACTIVE)
    assert not is_habilitated(aidant=aidant)


def test_habilitated_elsewhere_only(aidant):
    other = factories.OrganisationFactory()
    factories.MembershipFactory(aidant=aidant, organisation=other, habilitated=False)
    assert is_habilitated(aidant=aidant, organisation=aidant.current_structure)
    assert not is_habilitated(aidant=aidant, organisation=other)
    factories.habilitate(aidant, other)
    assert is_habilitated(aidant=aidant, organisation=other)


def test_charter_not_accepted(aidant):
    CharterAcceptance.objects.filter(aidant=aidant).delete()
    assert not is_habilitated(aidant=aidant)


def test_no_charter_published(aidant):
    CharterAcceptance.objects.all().delete()
    Charter.objects.all().delete()
    assert not is_habilitated(aidant=aidant)


def test_no_current_structure(aidant):
    aidant.current_structure = None
    assert not is_habilitated(aidant=aidant)


def test_requests_visibility(make_request, referent, other_referent, staff, organisation):
    mine = make_request()
    theirs = make_request(organisation=other_referent.current_structure)

    def seen(aidant, **filters):
        return set(habilitation_requests_for(aidant=aidant, **filters)) & {mine, theirs}

    assert seen(referent) == {mine}
    assert seen(other_referent) == {theirs}
    assert seen(staff) == {mine, theirs}
    assert seen(staff, status="refused") == set()
    assert seen(staff, status="requested") == {mine, theirs}
    assert seen(staff, query=mine.last_name) == {mine}
    assert seen(staff, organisation_id=organisation.pk) == {mine}
    assert all(r.organisation == organisation for r in habilitation_requests_for(aidant=referent))
