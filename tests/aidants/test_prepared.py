"""`aidants.prepared.Prepared`: a queryset compiled once gives the ORM's answers for any values."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aidants.models import Aidant
from aidants.prepared import Prepared, PreparedError
from tests import factories


def _joined_after(*, organisation_id, since):
    return Aidant.objects.filter(memberships__organisation_id=organisation_id,
                                 date_joined__gt=since).order_by("pk").values_list("pk", "email")


JOINED_AFTER = Prepared(_joined_after, organisation_id="int", since="datetime")


@pytest.mark.django_db
def test_rows_and_exists_match_the_orm_for_every_value():
    now = timezone.now()
    first, second = factories.OrganisationFactory(), factories.OrganisationFactory()
    old = factories.AidantFactory(structure=first, date_joined=now - timedelta(days=10))
    new = factories.AidantFactory(structure=first, date_joined=now - timedelta(days=1))
    factories.AidantFactory(structure=second, date_joined=now)
    cases = [(first.pk, now - timedelta(days=30)), (first.pk, now - timedelta(days=5)),
             (second.pk, now - timedelta(days=5)), (second.pk, now + timedelta(days=1)),
             (first.pk, now)]
    for organisation_id, since in cases:  # one compilation, then only the values change
        expected = list(_joined_after(organisation_id=organisation_id, since=since))
        assert JOINED_AFTER.rows(organisation_id=organisation_id, since=since) == expected
        assert JOINED_AFTER.exists(organisation_id=organisation_id, since=since) is bool(expected)
    assert [pk for pk, _ in JOINED_AFTER.rows(organisation_id=first.pk,
                                               since=now - timedelta(days=30))] == [old.pk, new.pk]


@pytest.mark.django_db
def test_a_value_the_statement_does_not_carry_is_refused():
    ignored = Prepared(lambda *, organisation_id: Aidant.objects.all().values_list("pk"),
                       organisation_id="int")
    with pytest.raises(PreparedError, match="organisation_id"):
        ignored.rows(organisation_id=1)
    with pytest.raises(PreparedError, match="unsupported"):
        Prepared(lambda *, rate: Aidant.objects.filter(pk=rate), rate="float").exists(rate=1.0)
    # A lookup that rewrites the value (here into '%value%') cannot be swapped: refused.
    rewritten = Prepared(lambda *, name: Aidant.objects.filter(email__icontains=name), name="str")
    with pytest.raises(PreparedError, match="name"):
        rewritten.exists(name="x")


@pytest.mark.django_db
def test_string_values_are_swapped_exactly():
    by_email = Prepared(lambda *, email: Aidant.objects.filter(email=email).values_list("pk"),
                        email="str")
    first, second = factories.AidantFactory(), factories.AidantFactory()
    assert by_email.rows(email=first.email) == [(first.pk,)]
    assert by_email.rows(email=second.email) == [(second.pk,)]
    assert by_email.rows(email="x' OR '1'='1") == []  # a parameter, never SQL


def _field_values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def _device_by_pk(*, pk):
    from aidants.models import TOTPDevice

    return TOTPDevice.objects.filter(pk=pk)


DEVICE_BY_PK = Prepared(_device_by_pk, pk="int")


@pytest.mark.django_db
def test_one_builds_the_orms_instance_with_its_converters():
    # Booleans, datetimes, an encrypted key and a nullable FK: SQLite needs converters for them.
    device = factories.TOTPDeviceFactory()
    for pk in (device.pk, device.pk + 1000):  # one compilation, then only the value changes
        found, expected = DEVICE_BY_PK.one(pk=pk), _device_by_pk(pk=pk).first()
        assert (found is None) is (expected is None)
    found = DEVICE_BY_PK.one(pk=device.pk)
    assert _field_values(found) == _field_values(_device_by_pk(pk=device.pk).get())
    assert found.confirmed is True and found.created_at.tzinfo is not None
    assert not found._state.adding and found._state.db == "default"
    assert found.bin_key == device.bin_key


@pytest.mark.django_db
def test_one_refuses_related_instances_and_defers_like_the_orm():
    related = Prepared(lambda *, pk: Aidant.objects.select_related("current_structure")
                       .filter(pk=pk), pk="int")
    with pytest.raises(PreparedError):
        related.one(pk=1)
    aidant = factories.AidantFactory()
    deferred = Prepared(lambda *, pk: Aidant.objects.only("email").filter(pk=pk), pk="int")
    found, orm = deferred.one(pk=aidant.pk), Aidant.objects.only("email").get(pk=aidant.pk)
    assert found.get_deferred_fields() == orm.get_deferred_fields() != set()
    assert (found.pk, found.email) == (aidant.pk, aidant.email)
