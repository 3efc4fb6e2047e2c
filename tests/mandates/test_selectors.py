from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from mandates import selectors
from mandates.models import Mandate, Usager
from tests import factories


@pytest.fixture
def other_mandate(db):
    return factories.MandateFactory(demarches=["social"])


def test_access_mandate_returns_own_structure_mandate(aidant, organisation):
    mandate = factories.MandateFactory(organisation=organisation, demarches=["social", "travail"])
    found = selectors.access_mandate(aidant=aidant, mandate_id=mandate.pk)
    assert found == mandate
    assert {a.demarche for a in found.authorisations.all()} == {"social", "travail"}


@pytest.mark.parametrize("mandate_id", ["other", 999999, "abc", None])
def test_access_mandate_same_404_for_missing_and_forbidden(aidant, other_mandate, mandate_id):
    if mandate_id == "other":
        mandate_id = other_mandate.pk
    with pytest.raises(Http404) as excinfo:
        selectors.access_mandate(aidant=aidant, mandate_id=mandate_id)
    assert str(excinfo.value) == selectors.NOT_FOUND


def test_access_mandate_only_in_current_structure(aidant, organisation):
    """Member of two structures: the other structure's mandates stay hidden until they switch."""
    second = factories.OrganisationFactory()
    factories.MembershipFactory(aidant=aidant, organisation=second)
    mandate = factories.MandateFactory(organisation=second)
    with pytest.raises(Http404):
        selectors.access_mandate(aidant=aidant, mandate_id=mandate.pk)
    aidant.current_structure = second
    aidant.save(update_fields=["current_structure"])
    assert selectors.access_mandate(aidant=aidant, mandate_id=mandate.pk) == mandate


def test_access_usager(aidant, organisation, other_mandate):
    mandate = factories.MandateFactory(organisation=organisation)
    assert selectors.access_usager(aidant=aidant, usager_id=mandate.usager_id) == mandate.usager
    for usager_id in (other_mandate.usager_id, 999999, "x"):
        with pytest.raises(Http404) as excinfo:
            selectors.access_usager(aidant=aidant, usager_id=usager_id)
        assert str(excinfo.value) == selectors.NOT_FOUND


def test_twelve_month_cap_is_a_database_constraint(organisation):
    now = timezone.now()
    factories.MandateFactory(organisation=organisation, created_at=now,
                             expires_at=now + timedelta(days=366, hours=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.MandateFactory(organisation=organisation, created_at=now,
                                 expires_at=now + timedelta(days=366, hours=2))
    assert Mandate.objects.count() == 1


def test_usager_file_scoped_to_current_structure(aidant, organisation, django_assert_num_queries):
    mandate = factories.MandateFactory(organisation=organisation, demarches=["social"])
    elsewhere = factories.MandateFactory(usager=mandate.usager, demarches=["famille"])
    with django_assert_num_queries(3):
        file = selectors.usager_file(aidant=aidant, usager_id=mandate.usager_id)
        assert [a.demarche for m in file.mandates for a in m.authorisations.all()] == ["social"]
    assert file.usager == mandate.usager and elsewhere not in file.mandates
    for usager_id in (elsewhere.usager_id + 1000, "x"):
        with pytest.raises(Http404) as excinfo:
            selectors.usager_file(aidant=aidant, usager_id=usager_id)
        assert str(excinfo.value) == selectors.NOT_FOUND
    stranger = factories.MandateFactory()
    with pytest.raises(Http404):
        selectors.usager_file(aidant=aidant, usager_id=stranger.usager_id)


def test_structure_usagers_search(organisation):
    now = timezone.now()
    alice = factories.UsagerFactory(given_name="Hélène", family_name="Lefèvre",
                                    preferred_username="Dupré", birthdate="1946-00-00")
    bob = factories.UsagerFactory(given_name="Bob", family_name="Martin", birthdate="1961-01-02")
    gone = factories.UsagerFactory(given_name="Hélène", family_name="Partie")
    for usager in (alice, bob):
        factories.MandateFactory(organisation=organisation, usager=usager)
    factories.MandateFactory(organisation=organisation, usager=gone, created_at=now - timedelta(
        days=40), expires_at=now - timedelta(days=1))

    def names(query):
        return [u.family_name for u in selectors.structure_usagers(structure=organisation,
                                                                   query=query)]

    assert names("") == ["Lefèvre", "Martin"]
    assert names("HELENE") == names("dupre") == names("lefevre hel") == ["Lefèvre"]
    assert names("1946") == ["Lefèvre"] and names("02/01/1961") == ["Martin"]
    assert names("1961-01-02") == ["Martin"] and names("2/1/1961") == ["Martin"]
    assert names("partie") == [] and names("zzz") == []
    ended = selectors.structure_usagers(structure=organisation, query="hélène", include_ended=True)
    assert [u.family_name for u in ended] == ["Lefèvre", "Partie"]
    Usager.objects.filter(pk=gone.pk).update(erased_at=now)
    assert [u.family_name for u in selectors.structure_usagers(
        structure=organisation, include_ended=True)] == ["Lefèvre", "Martin"]


def test_expiring_mandates(organisation):
    now = timezone.now()
    soon = factories.MandateFactory(organisation=organisation, created_at=now - timedelta(
        days=300), expires_at=now + timedelta(days=29))
    factories.MandateFactory(organisation=organisation)  # 365 days left
    factories.MandateFactory(created_at=now - timedelta(days=300),
                             expires_at=now + timedelta(days=5))  # another structure
    assert list(selectors.expiring_mandates(structure=organisation)) == [soon]
