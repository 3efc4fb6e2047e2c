"""The public verification page: status, dates, démarches and initials only."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse

from mandates import verification
from mandates.qr import display_short_code, normalise_short_code
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def mandate(time_machine):
    time_machine.move_to(NOW, tick=False)
    usager = factories.UsagerFactory(given_name="Élodie", family_name="Lefèvre",
                                     birthdate="1950-03-14")
    return factories.MandateFactory(usager=usager, short_code="ABCD2345", created_at=NOW,
                                    expires_at=NOW + timedelta(days=30),
                                    demarches=["social", "logement"])


def page(client, code="ABCD2345"):
    return client.get(reverse("mandates:verify", args=[code]))


def test_active_mandate_shows_status_dates_demarches_and_initials_only(client, mandate):
    response = page(client)
    html = response.content.decode()
    assert response.status_code == 200
    assert "En cours" in html and "3 juin 2026 à 12h00" in html  # Europe/Paris
    assert "Social – Santé" in html and "Logement" in html
    assert "É. L." in html
    for personal in ("Élodie", "Lefèvre", "1950", mandate.organisation.name,
                     mandate.created_by.last_name):
        assert personal not in html
    assert response["Cache-Control"] == "no-store"
    assert "noindex" in response["X-Robots-Tag"]


def test_expired_and_revoked_mandates(client, mandate, time_machine):
    time_machine.move_to(NOW + timedelta(days=31), tick=False)
    html = page(client).content.decode()
    assert "Terminé" in html and "arrivé à son terme" in html and "En cours" not in html
    mandate.revoked_at = NOW + timedelta(days=2)
    mandate.save()
    html = page(client).content.decode()
    assert "Révoqué" in html and "révoqué le 6 mai 2026" in html


def test_one_revoked_demarche_is_shown_as_such(client, mandate):
    mandate.authorisations.filter(demarche="logement").update(revoked_at=NOW)
    found = verification.public_mandate("abcd-2345", at=NOW + timedelta(hours=1))
    assert found.status == "active"
    assert [(d.label, d.status) for d in found.demarches] == [
        ("Social – Santé", "active"), ("Logement", "revoked")]
    assert "Révoquée" in page(client).content.decode()


def test_unknown_and_malformed_codes_get_the_same_neutral_page(client, mandate):
    unknown, malformed = page(client, "ZZZZ9999"), page(client, "%%%")
    assert unknown.status_code == malformed.status_code == 404
    assert unknown.content == malformed.content
    assert "Aucun mandat ne correspond à ce code" in unknown.content.decode()
    assert unknown["Cache-Control"] == "no-store"


def test_code_typed_from_paper_is_normalised(client, mandate):
    response = client.get(reverse("mandates:verify_form"), {"code": " abcd - 2345 "})
    assert response.status_code == 302
    assert response["Location"] == reverse("mandates:verify", args=["ABCD2345"])
    assert page(client, "abcd2345").status_code == 200


def test_seal_certificate_is_public_with_its_fingerprint(client):
    from cryptography import x509

    from mandates import seal

    response = client.get(reverse("mandates:seal_certificate"))
    assert response.status_code == 200
    cert = x509.load_pem_x509_certificate(response.content)
    assert response.content == seal.current_material().cert_pem
    form = client.get(reverse("mandates:verify_form")).content.decode()
    fingerprint = seal.certificate_fingerprint()
    assert fingerprint in form and len(fingerprint) == 95
    assert cert.fingerprint(cert.signature_hash_algorithm).hex(":").upper() == fingerprint


def test_form_explains_a_bad_code_next_to_the_field(client):
    blank = client.get(reverse("mandates:verify_form"))
    assert blank.status_code == 200 and 'for="id_code"' in blank.content.decode()
    response = client.get(reverse("mandates:verify_form"), {"code": "é!"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_code_error"' in html and 'aria-describedby="id_code_hint id_code_error"' in html
    assert 'aria-invalid="true"' in html and "pas le bon format" in html


def test_lookups_are_throttled_per_address(client, mandate):
    for _ in range(verification.LOOKUPS_PER_WINDOW):
        assert page(client, "ZZZZ0000").status_code == 404
    refused = page(client)
    assert refused.status_code == 429
    assert "Réessayez dans quelques minutes" in refused.content.decode()
    other = client.get(reverse("mandates:verify", args=["ABCD2345"]), REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 200


@pytest.mark.parametrize(("raw", "code"), [
    ("abcd-2345", "ABCD2345"), (" AB CD 23 45 ", "ABCD2345"), ("ab–cd—2345", "ABCD2345"),
    ("", ""), ("ABC", ""), ("ABCD/2345", ""), ("A" * 17, "")])
def test_normalise_short_code(raw, code):
    assert normalise_short_code(raw) == code


def test_display_groups_by_four():
    assert display_short_code("ABCD2345") == "ABCD-2345"
    assert normalise_short_code(display_short_code("ABCD2345XY")) == "ABCD2345XY"
