"""Habilitation pages: access rules, forms wired to services, French errors tied to fields."""

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from aidants import auth_session
from aidants.models import Aidant
from audit.events import EventType
from audit.models import Entry
from habilitation.models import (
    CharterAcceptance,
    HabilitationRequest,
    HabilitationStatus,
    StructureRequest,
    TOTPCard,
)
from habilitation.tokens import invitation_token
from tests import factories
from tests.conftest import login_with_otp
from tests.habilitation.conftest import card_code

S = HabilitationStatus
pytestmark = pytest.mark.django_db
HEX = "00112233445566778899aabbccddeeff00112233"


def password_only_login(client, user):
    """Logged in with the password only (no second factor used), session otherwise valid."""
    client.force_login(user)
    session = client.session
    auth_session.mark_login(session)
    session.save()
    return client


def signup_data(**overrides):
    data = {"name": "Mairie de Lune", "type": "mairie", "siret": factories.valid_siret(),
            "address": "1 place", "postal_code": "35000", "city": "Lune",
            "allowed_demarches": ["social", "papiers"], "referent_first_name": "Yan",
            "referent_last_name": "Le Goff", "referent_email": "yan@lune.example",
            "referent_profession": ""}
    data.update(overrides)
    return data


def test_public_sign_up(client, django_capture_on_commit_callbacks):
    page = client.get(reverse("habilitation:structure_signup"))
    assert page.status_code == 200
    assert 'for="id_siret"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("habilitation:structure_signup"), signup_data())
    assert response.url == reverse("habilitation:structure_signup_done")
    request = StructureRequest.objects.get()
    assert request.allowed_demarches == ["social", "papiers"]


def test_sign_up_duplicate_siret_error_is_tied_to_field(client, organisation):
    response = client.post(reverse("habilitation:structure_signup"),
                           signup_data(siret=organisation.siret))
    html = response.content.decode()
    assert response.status_code == 200
    assert "déjà inscrite" in html and 'id="id_siret_error"' in html
    assert 'aria-describedby="id_siret_helptext id_siret_error"' in html
    assert 'aria-invalid="true"' in html
    assert not StructureRequest.objects.exists()


def test_staff_review_pages(staff_client, referent_client, staff):
    structure_request = StructureRequest.objects.create(
        **{**signup_data(), "allowed_demarches": ["social"]})
    listing = reverse("habilitation:structure_request_list")
    assert referent_client.get(listing).status_code == 403
    assert "Mairie de Lune" in staff_client.get(listing).content.decode()
    detail = reverse("habilitation:structure_request_detail", args=[structure_request.pk])
    response = staff_client.post(detail, {"action": "refuse", "reason": ""})
    assert "obligatoire" in response.content.decode()
    response = staff_client.post(detail, {"action": "approve", "allowed_demarches": ["social"]})
    assert response.status_code == 302
    structure_request.refresh_from_db()
    assert structure_request.organisation.allowed_demarches == ["social"]


def test_set_password_link_works_once(client):
    aidant = factories.AidantFactory(password=make_password(None))
    url = reverse("habilitation:set_password", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(aidant.pk)),
        "token": invitation_token.make_token(aidant)})
    assert "Compte" in client.get(url).content.decode()
    password = "pomme-verte-du-jardin-2026"
    response = client.post(url, {"new_password1": password, "new_password2": password})
    assert "mot de passe est enregistré" in response.content.decode()
    aidant.refresh_from_db()
    assert aidant.check_password(password)
    again = client.get(url)
    assert again.status_code == 400 and "plus valable" in again.content.decode()
    bogus = reverse("habilitation:set_password", kwargs={"uidb64": "xx", "token": "1-2"})
    assert client.get(bogus).status_code == 400


def test_referent_sees_only_own_structure(referent_client, make_request, other_referent):
    mine = make_request()
    theirs = make_request(organisation=other_referent.current_structure)
    html = referent_client.get(reverse("habilitation:request_list")).content.decode()
    assert mine.last_name in html and theirs.last_name not in html
    forbidden = referent_client.get(reverse("habilitation:request_detail", args=[theirs.pk]))
    missing = referent_client.get(reverse("habilitation:request_detail", args=[999999]))
    assert forbidden.status_code == missing.status_code == 404


def test_plain_aidant_and_anonymous_are_kept_out(aidant_client, client):
    assert aidant_client.get(reverse("habilitation:request_list")).status_code == 403
    response = client.get(reverse("habilitation:request_list"))
    assert response.status_code == 302 and reverse("aidants:login") in response.url


def test_referent_files_request_and_staff_validates(referent_client, staff_client,
                                                    organisation):
    response = referent_client.post(reverse("habilitation:request_create"), {
        "organisation": organisation.pk, "first_name": "Ada", "last_name": "Lovelace",
        "email": "ada@exemple.fr", "profession": "Médiatrice"})
    hr = HabilitationRequest.objects.get(email="ada@exemple.fr")
    assert response.url == reverse("habilitation:request_detail", args=[hr.pk])
    validate = reverse("habilitation:request_action", args=[hr.pk, "validate"])
    referent_client.post(validate)
    hr.refresh_from_db()
    assert hr.status == S.REQUESTED
    staff_client.post(validate)
    hr.refresh_from_db()
    assert hr.status == S.VALIDATED and hr.aidant.email == "ada@exemple.fr"


def test_skipped_step_shows_french_error(referent_client, make_request):
    hr = make_request(S.VALIDATED)
    response = referent_client.post(
        reverse("habilitation:request_action", args=[hr.pk, "complete"]), follow=True)
    assert "Étape refusée" in response.content.decode()
    response = referent_client.post(
        reverse("habilitation:request_action", args=[hr.pk, "training"]),
        {"training_date": timezone.localdate().isoformat(), "training_organisation": "OF"})
    hr.refresh_from_db()
    assert hr.status == S.TRAINED and hr.training_organisation == "OF"


def test_charter_page(client, charter, make_request):
    hr = make_request(S.TRAINED)
    password_only_login(client, hr.aidant)  # invited aidant: no second factor yet
    page = client.get(reverse("habilitation:charter"))
    assert charter.text in page.content.decode()
    response = client.post(reverse("habilitation:charter"), {})
    assert "Cochez la case" in response.content.decode()
    client.post(reverse("habilitation:charter"), {"accept": "on"})
    assert CharterAcceptance.objects.filter(aidant=hr.aidant, charter=charter).exists()
    hr.refresh_from_db()
    assert hr.status == S.CHARTER_SIGNED
    assert "Vous avez accepté" in client.get(reverse("habilitation:charter")).content.decode()


def test_charter_page_requires_second_factor_once_enrolled(client, aidant):
    password_only_login(client, aidant)  # has a confirmed device but did not use it
    response = client.get(reverse("habilitation:charter"))
    assert response.status_code == 302 and reverse("aidants:login") in response.url


def test_card_import_page_reports_lines(staff_client, organisation):
    bad = SimpleUploadedFile("cartes.csv", f"G1,{HEX},60\nG2,xyz!,60\n".encode())
    response = staff_client.post(reverse("habilitation:card_import"),
                                 {"organisation": organisation.pk, "file": bad})
    html = response.content.decode()
    assert "Ligne 2 : secret illisible" in html and "aucune carte" in html
    assert not TOTPCard.objects.exists()
    good = SimpleUploadedFile("cartes.csv", f"\ufeffG1,{HEX},60\n".encode())
    response = staff_client.post(reverse("habilitation:card_import"),
                                 {"organisation": organisation.pk, "file": good})
    assert response.status_code == 302 and TOTPCard.objects.get().serial == "G1"
    assert HEX not in staff_client.get(reverse("habilitation:card_list")).content.decode()


def test_card_assign_and_confirm_pages(referent_client, stock_card, aidant, other_referent):
    referent_client.post(reverse("habilitation:card_assign", args=[stock_card.pk]),
                         {"aidant": aidant.pk})
    stock_card.refresh_from_db()
    assert stock_card.aidant == aidant
    response = referent_client.post(reverse("habilitation:card_confirm", args=[stock_card.pk]),
                                    {"code": "12"})
    assert "Code incorrect" in response.content.decode()
    stock_card.confirm_failures = 0
    stock_card.save()
    response = referent_client.post(reverse("habilitation:card_confirm", args=[stock_card.pk]),
                                    {"code": card_code()})
    assert response.status_code == 302
    stock_card.refresh_from_db()
    assert stock_card.status == TOTPCard.Status.ACTIVE
    other = Client()
    login_with_otp(other, other_referent)
    assert other.post(reverse("habilitation:card_lost", args=[stock_card.pk])).status_code == 404
    referent_client.post(reverse("habilitation:card_lost", args=[stock_card.pk]))
    stock_card.refresh_from_db()
    assert stock_card.status == TOTPCard.Status.LOST


def test_deactivate_and_inactive_pages(referent_client, aidant, organisation):
    aidant.last_login = None
    aidant.date_joined = timezone.now() - timedelta(days=400)
    aidant.save()
    html = referent_client.get(reverse("habilitation:aidant_list") + "?inactifs=1"
                               ).content.decode()
    assert aidant.email in html
    referent_client.post(reverse("habilitation:aidant_deactivate", args=[aidant.pk]),
                         {"reason": "Départ"})
    assert not Aidant.objects.get(pk=aidant.pk).is_active
    assert Entry.objects.filter(event_type=EventType.AIDANT_DEACTIVATED).count() == 1


@pytest.mark.parametrize("status", list(S))
def test_request_detail_renders_next_action_for_each_step(staff_client, make_request, status):
    hr = make_request(status)
    html = staff_client.get(reverse("habilitation:request_detail", args=[hr.pk])).content.decode()
    assert hr.full_name in html and hr.get_status_display() in html
    expected = {S.REQUESTED: "Valider la demande", S.VALIDATED: "Enregistrer la formation",
                S.TRAINED: "accepter la charte", S.CHARTER_SIGNED: "Vérifier le second facteur",
                S.SECOND_FACTOR_ACTIVE: "Déclarer l'aidant habilité"}
    if status in expected:
        assert expected[status] in html


def test_staff_pages_render(staff_client, stock_card, charter):
    for name in ["request_list", "request_create", "card_list", "aidant_list", "charter",
                 "structure_request_list", "charter_publish", "card_import"]:
        response = staff_client.get(reverse(f"habilitation:{name}"))
        assert response.status_code == 200, name
        assert "<h1>" in response.content.decode()
    page = staff_client.get(reverse("habilitation:card_assign", args=[stock_card.pk]))
    assert stock_card.serial in page.content.decode()


def test_staff_publishes_charter_from_page(staff_client, charter):
    response = staff_client.post(reverse("habilitation:charter_publish"), {"text": "Version 2"})
    assert response.status_code == 302
    assert Entry.objects.filter(event_type=EventType.CHARTER_PUBLISHED).count() == 1


def test_resend_invitation_button(referent_client, make_request, other_referent):
    hr = make_request(S.VALIDATED)
    hr.aidant.set_unusable_password()
    hr.aidant.save()
    html = referent_client.get(reverse("habilitation:aidant_list")).content.decode()
    assert "Renvoyer le lien" in html
    referent_client.post(reverse("habilitation:aidant_invite", args=[hr.aidant.pk]))
    assert Entry.objects.filter(event_type=EventType.INVITATION_SENT).count() == 1
    outsider = other_referent
    assert referent_client.post(reverse("habilitation:aidant_invite",
                                        args=[outsider.pk])).status_code == 404
