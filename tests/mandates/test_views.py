from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.events import EventType
from audit.models import Entry
from mandates.identity import VerifiedIdentity, store_verified_identity
from mandates.models import Mandate
from tests import factories

IDENTITY = VerifiedIdentity(issuer="http://testserver/fc", sub="b" * 64, given_name="Élodie",
                            family_name="Lefèvre", birthdate="1950-00-00", acr="eidas1")


def put_identity(client, identity=IDENTITY):
    session = client.session
    store_verified_identity(session_request(session), identity)
    session.save()


def session_request(session):
    class Request:
        pass
    request = Request()
    request.session = session
    return request


def choose(client, demarches=("social", "argent"), duration="1d"):
    return client.post(reverse("mandates:create"),
                       {"demarches": list(demarches), "duration": duration})


def test_step1_lists_offered_demarches_with_descriptions(aidant_client, organisation):
    organisation.allowed_demarches = ["social", "argent"]
    organisation.save()
    page = aidant_client.get(reverse("mandates:create")).content.decode()
    assert "Social – Santé" in page and "CAF, CPAM (ameli), MSA" in page
    assert "ne doit jamais gérer l&#x27;argent" in page
    assert "Papiers" not in page
    response = choose(aidant_client, demarches=["papiers"])
    assert response.status_code == 200
    assert "papiers n&#x27;est pas un choix valide" in response.content.decode() or \
        "choix valide" in response.content.decode()


def test_wizard_end_to_end(aidant_client, aidant, organisation, time_machine):
    time_machine.move_to(datetime(2026, 3, 29, 8, 0, tzinfo=UTC), tick=False)
    assert choose(aidant_client).url == reverse("mandates:create_identify")
    page = aidant_client.get(reverse("mandates:create_identify")).content.decode()
    assert "Identifier l'usager" in page and "Social – Santé" in page
    assert f'href="{reverse("oidc_bridge:fc_login")}"' in page
    put_identity(aidant_client)
    recap = aidant_client.get(reverse("mandates:create_recap")).content.decode()
    assert "Ce mandat en remplace un autre" not in recap
    assert "Élodie" in recap and "Lefèvre" in recap and "année 1950" in recap
    assert "le dimanche 29 mars 2026 à minuit" in recap
    assert "Payer, gérer l'argent" in recap
    refused = aidant_client.post(reverse("mandates:create_recap"), {"usager_consent": "on"})
    assert "Votre engagement d&#x27;aidant est obligatoire" in refused.content.decode()
    assert not Mandate.objects.exists()
    done = aidant_client.post(reverse("mandates:create_recap"),
                              {"usager_consent": "on", "aidant_consent": "on"})
    mandate = Mandate.objects.get()
    assert done.url == reverse("mandates:detail", args=[mandate.pk])
    assert mandate.expires_at == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    assert mandate.created_by == aidant and mandate.organisation == organisation
    assert "mandates.verified_identity" not in aidant_client.session
    detail = aidant_client.get(done.url).content.decode()
    assert "Le mandat est créé" in detail and mandate.short_code in detail
    assert reverse("mandates:receipt_pdf", args=[mandate.pk]) in detail
    assert reverse("mandates:revocation_receipt_pdf", args=[mandate.pk]) not in detail
    assert Entry.objects.filter(event_type=EventType.MANDATE_CREATED, mandate_id=mandate.pk,
                                actor_aidant_id=aidant.pk).exists()


def test_recap_without_identity_goes_back(aidant_client):
    choose(aidant_client)
    response = aidant_client.get(reverse("mandates:create_recap"))
    assert response.url == reverse("mandates:create")


def test_superseding_is_announced(aidant_client, aidant, organisation):
    old = factories.MandateFactory(organisation=organisation, demarches=["social"],
                                   usager=factories.UsagerFactory(fc_issuer=IDENTITY.issuer,
                                                                  fc_sub=IDENTITY.sub))
    choose(aidant_client, demarches=["social"])
    put_identity(aidant_client)
    recap = aidant_client.get(reverse("mandates:create_recap")).content.decode()
    assert "Ce mandat en remplace un autre" in recap
    assert f"Social – Santé (mandat du {timezone.localtime(old.created_at):%d/%m/%Y}" in recap
    response = aidant_client.post(reverse("mandates:create_recap"),
                                  {"usager_consent": "on", "aidant_consent": "on"}, follow=True)
    page = response.content.decode()
    assert "a été révoquée : ce nouveau mandat la remplace" in page
    assert old.authorisations.get().revoked_at is not None


def test_wizard_requires_fresh_otp(aidant_client, time_machine):
    time_machine.move_to(datetime.now(UTC) + timedelta(minutes=16))
    response = aidant_client.get(reverse("mandates:create"))
    assert response.status_code == 302 and reverse("aidants:reauthenticate") in response.url


def listing(client, query):
    page = client.get(reverse("mandates:space"), {"q": query}).content.decode()
    return page.split("se terminent dans les")[0]


def test_space_lists_search_and_expiring(aidant_client, organisation, time_machine):
    alice = factories.UsagerFactory(given_name="Élise", family_name="Ærnès",
                                    birthdate="1950-03-14")
    bob = factories.UsagerFactory(given_name="Bob", family_name="Martin", birthdate="1961-01-02")
    factories.MandateFactory(organisation=organisation, usager=alice)
    soon = factories.MandateFactory(organisation=organisation, usager=bob)
    Mandate.objects.filter(pk=soon.pk).update(expires_at=soon.created_at + timedelta(days=10))
    factories.MandateFactory(usager=factories.UsagerFactory(family_name="Ailleurs"))
    page = aidant_client.get(reverse("mandates:space")).content.decode()
    assert "Ærnès" in page and "Martin" in page and "Ailleurs" not in page
    found = listing(aidant_client, "elise")
    assert "Ærnès" in found and "Martin" not in found
    by_date = listing(aidant_client, "14/03/1950")
    assert "Ærnès" in by_date and "Bob" not in by_date
    assert "Bob" in listing(aidant_client, "MARTIN bob") and "Ærnès" not in listing(
        aidant_client, "1961")
    assert "Ailleurs" not in listing(aidant_client, "ailleurs")
    ended = factories.MandateFactory(
        organisation=organisation, usager=factories.UsagerFactory(family_name="Terminé"),
        created_at=timezone.now() - timedelta(days=40), expires_at=timezone.now())
    assert "Terminé" not in listing(aidant_client, "")
    with_ended = aidant_client.get(reverse("mandates:space"), {"ended": "on"}).content.decode()
    assert "Terminé" in with_ended.split("se terminent dans les")[0]
    assert ended.usager.family_name == "Terminé"
    expiring = page.split("se terminent dans les 30 jours")[1]
    assert "Bob Martin" in expiring and "Élise" not in expiring


def test_usager_file_shows_mandates_and_journal(aidant_client, aidant, organisation):
    mandate = factories.MandateFactory(organisation=organisation, demarches=["social", "travail"])
    from mandates import services
    services.authorisation_revoke(authorisation=mandate.authorisations.get(demarche="travail"),
                                  actor=aidant, reason="Plus besoin")
    page = aidant_client.get(reverse("mandates:usager", args=[mandate.usager_id])).content.decode()
    assert mandate.usager.family_name in page
    assert "badge-active" in page and "badge-revoked" in page
    assert "Autorisation révoquée" in page


@pytest.mark.parametrize("name", ["detail", "revoke", "renew", "usager", "authorisation_revoke"])
def test_same_404_for_missing_and_other_structure(aidant_client, name):
    other = factories.MandateFactory(demarches=["social"])
    args = {"usager": [other.usager_id],
            "authorisation_revoke": [other.pk, other.authorisations.get().pk]}.get(name, [other.pk])
    missing = {"usager": [999999], "authorisation_revoke": [999999, 999999]}.get(name, [999999])
    forbidden = aidant_client.get(reverse(f"mandates:{name}", args=args))
    absent = aidant_client.get(reverse(f"mandates:{name}", args=missing))
    assert forbidden.status_code == absent.status_code == 404
    assert forbidden.content == absent.content
    assert aidant_client.post(reverse(f"mandates:{name}", args=args),
                              {"reason": "x", "confirm": "True"}).status_code == 404
    assert other.authorisations.get().revoked_at is None


def test_revoke_mandate_with_confirm_step(aidant_client, aidant, organisation):
    mandate = factories.MandateFactory(organisation=organisation, demarches=["social"])
    url = reverse("mandates:revoke", args=[mandate.pk])
    confirm = aidant_client.post(url, {"reason": "Demande de l'usager"}).content.decode()
    assert "Confirmez la révocation" in confirm
    mandate.refresh_from_db()
    assert mandate.revoked_at is None
    empty = aidant_client.post(url, {"reason": ""}).content.decode()
    assert "Indiquez le motif" in empty and 'aria-invalid="true"' in empty
    done = aidant_client.post(url, {"reason": "Demande de l'usager", "confirm": "True"})
    assert done.url == reverse("mandates:detail", args=[mandate.pk])
    mandate.refresh_from_db()
    assert mandate.revoked_by == aidant
    assert Entry.objects.filter(event_type=EventType.MANDATE_REVOKED, mandate_id=mandate.pk,
                                actor_aidant_id=aidant.pk).exists()


def test_revoke_one_authorisation(aidant_client, organisation):
    mandate = factories.MandateFactory(organisation=organisation, demarches=["social", "famille"])
    social = mandate.authorisations.get(demarche="social")
    url = reverse("mandates:authorisation_revoke", args=[mandate.pk, social.pk])
    aidant_client.post(url, {"reason": "Erreur", "confirm": "True"})
    social.refresh_from_db()
    assert social.revoked_at is not None
    page = aidant_client.get(reverse("mandates:detail", args=[mandate.pk])).content.decode()
    assert reverse("mandates:revocation_receipt_pdf", args=[mandate.pk]) in page
    assert "Erreur" in page and "badge-revoked" in page
    assert mandate.authorisations.get(demarche="famille").revoked_at is None


def test_renew_page(aidant_client, aidant, organisation):
    mandate = factories.MandateFactory(organisation=organisation, demarches=["social"])
    url = reverse("mandates:renew", args=[mandate.pk])
    assert "Renouveler le mandat de" in aidant_client.get(url).content.decode()
    response = aidant_client.post(url, {"demarches": ["social"], "duration": "6m",
                                        "usager_consent": "on", "aidant_consent": "on"})
    new = Mandate.objects.get(renewed_from=mandate)
    assert response.url == reverse("mandates:detail", args=[new.pk])
    assert Entry.objects.filter(event_type=EventType.MANDATE_RENEWED, mandate_id=new.pk).exists()


def test_habilitation_refusal_shown(organisation, login):
    member = factories.AidantFactory(structure=organisation, habilitated=False)
    factories.TOTPDeviceFactory(user=member)
    client = login(Client(), member)
    choose(client)
    put_identity(client)
    page = client.post(reverse("mandates:create_recap"),
                       {"usager_consent": "on", "aidant_consent": "on"}).content.decode()
    assert "pas habilité" in page and not Mandate.objects.exists()


def test_identify_page_without_franceconnect_says_so(aidant_client, monkeypatch):
    from mandates import views
    assert views.optional_url("oidc_bridge:does_not_exist") is None
    monkeypatch.setattr(views, "optional_url", lambda name, *args: None)
    choose(aidant_client)
    page = aidant_client.get(reverse("mandates:create_identify")).content.decode()
    assert "La connexion FranceConnect n'est pas encore disponible" in page


def test_identify_without_draft_goes_back(aidant_client):
    response = aidant_client.get(reverse("mandates:create_identify"))
    assert response.url == reverse("mandates:create")


def test_revoke_and_renew_require_fresh_otp(aidant_client, organisation, time_machine):
    mandate = factories.MandateFactory(organisation=organisation)
    time_machine.move_to(datetime.now(UTC) + timedelta(minutes=16))
    for name in ("revoke", "renew"):
        response = aidant_client.post(reverse(f"mandates:{name}", args=[mandate.pk]),
                                      {"reason": "x", "confirm": "True"})
        assert response.status_code == 302 and reverse("aidants:reauthenticate") in response.url
    mandate.refresh_from_db()
    assert mandate.revoked_at is None


def test_space_requires_login(client):
    response = client.get(reverse("mandates:space"))
    assert response.status_code == 302 and reverse("aidants:login") in response.url
