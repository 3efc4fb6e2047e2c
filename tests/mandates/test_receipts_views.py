"""Receipt downloads: owning structure only (same 404 otherwise), audited with the text's hash."""

from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from audit.events import EventType
from audit.models import Entry
from mandates.receipts import RECEIPT_VERSION, receipt_sha256, revocation_sha256
from tests import factories


@pytest.fixture
def mandate(organisation):
    mandate = factories.MandateFactory(organisation=organisation, demarches=["social", "travail"])
    mandate.receipt_sha256, mandate.receipt_version = receipt_sha256(mandate), RECEIPT_VERSION
    mandate.save()
    return mandate


def test_aidant_of_the_structure_downloads_a_sealed_receipt(aidant_client, aidant, mandate):
    response = aidant_client.get(reverse("mandates:receipt_pdf", args=[mandate.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="mandat-{mandate.short_code}.pdf"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    reader = PdfReader(BytesIO(response.content))
    assert reader.trailer["/Root"]["/AcroForm"]["/Fields"][0]["/FT"] == "/Sig"
    [entry] = Entry.objects.filter(event_type=EventType.RECEIPT_PRINTED)
    assert entry.actor_aidant_id == aidant.pk and entry.mandate_id == mandate.pk
    assert entry.structure_id == mandate.organisation_id and entry.usager_id == mandate.usager_id
    assert entry.payload == {"receipt_sha256": mandate.receipt_sha256,
                             "version": RECEIPT_VERSION, "matches_recorded": True}


def test_reprint_records_the_same_hash(aidant_client, mandate):
    url = reverse("mandates:receipt_pdf", args=[mandate.pk])
    aidant_client.get(url)
    aidant_client.get(url)
    hashes = {e.payload["receipt_sha256"]
              for e in Entry.objects.filter(event_type=EventType.RECEIPT_PRINTED)}
    assert hashes == {mandate.receipt_sha256}


def test_other_structure_and_missing_mandate_give_the_same_404(aidant_client, mandate):
    foreign = factories.MandateFactory()
    forbidden = aidant_client.get(reverse("mandates:receipt_pdf", args=[foreign.pk]))
    missing = aidant_client.get(reverse("mandates:receipt_pdf", args=[foreign.pk + 1000]))
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.content == missing.content
    for name in ("mandates:revocation_receipt_pdf",):
        assert aidant_client.get(reverse(name, args=[foreign.pk])).status_code == 404
    assert not Entry.objects.filter(event_type__startswith="mandate.").exists()


def test_a_member_of_both_structures_sees_only_the_current_one(client, login, mandate):
    other = factories.OrganisationFactory()
    aidant = factories.AidantFactory(structure=other)
    factories.MembershipFactory(aidant=aidant, organisation=mandate.organisation)
    factories.TOTPDeviceFactory(user=aidant)
    login(client, aidant)
    assert client.get(reverse("mandates:receipt_pdf", args=[mandate.pk])).status_code == 404


def test_anonymous_is_sent_to_login(client, mandate):
    response = client.get(reverse("mandates:receipt_pdf", args=[mandate.pk]))
    assert response.status_code == 302 and reverse("aidants:login") in response["Location"]
    assert not Entry.objects.filter(event_type=EventType.RECEIPT_PRINTED).exists()


def test_revocation_receipt_needs_a_revocation(aidant_client, mandate):
    url = reverse("mandates:revocation_receipt_pdf", args=[mandate.pk])
    assert aidant_client.get(url).status_code == 404
    assert not Entry.objects.filter(event_type=EventType.REVOCATION_RECEIPT_PRINTED).exists()


def test_revocation_receipt_of_one_demarche(aidant_client, aidant, mandate):
    social = mandate.authorisations.get(demarche="social")
    social.revoked_at, social.revoked_by = timezone.now(), aidant
    social.save()
    response = aidant_client.get(reverse("mandates:revocation_receipt_pdf", args=[mandate.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-1.7")
    assert "revocation-mandat-" in response["Content-Disposition"]
    [entry] = Entry.objects.filter(event_type=EventType.REVOCATION_RECEIPT_PRINTED)
    assert entry.mandate_id == mandate.pk and entry.actor_aidant_id == aidant.pk
    assert entry.payload == {"revocation_sha256": revocation_sha256(mandate),
                             "version": RECEIPT_VERSION}


def test_receipt_whose_text_changed_is_flagged_in_the_journal(aidant_client, mandate):
    mandate.usager.given_name = "Autre"
    mandate.usager.save()
    aidant_client.get(reverse("mandates:receipt_pdf", args=[mandate.pk]))
    entry = Entry.objects.get(event_type=EventType.RECEIPT_PRINTED)
    assert entry.payload["matches_recorded"] is False
    assert entry.payload["receipt_sha256"] != mandate.receipt_sha256
