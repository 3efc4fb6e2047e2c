from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from audit.events import EventType
from audit.models import Entry
from mandates import receipts, services
from mandates.identity import VerifiedIdentity
from mandates.models import Authorisation, Mandate, Usager
from tests import factories

ISSUER = "http://testserver/simulateur/franceconnect/api/v2"


def identity(**overrides) -> VerifiedIdentity:
    values = {"issuer": ISSUER, "sub": "a" * 64, "given_name": "Angela Claire Louise",
              "family_name": "Dubois", "birthdate": "1962-08-24", "gender": "female",
              "birthplace": "75107", "acr": "eidas1"}
    return VerifiedIdentity(**{**values, **overrides})


def create(aidant, organisation, **overrides) -> Mandate:
    args = {"aidant": aidant, "organisation": organisation, "identity": identity(),
            "demarches": ["social", "travail"], "duration": "12m", "usager_consent": True,
            "aidant_consent": True}
    return services.mandate_create(**{**args, **overrides})


def entries(event_type, **filters):
    return list(Entry.objects.filter(event_type=event_type, **filters))


def test_create_mandate_rows_and_journal(aidant, organisation, time_machine):
    time_machine.move_to(datetime(2026, 1, 31, 9, 0, tzinfo=UTC), tick=False)
    mandate = create(aidant, organisation, duration="1m")
    assert mandate.organisation == organisation and mandate.created_by == aidant
    assert mandate.expires_at == datetime(2026, 2, 28, 9, 0, tzinfo=UTC)
    assert sorted(mandate.authorisations.values_list("demarche", flat=True)) == [
        "social", "travail"]
    assert len(mandate.short_code) == services.SHORT_CODE_LENGTH
    assert set(mandate.short_code) <= set(services.SHORT_CODE_ALPHABET)
    usager = mandate.usager
    assert (usager.fc_sub, usager.given_name, usager.family_name) == (
        "a" * 64, "Angela Claire Louise", "Dubois")
    assert mandate.receipt_sha256 == receipts.receipt_sha256(mandate)
    assert mandate.receipt_version == receipts.RECEIPT_VERSION
    [identified] = entries(EventType.USAGER_IDENTIFIED)
    assert identified.usager_id == usager.pk and identified.actor_aidant_id == aidant.pk
    assert identified.actor_structure_id == organisation.pk
    [created] = entries(EventType.MANDATE_CREATED)
    assert (created.mandate_id, created.usager_id, created.structure_id) == (
        mandate.pk, usager.pk, organisation.pk)
    assert created.actor_aidant_id == aidant.pk
    assert created.payload["receipt_sha256"] == mandate.receipt_sha256
    assert created.payload["receipt_version"] == receipts.RECEIPT_VERSION
    assert created.payload["demarches"] == ["social", "travail"]
    assert "Dubois" not in str(created.payload)  # identity only in USAGER_IDENTIFIED.personal


def test_short_codes_are_unique(aidant, organisation):
    codes = {create(aidant, organisation, identity=identity(sub=f"{i:064d}")).short_code
             for i in range(5)}
    assert len(codes) == 5


def test_usager_upserted_on_issuer_and_sub(aidant, organisation):
    first = create(aidant, organisation, demarches=["social"])
    second = create(aidant, organisation, demarches=["travail"],
                    identity=identity(family_name="Martin", preferred_username="Dupont"))
    assert first.usager_id == second.usager_id
    usager = Usager.objects.get()
    assert (usager.family_name, usager.preferred_username) == ("Martin", "Dupont")
    assert usager.search_name == "angela claire louise martin dupont"
    assert entries(EventType.USAGER_IDENTIFIED)[1].payload["new_usager"] is False


def test_new_mandate_supersedes_same_demarche_and_says_so(aidant, organisation):
    old = create(aidant, organisation, demarches=["social", "logement"])
    other_structure = factories.MandateFactory(usager=old.usager, demarches=["social"])
    new = create(aidant, organisation, demarches=["social"], duration="6m")
    old_social = old.authorisations.get(demarche="social")
    assert [a.pk for a in new.superseded_authorisations] == [old_social.pk]
    assert old_social.revoked_at is not None
    assert old_social.superseded_by == new.authorisations.get()
    assert old.authorisations.get(demarche="logement").revoked_at is None
    old.refresh_from_db()
    assert old.revoked_at is None  # still holds "logement"
    assert other_structure.authorisations.get().revoked_at is None  # other structure untouched
    [entry] = entries(EventType.AUTHORISATION_SUPERSEDED)
    assert (entry.authorisation_id, entry.mandate_id, entry.demarche) == (
        old_social.pk, old.pk, "social")
    assert entry.payload["superseded_by_mandate"] == new.pk
    assert entry.actor_aidant_id == aidant.pk


def test_superseding_every_authorisation_revokes_the_old_mandate(aidant, organisation):
    old = create(aidant, organisation, demarches=["social"])
    create(aidant, organisation, demarches=["social", "travail"], duration="1m")
    old.refresh_from_db()
    assert old.revoked_at is not None and old.status() == "revoked"
    revoked = entries(EventType.MANDATE_REVOKED, mandate_id=old.pk)
    assert [e.payload["cause"] for e in revoked] == ["superseded"]


def test_double_submit_returns_the_same_mandate(aidant, organisation):
    first = create(aidant, organisation)
    again = create(aidant, organisation)
    assert again.pk == first.pk and again.superseded_authorisations == []
    assert Mandate.objects.count() == 1
    assert len(entries(EventType.MANDATE_CREATED)) == 1


@pytest.mark.parametrize(("overrides", "message"), [
    ({"usager_consent": False}, "consentement de l'usager"),
    ({"aidant_consent": False}, "engagement d'aidant"),
    ({"demarches": []}, "au moins une démarche"),
    ({"demarches": ["inconnue"]}, "ne propose pas"),
    ({"duration": "24m"}, "durée"),
])
def test_create_refusals_write_nothing(aidant, organisation, overrides, message):
    with pytest.raises(services.MandateError, match=message):
        create(aidant, organisation, **overrides)
    assert not Mandate.objects.exists() and not Usager.objects.exists()
    assert not Entry.objects.filter(event_type__startswith="mandate.").exists()


def test_structure_demarche_restriction(aidant, organisation):
    organisation.allowed_demarches = ["social"]
    organisation.save()
    with pytest.raises(services.MandateError, match="argent"):
        create(aidant, organisation, demarches=["social", "argent"])
    assert not Mandate.objects.exists()


def test_habilitation_refused(organisation):
    """A member whose habilitation is not complete may not create or renew mandates."""
    member = factories.AidantFactory(structure=organisation, habilitated=False)
    assert member.is_member_of(organisation)
    with pytest.raises(services.MandateError, match="habilité"):
        create(member, organisation)
    assert not Mandate.objects.exists()
    mandate = factories.MandateFactory(organisation=organisation)
    with pytest.raises(services.MandateError, match="habilité"):
        services.mandate_renew(mandate=mandate, aidant=member, demarches=["social"],
                               duration="1m", usager_consent=True, aidant_consent=True)
    assert Mandate.objects.count() == 1


def test_non_member_refused(organisation):
    outsider = factories.AidantFactory()
    with pytest.raises(services.MandateError, match="structure"):
        create(outsider, organisation)


def test_revoke_mandate(aidant, organisation):
    mandate = create(aidant, organisation)
    colleague = factories.AidantFactory(structure=organisation)
    services.mandate_revoke(mandate=mandate, actor=colleague, reason="Demande de l'usager")
    mandate.refresh_from_db()
    assert mandate.status() == "revoked" and mandate.revoked_by == colleague
    assert not mandate.authorisations.filter(revoked_at__isnull=True).exists()
    [entry] = entries(EventType.MANDATE_REVOKED)
    assert entry.actor_aidant_id == colleague.pk and entry.mandate_id == mandate.pk
    assert entry.personal_data["reason"] == "Demande de l'usager"
    with pytest.raises(services.MandateError, match="plus actif"):
        services.mandate_revoke(mandate=mandate, actor=colleague, reason="encore")


def test_revoke_requires_reason_and_membership(aidant, organisation):
    mandate = create(aidant, organisation)
    with pytest.raises(services.MandateError, match="motif"):
        services.mandate_revoke(mandate=mandate, actor=aidant, reason="  ")
    with pytest.raises(services.MandateError, match="structure"):
        services.mandate_revoke(mandate=mandate, actor=factories.AidantFactory(), reason="x")
    assert Mandate.objects.get().revoked_at is None


def test_revoke_authorisation_then_last_closes_mandate(aidant, organisation):
    mandate = create(aidant, organisation)
    social, travail = mandate.authorisations.order_by("demarche")
    services.authorisation_revoke(authorisation=social, actor=aidant, reason="Plus besoin")
    mandate.refresh_from_db()
    assert mandate.is_active()
    [entry] = entries(EventType.AUTHORISATION_REVOKED)
    assert (entry.authorisation_id, entry.demarche) == (social.pk, "social")
    services.authorisation_revoke(authorisation=travail, actor=aidant, reason="Plus besoin")
    mandate.refresh_from_db()
    assert mandate.status() == "revoked"
    assert entries(EventType.MANDATE_REVOKED)[0].payload["cause"] == "all_authorisations_revoked"
    with pytest.raises(services.MandateError, match="plus active"):
        services.authorisation_revoke(authorisation=travail, actor=aidant, reason="x")


def test_renew_reuses_identity(aidant, organisation, time_machine):
    time_machine.move_to(datetime(2026, 3, 1, 10, tzinfo=UTC), tick=False)
    old = create(aidant, organisation, duration="1m")
    time_machine.move_to(datetime(2026, 3, 25, 10, tzinfo=UTC), tick=False)
    new = services.mandate_renew(mandate=old, aidant=aidant, demarches=["social"],
                                 duration="12m", usager_consent=True, aidant_consent=True)
    assert new.renewed_from == old and new.usager == old.usager
    assert new.receipt_sha256 == receipts.receipt_sha256(new)
    assert old.authorisations.get(demarche="social").revoked_at is not None
    assert old.authorisations.get(demarche="travail").revoked_at is None
    [entry] = entries(EventType.MANDATE_RENEWED)
    assert entry.mandate_id == new.pk and entry.payload["renewed_from"] == old.pk
    assert Usager.objects.count() == 1
    with pytest.raises(services.MandateError, match="consentement"):
        services.mandate_renew(mandate=old, aidant=aidant, demarches=["social"],
                               duration="12m", usager_consent=False, aidant_consent=True)


def test_renew_refused_for_erased_usager(aidant, organisation):
    old = create(aidant, organisation)
    Usager.objects.filter(pk=old.usager_id).update(erased_at=timezone.now())
    with pytest.raises(services.MandateError, match="effacée"):
        services.mandate_renew(mandate=old, aidant=aidant, demarches=["social"],
                               duration="1d", usager_consent=True, aidant_consent=True)


def test_expiry_on_read(aidant, organisation, time_machine):
    time_machine.move_to(datetime(2026, 6, 1, 10, tzinfo=UTC), tick=False)
    mandate = create(aidant, organisation, duration="1d")
    assert Mandate.objects.active().get() == mandate
    time_machine.move_to(mandate.expires_at - timedelta(seconds=1), tick=False)
    assert mandate.status() == "active" and Authorisation.objects.active().count() == 2
    time_machine.move_to(mandate.expires_at, tick=False)
    assert mandate.status() == "expired"
    assert not Mandate.objects.active().exists() and Mandate.objects.expired().get() == mandate
    assert not Authorisation.objects.active().exists()
