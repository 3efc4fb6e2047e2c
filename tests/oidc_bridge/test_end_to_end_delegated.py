"""End to end, role 2: a public site receives the usager's identity from an aidant's login.

"CAF – démo" -> simulated FranceConnect hub (choose "Procuration – aidants") -> our identity
provider (prompt=login: password and TOTP again; then the usager) -> hub
(verifies our tokens, relays the identity and the `act` claim) -> CAF page showing the usager's
identity and "Démarche faite par un aidant : <name>, <structure>".
Server-to-server calls (hub -> our provider, CAF -> hub) run in-process (tests.oidc_bridge.
fc_support.DjangoAdapter).
"""

import html
import json
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from audit.events import EventType
from audit.models import Entry
from oidc_bridge import demo
from oidc_bridge.simulator.models import Grant, HubTransaction
from oidc_bridge.simulator.views_hub import HUB_CLIENT_ID
from tests import factories
from tests.aidants.helpers import totp_code
from tests.factories import DEFAULT_PASSWORD
from tests.oidc_bridge import fc_support
from tests.oidc_bridge.fc_support import follow, location, path_of, query_of
from tests.oidc_bridge.provider_kit import choice_url

pytestmark = pytest.mark.django_db
fc_http = fc_support.fc_http


@pytest.fixture
def usager(organisation):
    usager = factories.UsagerFactory(given_name="Hélène Marie", family_name="Martin",
                                     preferred_username="Rousseau", birthdate="1946-00-00",
                                     birthplace="59350", birthcountry="99100")
    factories.MandateFactory(organisation=organisation, usager=usager, demarches=["social"])
    return usager


@pytest.fixture
def hub_registered(db):
    demo.seed(stdout=None)


def to_our_provider(browser) -> str:
    """CAF -> hub -> (choice) -> our authorize URL."""
    page = browser.get(reverse("fc_simulator:caf_index"))
    assert "Se connecter avec FranceConnect" in page.content.decode()
    hub_url = location(browser.get(reverse("fc_simulator:caf_login")))
    choice = follow(browser, hub_url)
    assert "Procuration – aidants" in choice.content.decode()
    return location(browser.post(path_of(hub_url).split("?")[0],
                                 {**query_of(hub_url), "idp": "procuration"}))


def log_in_again(browser, aidant, login_url: str) -> str:
    """prompt=login: our provider logged the aidant out; password, then TOTP code."""
    assert path_of(login_url).startswith(reverse("aidants:login"))
    next_url = query_of(login_url)["next"]
    code_page = location(browser.post(reverse("aidants:login"), {
        "username": aidant.email, "password": DEFAULT_PASSWORD, "next": next_url}))
    return location(browser.post(code_page, {"code": totp_code()}))


def choose_usager(browser, usager, authorize_url: str) -> str:
    """Choose the usager; when their mandates cover one of the démarches the hub asks for
    (social, famille, logement) that click sends the aidant back to the hub, else the démarche
    page asks and `social` is chosen."""
    select = choice_url(browser.get(path_of(authorize_url)))
    after = location(browser.post(select, {"usager": str(usager.pk)}))
    if path_of(after).endswith("/demarche"):
        assert "Quelle démarche" in browser.get(after).content.decode()
        after = location(browser.post(after, {"demarche": "social"}))
    return after


def test_caf_receives_usager_identity_and_aidant_actor(aidant_client, aidant, organisation,
                                                      usager, hub_registered, fc_http):
    idp_url = to_our_provider(aidant_client)
    # The hub asks our provider exactly what FranceConnect asks (franceconnect.md).
    params = query_of(idp_url)
    assert idp_url.startswith(settings.OIDC_ISSUER + "/oidc/authorize?")
    assert params["client_id"] == HUB_CLIENT_ID
    assert params["acr_values"] == "eidas1" and params["prompt"] == "login"
    assert params["scope"] == "openid profile email birth"
    assert re.fullmatch(r"[0-9a-f]{64}", params["state"])
    assert re.fullmatch(r"[0-9a-f]{64}", params["nonce"])
    assert "code_challenge" not in params
    assert json.loads(params["claims"]) == {"id_token": {"rep_scope": {
        "essential": True, "values": ["social", "famille", "logement"]}}}

    login_url = location(follow(aidant_client, idp_url))
    authorize_again = log_in_again(aidant_client, aidant, login_url)
    hub_callback = choose_usager(aidant_client, usager, authorize_again)
    assert hub_callback.startswith(settings.SITE_URL + reverse("fc_simulator:hub_callback"))
    caf_callback = location(follow(aidant_client, hub_callback))
    assert caf_callback.startswith(settings.SITE_URL + reverse("fc_simulator:caf_callback"))
    page = follow(aidant_client, caf_callback)

    assert page.status_code == 200
    text = page.content.decode()
    for shown in ("Hélène Marie", "Martin", "Rousseau", "année 1946 (date présumée)",
                  "valeur reçue : 1946-00-00", "59350", "démarches : Social – Santé"):
        assert escape(shown) in text
    assert escape(f"Démarche faite par un aidant : {aidant.get_full_name()}, "
                  f"{organisation.name}") in text
    # Our provider journaled the delegated use; the hub used each code once.
    entry = Entry.objects.get(event_type=EventType.DELEGATED_LOGIN)
    assert (entry.actor_aidant_id, entry.usager_id, entry.oidc_client_id, entry.demarche) == (
        aidant.pk, usager.pk, HUB_CLIENT_ID, "social")
    assert HubTransaction.objects.get().used_at is not None
    assert Grant.objects.get(provider=Grant.Provider.HUB).code_used_at is not None
    called = {path for _, path in fc_http.calls}
    assert {"/oidc/token", "/oidc/userinfo", "/simulateur/hub/api/v2/token",
            "/simulateur/hub/api/v2/userinfo"} <= called

    # The site logs out through the hub, which ends our provider's session too (cascade).
    logout_url = html.unescape(re.search(r'href="([^"]*/session/end\?[^"]*)"', text).group(1))
    caf_state = query_of(logout_url)["state"]
    to_idp = location(follow(aidant_client, logout_url))
    assert to_idp.startswith(settings.OIDC_ISSUER + "/oidc/logout?")
    back_to_hub = location(follow(aidant_client, to_idp))
    assert back_to_hub.startswith(settings.SITE_URL + reverse("fc_simulator:hub_logout_return"))
    back_to_caf = location(follow(aidant_client, back_to_hub))
    assert back_to_caf == (settings.SITE_URL + reverse("fc_simulator:caf_index")
                           + f"?state={caf_state}")
    assert Entry.objects.filter(event_type=EventType.SESSION_ENDED,
                                oidc_client_id=HUB_CLIENT_ID).count() == 1
    assert follow(aidant_client, back_to_hub).status_code == 400  # logout state used once


def test_aidant_cancel_goes_back_to_caf(aidant_client, aidant, usager, hub_registered,
                                        fc_http):
    idp_url = to_our_provider(aidant_client)
    authorize_again = log_in_again(aidant_client, aidant,
                                   location(follow(aidant_client, idp_url)))
    select = choice_url(aidant_client.get(path_of(authorize_again)))
    txn_cancel = select.rsplit("/", 1)[0] + "/annuler"
    hub_callback = location(aidant_client.post(txn_cancel))
    assert query_of(hub_callback)["error"] == "access_denied"
    caf_callback = location(follow(aidant_client, hub_callback))
    assert query_of(caf_callback)["error"] == "access_denied"
    page = follow(aidant_client, caf_callback)
    assert "annulée" in page.content.decode()
    assert "Démarche faite par un aidant" not in page.content.decode()


def test_demo_seed_is_idempotent(db):
    first = demo.seed(stdout=None)
    demo.seed(stdout=None)
    assert Entry.objects.filter(event_type=EventType.CLIENT_REGISTERED).count() == 1
    assert any("/simulateur/caf/" in line for line in first)
