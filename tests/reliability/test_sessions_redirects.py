"""Session fixation and open redirects.

- The session key planted before login differs from the key after the password step and from
  the key after the code step.
- Every `next`/redirect parameter (login, code step, re-authentication, logout, structure
  choice, OIDC redirect_uri and post_logout_redirect_uri, FranceConnect callbacks) never sends
  the browser off-site, whatever the spelling of the hostile URL.
"""

from urllib.parse import urlencode, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.aidants.helpers import post_code, post_password, totp_code
from tests.oidc_bridge import provider_kit as kit

EVIL = [
    "//evil.example", "https://evil.example", "http://evil.example/x", "/\\evil.example",
    "\\\\evil.example", "javascript:alert(1)", "JavaScript:alert(1)", "%2F%2Fevil.example",
    "/%2F/evil.example", "/%5Cevil.example", "https:evil.example", "https:/evil.example",
    " //evil.example", "\t//evil.example", "/\t/evil.example", "\x00//evil.example",
    "http://testserver@evil.example", "//testserver.evil.example", "data:text/html,x",
    "https://evil.example#@testserver", "/\\/evil.example", "ftp://evil.example",
]
ALLOWED_HOSTS = {"", "testserver", "127.0.0.1:8000", "caf.example"}


def off_site(location: str) -> bool:
    """Would a browser leave our site? Browsers strip leading blanks and read \\ as /."""
    cleaned = location.lstrip(" \t\r\n\x00").replace("\\", "/")
    parts = urlsplit(cleaned)
    return parts.scheme not in ("", "http", "https") or parts.netloc not in ALLOWED_HOSTS


def assert_stays(response) -> None:
    assert response.status_code < 500, response.status_code
    if response.status_code in (301, 302, 303, 307, 308):
        assert not off_site(response["Location"]), response["Location"]


def test_off_site_detector_catches_every_payload():
    assert all(off_site(url) for url in ["//evil.example", "/\\evil.example", "javascript:x",
                                          "https://evil.example", " //evil.example"])
    assert not off_site("/mandats/") and not off_site("http://testserver/x")


@pytest.mark.django_db
def test_session_key_changes_at_each_login_step(aidant, time_machine):
    client = Client()
    session = client.session
    session["planted"] = True
    session.save()
    planted = session.session_key
    assert post_password(client, aidant.email).status_code == 302
    after_password = client.cookies["sessionid"].value
    assert post_code(client, totp_code()).status_code == 302
    after_code = client.cookies["sessionid"].value
    assert len({planted, after_password, after_code}) == 3
    from aidants.models import AidantSession

    assert not AidantSession.objects.filter(session_key__in=[planted, after_password]).exists()
    assert client.get(reverse("aidants:home")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("evil", EVIL)
def test_login_next_through_both_steps(aidant, time_machine, evil):
    client = Client()
    assert_stays(client.get(reverse("aidants:login"), {"next": evil}))
    step1 = post_password(client, aidant.email, next_url=evil)
    assert_stays(step1)
    step2 = post_code(client, totp_code())
    assert step2.status_code == 302
    assert_stays(step2)
    assert_stays(client.get(reverse("aidants:login"), {"next": evil}))  # logged in: redirect


@pytest.mark.django_db
@pytest.mark.parametrize("evil", EVIL)
def test_reauthenticate_logout_and_structure_next(aidant, login, evil):
    client = login(Client(), aidant)
    assert_stays(client.get(reverse("aidants:reauthenticate"), {"next": evil}))
    done = client.post(f"{reverse('aidants:reauthenticate')}?{urlencode({'next': evil})}",
                       {"code": totp_code(), "next": evil})
    assert done.status_code == 302
    assert_stays(done)
    assert_stays(client.post(reverse("aidants:switch_structure"),
                             {"organisation": aidant.current_structure_id, "next": evil}))
    out = client.post(reverse("aidants:logout"), {"next": evil})
    assert out.status_code == 302
    assert_stays(out)


@pytest.mark.django_db
@pytest.mark.parametrize("evil", EVIL)
def test_oidc_redirect_uri_never_followed_unless_registered(aidant, login, evil):
    kit.register()
    client = login(Client(), aidant)
    response = client.get(kit.authorize_url(kit.authorize_params(redirect_uri=evil)))
    assert response.status_code == 400, response.status_code
    assert "pas reconnu" in response.content.decode()
    assert "Location" not in response


@pytest.fixture
def id_token_hint(aidant, login, organisation):
    """A real id_token from a finished delegated login (to hint end_session)."""
    kit.register()
    usager = factories.MandateFactory(organisation=organisation, created_by=aidant,
                                      demarches=["social"]).usager
    http = login(Client(), aidant)
    code = kit.code_from(kit.choose(http, kit.authorize_params(), usager=usager,
                                    demarche="social"))
    return kit.token_request(Client(), code).json()["id_token"]


@pytest.mark.django_db
@pytest.mark.parametrize("evil", EVIL)
def test_post_logout_redirect_uri_only_if_registered(id_token_hint, evil):
    for method in ("get", "post"):
        response = getattr(Client(), method)(reverse("oidc_bridge:provider_end_session"), {
            "id_token_hint": id_token_hint, "post_logout_redirect_uri": evil, "state": "s"})
        assert response.status_code in (200, 400), response.status_code
        assert "Location" not in response


@pytest.mark.django_db
def test_post_logout_redirect_uri_registered_is_followed(id_token_hint):
    response = Client().get(reverse("oidc_bridge:provider_end_session"), {
        "id_token_hint": id_token_hint, "post_logout_redirect_uri": kit.LOGOUT_URI, "state": "s"})
    assert response.status_code == 302
    assert response["Location"] == f"{kit.LOGOUT_URI}?state=s"


@pytest.mark.django_db
@pytest.mark.parametrize("evil", EVIL)
def test_franceconnect_callbacks_ignore_redirect_parameters(aidant_client, evil):
    for name in ("fc_callback", "fc_logout_callback"):
        response = aidant_client.get(reverse(f"oidc_bridge:{name}"), {
            "next": evil, "redirect_uri": evil, "post_logout_redirect_uri": evil,
            "state": "x", "code": "y"})
        assert_stays(response)
