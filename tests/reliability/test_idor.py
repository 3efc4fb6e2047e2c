"""IDOR across structures: an aidant (or référent) of structure B on every URL naming an object
of structure A gets exactly the page a missing object gets (404, same body), for GET and POST,
and nothing changes."""

import pytest
from django.test import Client
from django.urls import reverse

from aidants.models import Membership
from habilitation.models import HabilitationRequest, HabilitationStatus, TOTPCard
from mandates import services as mandate_services
from tests import factories
from tests.reliability.support import Unchanged

MISSING = 987654


@pytest.fixture
def structure_a(db):
    """Structure A: a mandate with one of its two authorisations revoked, a card, a request."""
    organisation = factories.OrganisationFactory()
    owner = factories.AidantFactory(structure=organisation)
    mandate = factories.MandateFactory(organisation=organisation, created_by=owner,
                                       demarches=["social", "logement"])
    authorisation = mandate.authorisations.get(demarche="logement")
    mandate_services.authorisation_revoke(authorisation=authorisation, actor=owner,
                                          reason="Demande de l'usager")
    card = TOTPCard(serial="SN-A-0001", step=60, organisation=organisation)
    card.set_key(bytes(range(20)))
    card.save()
    request = HabilitationRequest.objects.get(aidant=owner)
    return {"mandate": mandate, "authorisation": mandate.authorisations.get(demarche="social"),
            "usager": mandate.usager, "card": card, "aidant": owner, "request": request}


@pytest.fixture
def referent_b(db, login):
    organisation = factories.OrganisationFactory()
    referent = factories.AidantFactory(structure=organisation)
    Membership.objects.filter(aidant=referent).update(role=Membership.Role.REFERENT)
    factories.TOTPDeviceFactory(user=referent)
    return login(Client(), referent)


def _urls(a):
    m, auth = a["mandate"].pk, a["authorisation"].pk
    return [
        ("mandates:detail", [m], [MISSING]),
        ("mandates:revoke", [m], [MISSING]),
        ("mandates:renew", [m], [MISSING]),
        ("mandates:authorisation_revoke", [m, auth], [MISSING, MISSING]),
        ("mandates:authorisation_revoke", [m, auth], [m, MISSING]),
        ("mandates:receipt_pdf", [m], [MISSING]),
        ("mandates:revocation_receipt_pdf", [m], [MISSING]),
        ("mandates:usager", [a["usager"].pk], [MISSING]),
        ("habilitation:request_detail", [a["request"].pk], [MISSING]),
        ("habilitation:request_action", [a["request"].pk, "refuse"], [MISSING, "refuse"]),
        ("habilitation:request_action", [a["request"].pk, "complete"], [MISSING, "complete"]),
        ("habilitation:card_assign", [a["card"].pk], [MISSING]),
        ("habilitation:card_confirm", [a["card"].pk], [MISSING]),
        ("habilitation:card_lost", [a["card"].pk], [MISSING]),
        ("habilitation:card_deactivate", [a["card"].pk], [MISSING]),
        ("habilitation:aidant_deactivate", [a["aidant"].pk], [MISSING]),
        ("habilitation:aidant_invite", [a["aidant"].pk], [MISSING]),
    ]


def test_every_object_url_of_another_structure_is_a_plain_404(structure_a, referent_b):
    assert structure_a["request"].status == HabilitationStatus.HABILITATED
    post = {"reason": "Essai", "confirm": "True", "aidant": "1", "code": "123456",
            "duration": "12m", "demarches": "social", "usager_consent": "on",
            "aidant_consent": "on"}
    statuses = set()
    with Unchanged():
        for name, args, missing in _urls(structure_a):
            for method in ("get", "post"):
                call = getattr(referent_b, method)
                forbidden = call(reverse(name, args=args), post)
                absent = call(reverse(name, args=missing), post)
                # 405: a GET-only (or POST-only) view refuses the method before any lookup.
                assert forbidden.status_code in (404, 405), (name, method, forbidden.status_code)
                assert forbidden.status_code == absent.status_code, (name, method)
                assert forbidden.content == absent.content, (name, method)
                statuses.add((name, forbidden.status_code))
    # Every URL was reached at least once with a 404 (not only refused by method).
    assert {n for n, _ in statuses} == {n for n, code in statuses if code == 404}
    card = TOTPCard.objects.get(pk=structure_a["card"].pk)
    assert card.status == TOTPCard.Status.AVAILABLE and card.aidant_id is None
    assert structure_a["aidant"].is_active
    assert structure_a["authorisation"].revoked_at is None


def test_stats_only_show_the_current_structure(structure_a, referent_b):
    page = referent_b.get(reverse("mandates:stats")).content.decode()
    assert structure_a["mandate"].organisation.name not in page
    csv = referent_b.get(reverse("mandates:stats_csv")).content.decode()
    assert structure_a["mandate"].organisation.siret not in csv


def test_delegated_login_cannot_pick_a_usager_of_another_structure(structure_a, referent_b):
    """B's aidant (with a usable mandate of their own) posts A's usager at the usager choice:
    refused like an unknown id, no code issued, A's usager never shown."""
    from oidc_bridge.models import AuthorizationCode
    from tests.oidc_bridge.provider_kit import (
        authorize_params,
        authorize_url,
        choice_url,
        register,
    )

    aidant_b = referent_b.session["_auth_user_id"]
    structure_b = factories.AidantFactory._meta.model.objects.get(pk=aidant_b).current_structure
    factories.MandateFactory(organisation=structure_b, demarches=["social"])
    register()
    response = referent_b.get(authorize_url(authorize_params()))
    assert structure_a["usager"].family_name not in response.content.decode()
    url = choice_url(response)
    with Unchanged():
        forbidden = referent_b.post(url, {"usager": structure_a["usager"].pk})
        absent = referent_b.post(url, {"usager": MISSING})
    assert forbidden.status_code == absent.status_code
    assert forbidden.status_code in (200, 400, 404), forbidden.status_code
    assert not AuthorizationCode.objects.exists()
