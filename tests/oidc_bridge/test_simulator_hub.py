"""The simulated hub and the CAF demo refuse what FranceConnect and a careful site refuse."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from oidc_bridge.simulator.views_hub import CAF_CLIENT_ID
from tests.oidc_bridge import fc_support
from tests.oidc_bridge import test_end_to_end_delegated as delegated
from tests.oidc_bridge.fc_support import follow, location, path_of, query_of
from tests.oidc_bridge.test_end_to_end_delegated import (
    choose_usager,
    log_in_again,
    to_our_provider,
)

pytestmark = pytest.mark.django_db
fc_http = fc_support.fc_http
usager = delegated.usager
hub_registered = delegated.hub_registered
HUB = "/simulateur/hub/api/v2"


def test_hub_discovery_and_unknown_client(client):
    doc = client.get(f"{HUB}/.well-known/openid-configuration").json()
    assert doc["issuer"] == settings.SITE_URL + HUB
    refused = client.get(f"{HUB}/authorize", {"client_id": "inconnu", "redirect_uri": "x"})
    assert refused.status_code == 400


def test_hub_callback_needs_its_transaction_and_browser(client):
    response = client.get(reverse("fc_simulator:hub_callback"), {"code": "c", "state": "0" * 64})
    assert response.status_code == 400
    assert "Aucune connexion en cours" in response.content.decode()


def test_caf_callback_without_its_cookie(client):
    response = client.get(reverse("fc_simulator:caf_callback"), {"code": "c", "state": "s"})
    assert response.status_code == 400
    assert "Recommencez" in response.content.decode()


def test_hub_state_is_single_use_and_bound_to_the_browser(aidant_client, aidant, usager,
                                                          hub_registered, fc_http):
    idp_url = to_our_provider(aidant_client)
    authorize_again = log_in_again(aidant_client, aidant,
                                   location(follow(aidant_client, idp_url)))
    hub_callback = choose_usager(aidant_client, usager, authorize_again)
    # Another browser (no hub cookie) cannot use this state.
    assert Client().get(path_of(hub_callback)).status_code == 400
    assert follow(aidant_client, hub_callback).status_code == 302
    assert follow(aidant_client, hub_callback).status_code == 400  # replay


def test_hub_token_endpoint_authenticates_the_site(client):
    response = client.post(f"{HUB}/token", {
        "grant_type": "authorization_code", "code": "x", "client_id": CAF_CLIENT_ID,
        "client_secret": "mauvais", "redirect_uri": "x"})
    assert response.status_code == 401 and response.json() == {"error": "invalid_client"}


def test_hub_cancel_goes_back_to_the_site(client, fc_http):
    url = location(client.get(reverse("fc_simulator:caf_login")))
    back = location(client.post(path_of(url).split("?")[0], {**query_of(url), "idp": "cancel"}))
    assert query_of(back)["error"] == "access_denied"
    page = follow(client, back)
    assert "annulée" in page.content.decode()
