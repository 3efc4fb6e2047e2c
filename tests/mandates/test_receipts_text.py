"""The receipt's legal text: deterministic, versioned, independent of later events."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from mandates.models import Usager
from mandates.receipts import (
    RECEIPT_VERSION,
    receipt_sha256,
    receipt_text,
    revocation_sha256,
    revocation_text,
)
from mandates.receipts.text import blocks, french_birthdate, french_end
from tests import factories

pytestmark = pytest.mark.django_db

CREATED = datetime(2026, 3, 14, 9, 5, tzinfo=UTC)


@pytest.fixture
def mandate():
    organisation = factories.OrganisationFactory(name="France Services Rennes Sud",
                                                 city="Rennes", siret="73282932000074")
    aidant = factories.AidantFactory(structure=organisation, first_name="Camille",
                                     last_name="Durand")
    usager = factories.UsagerFactory(given_name="Élodie", family_name="Lefèvre",
                                     birthdate="1950-03-14")
    return factories.MandateFactory(
        organisation=organisation, created_by=aidant, usager=usager, created_at=CREATED,
        expires_at=CREATED + timedelta(days=180), short_code="ABCD2345",
        demarches=["argent", "social"])


def test_text_names_who_what_until_when_and_how_to_revoke(mandate):
    text = receipt_text(mandate)
    assert "Élodie Lefèvre, né(e) le 14 mars 1950" in text
    assert ("La structure France Services Rennes Sud (numéro SIRET, l'identifiant officiel de la "
            "structure : 73282932000074)") in text
    assert "appelée «\u00a0l'usager\u00a0»" in text  # no lone guillemet at a line break
    assert "la CNIL, l'autorité qui protège les données personnelles" in text
    assert "établi par Camille Durand" in text
    # Démarches in catalogue order, with their plain description and examples.
    social = text.index("- Social – Santé : Aides sociales")
    argent = text.index("- Argent – Impôts – Consommation")
    assert social < argent
    assert "! Attention : l'aidant ne doit jamais gérer l'argent" in text
    assert "Le mandat commence le 14 mars 2026 à 10 h 05." in text  # Europe/Paris
    assert "Il prend fin le 10 septembre 2026 à 11 h 05." in text  # summer time
    assert "révoquer le mandat à tout moment" in text
    assert "effacée 12 mois après la fin de son dernier mandat" in text
    assert "Code de vérification : ABCD2345." in text
    assert "[ ] L'usager : Élodie Lefèvre" in text and "[ ] L'aidant : Camille Durand" in text
    assert f"(modèle {RECEIPT_VERSION})" in text
    assert "&#x27;" not in text and "{%" not in text and "\n\n\n" not in text


def test_reprint_gives_the_same_text_and_hash_whatever_happens_later(mandate, time_machine):
    time_machine.move_to(CREATED + timedelta(minutes=1), tick=False)
    first, digest = receipt_text(mandate), receipt_sha256(mandate)
    assert len(digest) == 64 and int(digest, 16) >= 0
    time_machine.move_to(CREATED + timedelta(days=400), tick=False)
    authorisation = mandate.authorisations.get(demarche="social")
    authorisation.revoked_at = timezone.now()
    authorisation.save()
    mandate.revoked_at = timezone.now()
    mandate.save()
    reloaded = type(mandate).objects.get(pk=mandate.pk)
    assert receipt_text(reloaded) == first
    assert receipt_sha256(reloaded) == digest


def test_usage_name_follows_the_birth_name(mandate):
    mandate.usager.preferred_username = "Martin"
    text = receipt_text(mandate)
    assert "Élodie Lefèvre (nom d'usage : Martin), né(e) le 14 mars 1950" in text
    assert "[ ] L'usager : Élodie Martin" in text


def test_hash_changes_with_the_content(mandate):
    digest = receipt_sha256(mandate)
    mandate.usager.given_name = "Élise"
    assert receipt_sha256(mandate) != digest


def test_erased_usager_changes_the_text(mandate):
    digest = receipt_sha256(mandate)
    Usager.objects.filter(pk=mandate.usager_id).update(erased_at=timezone.now(), given_name="",
                                                          family_name="")
    mandate.usager.refresh_from_db()
    assert receipt_sha256(mandate) != digest
    assert "Élodie" not in receipt_text(mandate)


def test_a_mandate_keeps_the_template_version_it_was_printed_with(mandate):
    mandate.receipt_version = "1999-01-v0"
    from django.template import TemplateDoesNotExist

    with pytest.raises(TemplateDoesNotExist):
        receipt_text(mandate)
    mandate.receipt_version = RECEIPT_VERSION
    assert receipt_text(mandate).startswith("# Mandat d'aide")


def test_one_day_mandate_ends_at_midnight_in_plain_words():
    end = datetime(2026, 3, 29, 22, 0, tzinfo=UTC)  # 00:00 on the 30th in Paris (CEST)
    assert french_end(end) == "29 mars 2026 à minuit"
    assert french_end(datetime(2026, 1, 1, 8, 30, tzinfo=UTC)) == "1er janvier 2026 à 9 h 30"


@pytest.mark.parametrize(("raw", "words"), [
    ("1950-03-14", "le 14 mars 1950"), ("1950-03-00", "en mars 1950"), ("1950-00-00", "en 1950"),
    ("1950-12-01", "le 1er décembre 1950"), ("", "à une date non renseignée")])
def test_presumed_birthdates(raw, words):
    assert french_birthdate(raw) == words


def test_blocks_group_list_items_and_signature_boxes(mandate):
    parsed = blocks(receipt_text(mandate))
    assert parsed[0].kind == "h1" and parsed[0].text.startswith("Mandat d'aide")
    kinds = [b.kind for b in parsed]
    assert kinds.count("signatures") == 1 and "warning" in kinds
    assert parsed[-1].kind == "signatures" and len(parsed[-1].items) == 2
    demarches = next(b for b in parsed if b.kind == "list")
    assert len(demarches.items) == 2


def test_revocation_text_lists_what_was_revoked_and_what_remains(mandate, time_machine):
    time_machine.move_to(datetime(2026, 4, 2, 14, 30, tzinfo=UTC), tick=False)
    social = mandate.authorisations.get(demarche="social")
    social.revoked_at, social.revocation_reason = timezone.now(), "Demande de l'usager"
    social.revoked_by = mandate.created_by
    social.save()
    text = revocation_text(mandate)
    assert ("- Social – Santé : révoquée le 2 avril 2026 à 16 h 30 par Camille Durand. "
            "Motif : Demande de l'usager") in text
    assert "Le mandat reste valable, jusqu'au 10 septembre 2026 à 11 h 05, pour :" in text
    assert "- Argent – Impôts – Consommation" in text.split("## 3.")[1]
    assert "[ ] L'aidant : Camille Durand" in text
    partial = revocation_sha256(mandate)
    assert revocation_sha256(mandate) == partial  # deterministic for one state
    other = factories.AidantFactory(structure=mandate.organisation, first_name="Léa",
                                    last_name="Morel")
    mandate.revoked_at, mandate.revoked_by = timezone.now(), other
    mandate.save()
    text = revocation_text(mandate)
    assert "Le mandat entier a été révoqué le 2 avril 2026 à 16 h 30 par Léa Morel." in text
    assert "Plus aucune démarche" in text and "[ ] L'aidant : Léa Morel" in text
    assert revocation_sha256(mandate) != partial


def test_superseded_demarche_reads_as_replaced(mandate):
    newer = factories.MandateFactory(organisation=mandate.organisation, usager=mandate.usager,
                                     demarches=["social"])
    old = mandate.authorisations.get(demarche="social")
    old.revoked_at, old.revocation_reason = timezone.now(), "Remplacée par le mandat du ..."
    old.superseded_by = newer.authorisations.get()
    old.save()
    text = revocation_text(mandate)
    assert "- Social – Santé : remplacée par un nouveau mandat le" in text
    assert "Motif" not in text and "[ ] L'aidant : ......" in text
