"""End to end, role 1: the mandate wizard identifies the usager through the simulator.

aidant (fresh OTP) -> fc_login -> simulated FranceConnect authorize (choose a citizen) ->
fc_callback (code exchange, id_token and signed userinfo verified) -> FranceConnect session/end
-> fc_logout_callback -> mandates:create_recap, with the identity in the session.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.events import EventType
from audit.models import Entry
from mandates.identity import SESSION_KEY
from mandates.models import Usager
from oidc_bridge.simulator.citizens import BY_KEY
from tests.oidc_bridge import fc_support
from tests.oidc_bridge.fc_support import follow, location, query_of

pytestmark = pytest.mark.django_db
fc_http = fc_support.fc_http


def start(client) -> str:
    return location(client.get(reverse("oidc_bridge:fc_login")))


def choose(client, authorize_url: str, citizen: str) -> str:
    page = follow(client, authorize_url)
    assert page.status_code == 200
    return location(client.post(page.request["PATH_INFO"], {
        **query_of(authorize_url), "citizen": citizen}))


def identify(client, citizen: str):
    callback_url = choose(client, start(client), citizen)
    logout_url = location(follow(client, callback_url))
    back_url = location(follow(client, logout_url))
    return logout_url, back_url, follow(client, back_url)


def test_authorization_request_is_franceconnect_v2_shaped(aidant_client, fc_http, settings):
    url = start(aidant_client)
    params = query_of(url)
    assert url.startswith(settings.FRANCECONNECT_ISSUER + "/authorize?")
    assert params["response_type"] == "code"
    assert params["client_id"] == settings.FRANCECONNECT_CLIENT_ID
    assert params["redirect_uri"] == settings.SITE_URL + reverse("oidc_bridge:fc_callback")
    assert params["acr_values"] == "eidas1"
    assert params["prompt"] == "login"
    assert params["scope"].split() == ["openid", "given_name", "family_name", "birthdate",
                                       "gender", "birthplace", "birthcountry",
                                       "preferred_username", "email"]
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32
    assert params["state"] != params["nonce"]
    started = Entry.objects.get(event_type=EventType.FC_LOGIN_STARTED)
    assert started.payload == {"issuer": settings.FRANCECONNECT_ISSUER, "acr_values": "eidas1"}
    # A second login draws fresh values.
    assert query_of(start(aidant_client))["state"] != params["state"]


def test_citizen_page_lists_varied_test_people(aidant_client, fc_http):
    page = follow(aidant_client, start(aidant_client))
    text = page.content.decode()
    for expected in ("Jean-François Éric", "1946-00-00", "2A004", "Annuler"):
        assert expected in text
    assert '<html lang="fr">' in text


@pytest.mark.parametrize("citizen", ["helene", "youssef", "marie-ange", "jean-francois"])
def test_identity_reaches_the_recap_and_session_is_ended(aidant_client, aidant, fc_http,
                                                         settings, citizen):
    logout_url, back_url, recap = identify(aidant_client, citizen)

    expected = BY_KEY[citizen]
    stored = aidant_client.session[SESSION_KEY]
    assert stored["given_name"] == expected.given_name
    assert stored["family_name"] == expected.family_name
    assert stored["birthdate"] == expected.birthdate  # presumed dates kept as text
    assert stored["birthplace"] == expected.birthplace
    assert stored["birthcountry"] == expected.birthcountry
    assert stored["preferred_username"] == expected.preferred_username
    assert stored["gender"] == expected.gender
    assert stored["acr"] == "eidas1"
    assert stored["issuer"] == settings.FRANCECONNECT_ISSUER
    assert len(stored["sub"]) == 66 and stored["sub"].endswith("v1")
    # session/end carries id_token_hint, state and our exact post-logout URI.
    logout = query_of(logout_url)
    assert logout_url.startswith(settings.FRANCECONNECT_ISSUER + "/session/end?")
    assert logout["id_token_hint"].count(".") == 2
    assert logout["post_logout_redirect_uri"] == (
        settings.SITE_URL + reverse("oidc_bridge:fc_logout_callback"))
    assert query_of(back_url)["state"] == logout["state"]
    assert recap.status_code == 302 and recap["Location"] == reverse("mandates:create_recap")
    # Journal: started + succeeded, the sub as erasable personal data, no token anywhere.
    succeeded = Entry.objects.get(event_type=EventType.FC_LOGIN_SUCCEEDED)
    assert succeeded.actor_aidant_id == aidant.pk
    assert succeeded.personal_data == {"fc_sub": stored["sub"]}
    assert expected.family_name not in str(succeeded.payload)
    for entry in Entry.objects.all():
        assert logout["id_token_hint"] not in f"{entry.payload}{entry.personal_data}"
    assert not Entry.objects.filter(event_type=EventType.FC_LOGIN_FAILED).exists()
    assert Usager.objects.count() == 0  # created only when the recap is confirmed


def test_sub_is_pairwise_and_stable(aidant_client, fc_http):
    identify(aidant_client, "angela")
    first = aidant_client.session[SESSION_KEY]["sub"]
    identify(aidant_client, "angela")
    assert aidant_client.session[SESSION_KEY]["sub"] == first
    identify(aidant_client, "zoe")
    assert aidant_client.session[SESSION_KEY]["sub"] != first


def test_login_needs_a_fresh_otp(aidant_client, fc_http, time_machine):
    # 16 minutes without activity: still logged in, but the TOTP code is no longer fresh.
    time_machine.move_to(timezone.now() + timedelta(minutes=16))
    response = aidant_client.get(reverse("oidc_bridge:fc_login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("aidants:reauthenticate"))
    assert not Entry.objects.filter(event_type=EventType.FC_LOGIN_STARTED).exists()


def test_anonymous_cannot_start(client, fc_http):
    response = client.get(reverse("oidc_bridge:fc_login"))
    assert response.status_code == 302 and reverse("aidants:login") in response["Location"]
