"""Structure statistics for référents, and their CSV export."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

import audit
from audit.events import EventType
from mandates.stats import structure_stats
from tests import factories

pytestmark = pytest.mark.django_db


def use(mandate, demarche, aidant):
    with transaction.atomic():
        audit.record(EventType.DELEGATED_LOGIN, actor=aidant, structure=mandate.organisation,
                     usager=mandate.usager, mandate=mandate, oidc_client="caf",
                     demarche=demarche, payload={})


@pytest.fixture
def activity(organisation, aidant):
    """Two usagers, three mandates (one revoked, one superseded démarche), three uses."""
    elodie, marc = factories.UsagerFactory(), factories.UsagerFactory()
    # 31 January 23:30 UTC is already 1 February in Paris.
    january = factories.MandateFactory(
        organisation=organisation, usager=elodie, demarches=["social", "argent"],
        created_at=datetime(2026, 1, 31, 23, 30, tzinfo=UTC))
    february = factories.MandateFactory(
        organisation=organisation, usager=marc, demarches=["social"],
        created_at=datetime(2026, 2, 10, 9, 0, tzinfo=UTC))
    march = factories.MandateFactory(
        organisation=organisation, usager=elodie, demarches=["argent", "logement"],
        created_at=datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
    february.revoked_at = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    february.save()
    old_argent = january.authorisations.get(demarche="argent")
    old_argent.revoked_at = march.created_at
    old_argent.superseded_by = march.authorisations.get(demarche="argent")
    old_argent.save()
    use(january, "social", aidant)
    use(january, "social", aidant)
    use(march, "logement", aidant)
    # Noise from another structure must not count.
    other = factories.MandateFactory(demarches=["social"])
    use(other, "social", other.created_by)
    return {"january": january, "february": february, "march": march}


def test_totals_per_demarche_and_per_month(organisation, activity):
    stats = structure_stats(structure=organisation)
    total = stats.total
    assert (total.usagers, total.created, total.revoked, total.used, total.uses) == (2, 3, 1, 2, 3)
    by_code = {row.key: row for row in stats.demarches}
    assert len(by_code) == 10 and by_code["papiers"].created == 0
    social = by_code["social"]
    assert (social.usagers, social.created, social.revoked, social.used, social.uses) == (
        2, 2, 1, 1, 2)
    argent = by_code["argent"]
    assert (argent.created, argent.revoked) == (2, 0)  # superseded is not revoked
    assert (by_code["logement"].used, by_code["logement"].uses) == (1, 1)
    months = {row.key: row for row in stats.months}
    this_month = timezone.localdate().strftime("%Y-%m")
    assert (months["2026-02"].created, months["2026-02"].usagers) == (2, 2)
    assert months["2026-02"].label == "février 2026"
    assert "2026-01" not in months
    assert months["2026-03"].created == 1 and months["2026-03"].revoked == 1
    assert months[this_month].uses == 3 and months[this_month].used == 2
    assert [row.key for row in stats.months] == sorted(months, reverse=True)


def test_referent_sees_the_page(referent_client, organisation, activity):
    response = referent_client.get(reverse("mandates:stats"))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Statistiques de {organisation.name}" in html
    assert "<dt>Mandats créés</dt><dd>3</dd>" in html
    assert "<th scope=\"row\">février 2026</th><td>2</td><td>2</td>" in html


@pytest.mark.parametrize("name", ["mandates:stats", "mandates:stats_csv"])
def test_aidants_and_other_structures_referents_get_404(aidant_client, client, login, name):
    assert aidant_client.get(reverse(name)).status_code == 404
    elsewhere = factories.AidantFactory(membership__role="referent")
    factories.TOTPDeviceFactory(user=elsewhere)
    login(client, elsewhere)
    assert client.get(reverse(name)).status_code == 200  # referent of their own structure only


def test_referent_of_a_past_structure_is_refused(client, login, organisation, referent):
    other = factories.OrganisationFactory()
    factories.MembershipFactory(aidant=referent, organisation=other)
    referent.current_structure = other
    referent.save()
    login(client, referent)
    assert client.get(reverse("mandates:stats")).status_code == 404


def test_csv_export_opens_in_a_french_spreadsheet(referent_client, organisation, activity):
    response = referent_client.get(reverse("mandates:stats_csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"statistiques-{organisation.siret}-" in response["Content-Disposition"]
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Catégorie", "Démarche ou mois", "Usagers aidés"]
    assert rows[1] == ["Total", "Total", "2", "3", "1", "2", "3"]
    assert ["Démarche", "Social – Santé", "2", "2", "1", "1", "2"] in rows
    assert ["Mois", "2026-02", "2", "2", "0", "0", "0"] in rows
    assert raw.count(b"\r\n") == len(rows)


def test_empty_structure(referent_client, organisation):
    stats = structure_stats(structure=organisation)
    assert stats.total.created == 0 and stats.months == []
    html = referent_client.get(reverse("mandates:stats")).content.decode()
    assert "Aucun mandat pour l&#x27;instant." in html or "Aucun mandat pour l'instant." in html


def test_month_boundaries_follow_paris_time(organisation):
    factories.MandateFactory(organisation=organisation,
                             created_at=datetime(2026, 6, 30, 22, 30, tzinfo=UTC),
                             expires_at=datetime(2026, 7, 30, tzinfo=UTC) + timedelta(days=1))
    [row] = structure_stats(structure=organisation).months
    assert row.key == "2026-07"
