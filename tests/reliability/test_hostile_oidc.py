"""Hostile protocol parameters on our identity provider (authorize, token, userinfo,
end_session): an RFC error or our French error page, never a 500, never a redirect to an
unregistered URI, no token or code row written."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from audit.events import EventType
from oidc_bridge import keys
from oidc_bridge.models import AccessToken, AuthorizationCode
from oidc_bridge.protocol.validation import SINGLE_VALUED
from tests.oidc_bridge.provider_kit import LOGOUT_URI, REDIRECT_URI, SECRET, authorize_params
from tests.oidc_bridge.provider_kit import register as register_client
from tests.reliability.support import (
    BOUNDED,
    HOSTILE,
    HOSTILE_TEXT,
    Unchanged,
    assert_clean_refusal,
    raw_get,
    raw_post,
)

AUTHORIZE_PARAMS = ["response_type", "client_id", "redirect_uri", "scope", "state", "nonce",
                    "acr_values", "claims", "prompt", "max_age", "code_challenge",
                    "code_challenge_method", "response_mode", "ui_locales", "login_hint"]
TOKEN_PARAMS = ["grant_type", "code", "redirect_uri", "client_id", "client_secret",
                "code_verifier"]
RFC6749_ERRORS = {"invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
                  "unsupported_grant_type", "invalid_scope"}


@pytest.fixture
def registered(db):
    # Development signing keys are created on first use: create them before counting rows.
    keys.forget_cached_keyring()
    keys.keyring()
    yield register_client()
    keys.forget_cached_keyring()


def _assert_safe_location(response) -> None:
    """A redirect goes to a registered URI or stays on our site (a path, never //host)."""
    if response.status_code in (301, 302, 303, 307, 308):
        location = response["Location"]
        assert location.startswith(REDIRECT_URI + "?") or (
            location.startswith("/") and not location.startswith("//")
            and not location.startswith("/\\")), location


@pytest.mark.django_db
@BOUNDED
@given(name=st.sampled_from(AUTHORIZE_PARAMS), value=HOSTILE_TEXT, twice=st.booleans())
def test_authorize_one_hostile_parameter(registered, aidant, login, name, value, twice):
    params = list(authorize_params().items())
    params = [(k, v) for k, v in params if k != name] + [(name, value)]
    if twice:
        params.append((name, "second"))
    client = login(Client(), aidant)
    # authorize shows the usager choice itself: a hostile rep_scope that matches no mandate is
    # refused there, and that refusal is journaled (and nothing else is written).
    with Unchanged(EventType.DELEGATED_LOGIN_REFUSED):
        response = raw_get(client, reverse("oidc_bridge:provider_authorize"), params)
    assert_clean_refusal(response, allow=(200, 302, 400, 403))
    _assert_safe_location(response)
    if twice and name in SINGLE_VALUED:  # RFC 6749 3.1: refused, never redirected
        assert response.status_code == 400, response.status_code


@pytest.mark.django_db
@BOUNDED
@given(pairs=st.lists(st.tuples(st.sampled_from(AUTHORIZE_PARAMS), HOSTILE_TEXT), max_size=8))
def test_authorize_all_hostile_anonymous(registered, pairs):
    with Unchanged():
        response = raw_get(Client(), reverse("oidc_bridge:provider_authorize"), pairs)
    assert_clean_refusal(response, allow=(200, 302, 400))
    _assert_safe_location(response)


@pytest.mark.django_db
@BOUNDED
@given(name=st.sampled_from(TOKEN_PARAMS), value=HOSTILE_TEXT, twice=st.booleans(),
       basic=st.one_of(st.none(), HOSTILE_TEXT))
def test_token_endpoint(registered, name, value, twice, basic):
    form = {"grant_type": "authorization_code", "code": "x" * 43, "redirect_uri": REDIRECT_URI,
            "client_id": "fc-hub", "client_secret": SECRET}
    pairs = [(k, v) for k, v in form.items() if k != name] + [(name, value)]
    if twice:
        pairs.append((name, value))
    extra = {"HTTP_AUTHORIZATION": "Basic " + basic} if basic is not None else {}
    with Unchanged():
        response = raw_post(Client(), reverse("oidc_bridge:provider_token"), pairs, **extra)
    assert response.status_code in (400, 401), (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)["error"] in RFC6749_ERRORS
    assert response["Cache-Control"].startswith("no-store") or "no-store" in \
        response["Cache-Control"]
    assert not AccessToken.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("body,content_type", [
    (b'{"grant_type": "authorization_code", "code": ["a"]}', "application/json"),
    (b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"),
    (b"grant_type=authorization_code&code=a&code=b", "application/x-www-form-urlencoded"),
    (b"--x\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\n\x00\r\n--x--",
     "multipart/form-data; boundary=x"),
])
def test_token_endpoint_wrong_body_types(registered, body, content_type):
    with Unchanged():
        response = Client().generic("POST", reverse("oidc_bridge:provider_token"), body,
                                    content_type=content_type)
    assert response.status_code in (400, 401), response.status_code
    assert json.loads(response.content)["error"] in RFC6749_ERRORS


@pytest.mark.django_db
@BOUNDED
@given(header=st.one_of(HOSTILE_TEXT, HOSTILE_TEXT.map(lambda v: "Bearer " + v)),
       method=st.sampled_from(["GET", "POST"]))
def test_userinfo_hostile_bearer(registered, header, method):
    with Unchanged():
        response = Client().generic(method, reverse("oidc_bridge:provider_userinfo"),
                                    HTTP_AUTHORIZATION=header.replace("\ud800", "?")
                                    .encode("utf-8", "replace").decode("latin-1"))
    assert response.status_code == 401, response.status_code
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
@BOUNDED
@given(pairs=st.lists(st.tuples(st.sampled_from(
    ["id_token_hint", "post_logout_redirect_uri", "state", "client_id"]),
    st.one_of(HOSTILE_TEXT, st.sampled_from([LOGOUT_URI, "https://evil.example/"]))),
    max_size=6), method=st.sampled_from(["GET", "POST"]))
def test_end_session_hostile(registered, pairs, method):
    send = raw_get if method == "GET" else raw_post
    with Unchanged():
        response = send(Client(), reverse("oidc_bridge:provider_end_session"), pairs)
    assert_clean_refusal(response, allow=(200, 400))  # no valid hint: never a redirect
    assert not AuthorizationCode.objects.exists()


@pytest.mark.django_db
@BOUNDED
@given(value=HOSTILE)
def test_choice_pages_with_hostile_txn_and_values(aidant, login, value):
    client = login(Client(), aidant)
    txn = "a" * 20
    with Unchanged():
        for name in ("provider_select_usager", "provider_select_demarche"):
            url = reverse(f"oidc_bridge:{name}", args=[txn])
            assert_clean_refusal(client.get(url), allow=(404,))
            response = raw_post(client, url, [("usager", value), ("demarche", value)])
            assert_clean_refusal(response, allow=(404, 405))
