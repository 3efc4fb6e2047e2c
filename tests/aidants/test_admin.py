"""The Django admin: two factors required, our login page, journaled changes, card secrets."""

import pytest
from django.contrib.admin.models import LogEntry

from aidants import auth_session, crypto
from aidants.models import Aidant, AidantSession, Organisation, TOTPDevice
from audit.events import EventType
from audit.models import Entry
from tests import factories

NO_INLINES = {"memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
              "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000"}
CARD_KEY_HEX = "3132333435363738393031323334353637383930"  # RFC 6238 test seed


def test_anonymous_admin_goes_to_our_login(client, db):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/connexion/?next=%2Fadmin%2F"
    assert "Adresse e-mail" in response.content.decode()


def test_staff_without_verified_device_is_refused(client, staff):
    client.force_login(staff)  # first factor only: no OTP device in the session
    session = client.session
    auth_session.mark_login(session)
    session.save()
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client.get(response["Location"])["Location"].startswith("/connexion/?next=")


def test_verified_non_staff_gets_forbidden_not_a_loop(aidant_client):
    assert aidant_client.get("/admin/login/?next=/admin/").status_code == 403


def test_verified_staff_reaches_the_admin(staff_client):
    response = staff_client.get("/admin/")
    assert response.status_code == 200
    assert "Procuration – administration nationale" in response.content.decode()


def test_admin_logout_ends_the_session(staff_client, staff):
    response = staff_client.post("/admin/logout/")
    assert response.status_code == 302 and response["Location"] == "/connexion/"
    assert not AidantSession.objects.filter(aidant=staff).exists()
    assert Entry.objects.filter(event_type=EventType.LOGOUT, actor_aidant_id=staff.pk).exists()


def test_organisation_siret_is_normalised_and_validated(staff_client, staff):
    data = {"name": "Mairie de Test", "type": "mairie", "siret": "732 829 320 00074",
            "allowed_demarches": '["social"]', "is_active": "on"}
    response = staff_client.post("/admin/aidants/organisation/add/", data)
    assert response.status_code == 302
    organisation = Organisation.objects.get(name="Mairie de Test")
    assert organisation.siret == "73282932000074"
    entry = Entry.objects.get(event_type=EventType.ADMIN_CREATED)
    assert entry.actor_aidant_id == staff.pk
    assert entry.payload["model"] == "aidants.organisation"
    assert entry.payload["object_id"] == str(organisation.pk)

    data["siret"] = "73282932000075"
    response = staff_client.post("/admin/aidants/organisation/add/", data)
    assert response.status_code == 200
    assert "SIRET n&#x27;est pas valide" in response.content.decode()


def test_aidant_change_is_journaled_without_names_and_hides_the_hash(staff_client, aidant):
    page = staff_client.get(f"/admin/aidants/aidant/{aidant.pk}/change/")
    assert page.status_code == 200
    assert aidant.password not in page.content.decode()
    assert 'name="password"' not in page.content.decode()
    data = {"email": aidant.email, "first_name": "Nouveau", "last_name": aidant.last_name,
            "profession": "", "current_structure": aidant.current_structure_id, **NO_INLINES}
    response = staff_client.post(f"/admin/aidants/aidant/{aidant.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    aidant.refresh_from_db()
    assert aidant.first_name == "Nouveau"
    entry = Entry.objects.get(event_type=EventType.ADMIN_CHANGED)
    assert entry.payload["model"] == "aidants.aidant"
    assert "Nouveau" not in str(entry.payload)


def test_create_aidant_with_case_insensitive_unique_email(staff_client, aidant):
    data = {"email": aidant.email.upper(), "first_name": "A", "last_name": "B",
            "usable_password": "true", "password1": "un-mot-de-passe-solide-2026",
            "password2": "un-mot-de-passe-solide-2026", **NO_INLINES}
    response = staff_client.post("/admin/aidants/aidant/add/", data)
    assert "Un compte utilise déjà cette adresse e-mail." in response.content.decode()
    data["email"] = "Nouvelle.Aidante@Structure.example"
    response = staff_client.post("/admin/aidants/aidant/add/", data)
    assert response.status_code == 302
    created = Aidant.objects.get(email="nouvelle.aidante@structure.example")
    assert created.check_password("un-mot-de-passe-solide-2026")


def test_deactivate_action_ends_sessions(staff_client, aidant, aidant_client):
    assert AidantSession.objects.filter(aidant=aidant).exists()
    response = staff_client.post("/admin/aidants/aidant/", {
        "action": "deactivate", "_selected_action": [aidant.pk]})
    assert response.status_code == 302
    aidant.refresh_from_db()
    assert not aidant.is_active
    assert not AidantSession.objects.filter(aidant=aidant).exists()
    assert Entry.objects.get(event_type=EventType.AIDANT_DEACTIVATED).payload["aidant_id"] \
        == aidant.pk


@pytest.mark.parametrize("secret", [CARD_KEY_HEX, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"])
def test_card_secret_typed_once_stored_encrypted_never_shown(staff_client, aidant, secret):
    response = staff_client.post("/admin/aidants/totpdevice/add/", {
        "user": aidant.pk, "card_serial": "GZ-1234", "secret": secret, "step": "60"})
    assert response.status_code == 302, response.content.decode()[:2000]
    card = TOTPDevice.objects.get(card_serial="GZ-1234")
    assert card.kind == TOTPDevice.Kind.CARD and card.step == 60 and card.confirmed
    assert card.bin_key == b"12345678901234567890"
    assert CARD_KEY_HEX not in card.encrypted_key
    assert crypto.decrypt(card.encrypted_key) == b"12345678901234567890"
    page = staff_client.get(f"/admin/aidants/totpdevice/{card.pk}/change/").content.decode()
    assert CARD_KEY_HEX not in page and secret not in page and card.encrypted_key not in page
    enrolled = Entry.objects.get(event_type=EventType.DEVICE_ENROLLED)
    assert enrolled.payload["card_serial"] == "GZ-1234"
    assert secret not in str(enrolled.payload)
    assert Entry.objects.filter(event_type=EventType.ADMIN_CREATED).exists()


def test_card_with_short_or_duplicate_secret_is_refused(staff_client, aidant):
    response = staff_client.post("/admin/aidants/totpdevice/add/", {
        "user": aidant.pk, "card_serial": "GZ-1", "secret": "abcd", "step": "60"})
    assert "trop courte" in response.content.decode()
    staff_client.post("/admin/aidants/totpdevice/add/", {
        "user": aidant.pk, "card_serial": "GZ-1", "secret": CARD_KEY_HEX, "step": "60"})
    response = staff_client.post("/admin/aidants/totpdevice/add/", {
        "user": aidant.pk, "card_serial": "GZ-1", "secret": CARD_KEY_HEX, "step": "60"})
    assert response.status_code == 200
    assert TOTPDevice.objects.filter(card_serial="GZ-1").count() == 1


def test_bulk_delete_journals_each_object(staff_client, db):
    first, second = factories.OrganisationFactory(), factories.OrganisationFactory()
    response = staff_client.post("/admin/aidants/organisation/", {
        "action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"})
    assert response.status_code == 302
    assert not Organisation.objects.filter(pk__in=[first.pk, second.pk]).exists()
    assert LogEntry.objects.count() == 2
    deleted = Entry.objects.filter(event_type=EventType.ADMIN_DELETED)
    assert sorted(e.payload["object_id"] for e in deleted) == sorted([str(first.pk),
                                                                      str(second.pk)])


def test_single_delete_is_journaled_once(staff_client, db):
    organisation = factories.OrganisationFactory()
    staff_client.post(f"/admin/aidants/organisation/{organisation.pk}/delete/", {"post": "yes"})
    assert Entry.objects.filter(event_type=EventType.ADMIN_DELETED).count() == 1
