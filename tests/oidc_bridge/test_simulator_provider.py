"""The simulated FranceConnect v2 (citizen side) behaves as our reference says FC does."""

import base64
import hashlib
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from joserfc import jwt
from joserfc.jwk import KeySet

from oidc_bridge.simulator.models import Grant
from tests.oidc_bridge.fc_support import location, query_of

pytestmark = pytest.mark.django_db
FC = "/simulateur/franceconnect/api/v2"


@pytest.fixture
def redirect_uri():
    return settings.SITE_URL + reverse("oidc_bridge:fc_callback")


@pytest.fixture
def params(redirect_uri):
    return {"response_type": "code", "client_id": settings.FRANCECONNECT_CLIENT_ID,
            "redirect_uri": redirect_uri, "scope": "openid given_name family_name birthdate",
            "state": "etat-" + "a" * 40, "nonce": "n" * 43, "acr_values": "eidas1"}


def get_code(client, params, citizen="helene") -> str:
    response = client.post(f"{FC}/authorize", {**params, "citizen": citizen})
    answer = query_of(location(response))
    assert answer["state"] == params["state"]
    return answer["code"]


def token(client, code, redirect_uri, secret=None, **extra):
    return client.post(f"{FC}/token", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "client_id": settings.FRANCECONNECT_CLIENT_ID,
        "client_secret": secret or settings.FRANCECONNECT_CLIENT_SECRET, **extra})


def keyset(client) -> KeySet:
    return KeySet.import_key_set(client.get(f"{FC}/jwks").json())


def test_discovery(client):
    doc = client.get(f"{FC}/.well-known/openid-configuration").json()
    assert doc["issuer"] == settings.FRANCECONNECT_ISSUER
    for name in ("authorize", "token", "userinfo", "jwks", "session/end"):
        assert f"{doc['issuer']}/{name}" in doc.values()
    assert doc["token_endpoint_auth_methods_supported"] == ["client_secret_post"]
    assert doc["id_token_signing_alg_values_supported"] == ["ES256"]
    assert doc["userinfo_signing_alg_values_supported"] == ["ES256"]
    assert doc["subject_types_supported"] == ["pairwise"]
    assert "eidas1" in doc["acr_values_supported"]
    keys = client.get(f"{FC}/jwks").json()["keys"]
    assert len(keys) == 1 and keys[0]["kid"] and keys[0]["alg"] == "ES256"
    assert "d" not in keys[0]


def test_full_exchange(client, params, redirect_uri):
    code = get_code(client, params)
    response = token(client, code, redirect_uri)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 60
    decoded = jwt.decode(body["id_token"], keyset(client), algorithms=["ES256"])
    claims = decoded.claims
    assert decoded.header["kid"] == keyset(client).keys[0].kid
    assert claims["iss"] == settings.FRANCECONNECT_ISSUER
    assert claims["aud"] == settings.FRANCECONNECT_CLIENT_ID
    assert claims["nonce"] == params["nonce"] and claims["acr"] == "eidas1"
    assert claims["exp"] - claims["iat"] == 60
    assert len(claims["sub"]) == 66
    digest = hashlib.sha256(body["access_token"].encode()).digest()[:16]
    assert claims["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    info = client.get(f"{FC}/userinfo", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert info["Content-Type"] == "application/jwt"
    user = jwt.decode(info.content.decode(), keyset(client), algorithms=["ES256"]).claims
    assert user["sub"] == claims["sub"]
    # Only the requested scopes' claims.
    assert (user["given_name"], user["family_name"], user["birthdate"]) == (
        "Hélène Marie", "Martin", "1946-00-00")
    assert "birthplace" not in user and "email" not in user
    grant = Grant.objects.get()
    assert grant.code_sha256 != code and grant.access_token_sha256 != body["access_token"]


@pytest.mark.parametrize("change", [
    {"client_id": "inconnu"},
    {"redirect_uri": "http://127.0.0.1:8000/franceconnect/retour"},  # no trailing slash
    {"redirect_uri": "http://127.0.0.1:8001/franceconnect/retour/"},
    {"redirect_uri": "https://evil.example/franceconnect/retour/"},
])
def test_authorize_refuses_without_redirecting(client, params, change):
    response = client.get(f"{FC}/authorize", {**params, **change})
    assert response.status_code == 400
    assert "Demande refusée" in response.content.decode()


@pytest.mark.parametrize(("change", "error"), [
    ({"nonce": "n" * 21}, "invalid_request"),
    ({"acr_values": ""}, "invalid_request"),
    ({"state": ""}, "invalid_request"),
    ({"scope": "given_name"}, "invalid_scope"),
    ({"response_type": "token"}, "unsupported_response_type"),
])
def test_authorize_errors_go_back_to_the_client(client, params, change, error):
    answer = query_of(location(client.get(f"{FC}/authorize", {**params, **change})))
    assert answer["error"] == error
    assert answer.get("state", "") == change.get("state", params["state"])


def test_cancel_is_access_denied(client, params):
    answer = query_of(location(client.post(f"{FC}/authorize", {**params, "cancel": "1"})))
    assert answer == {"error": "access_denied", "state": params["state"]}


def test_no_citizen_chosen(client, params):
    response = client.post(f"{FC}/authorize", params)
    assert response.status_code == 400
    assert 'aria-describedby="citizen-error"' in response.content.decode()


def test_token_endpoint_rules(client, params, redirect_uri, time_machine):
    time_machine.move_to(timezone.now())
    code = get_code(client, params)
    assert token(client, code, redirect_uri, secret="mauvais").json() == {
        "error": "invalid_client"}
    assert token(client, code, redirect_uri + "x").json() == {"error": "invalid_grant"}
    assert token(client, code, redirect_uri, grant_type="password").json() == {
        "error": "unsupported_grant_type"}
    assert token(client, code, redirect_uri).status_code == 200
    assert token(client, code, redirect_uri).json() == {"error": "invalid_grant"}  # replay
    late = get_code(client, params)
    time_machine.shift(timedelta(seconds=31))  # codes live 30 s
    assert token(client, late, redirect_uri).json() == {"error": "invalid_grant"}


def test_userinfo_refuses_bad_or_expired_token(client, params, redirect_uri, time_machine):
    time_machine.move_to(timezone.now())
    access = token(client, get_code(client, params), redirect_uri).json()["access_token"]
    for header in ("", "Bearer nope", f"Basic {access}"):
        response = client.get(f"{FC}/userinfo", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    time_machine.shift(timedelta(seconds=61))  # access tokens live 60 s
    assert client.get(f"{FC}/userinfo",
                      HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 401


def test_session_end(client, params, redirect_uri):
    id_token = token(client, get_code(client, params), redirect_uri).json()["id_token"]
    back = settings.SITE_URL + reverse("oidc_bridge:fc_logout_callback")
    ok = client.get(f"{FC}/session/end", {"id_token_hint": id_token, "state": "s1",
                                          "post_logout_redirect_uri": back})
    assert location(ok) == f"{back}?state=s1"
    for hint, target in ((id_token, "https://evil.example/"), ("forged.token.x", back)):
        refused = client.get(f"{FC}/session/end", {"id_token_hint": hint, "state": "s1",
                                                   "post_logout_redirect_uri": target})
        assert refused.status_code == 400


def test_pairwise_sub_differs_per_client(settings, params, redirect_uri):
    first = Client()
    sub_a = jwt.decode(token(first, get_code(first, params), redirect_uri).json()["id_token"],
                       keyset(first), algorithms=["ES256"]).claims["sub"]
    settings.FRANCECONNECT_CLIENT_ID = "autre-service"
    other = {**params, "client_id": "autre-service"}
    code = get_code(first, other)
    body = first.post(f"{FC}/token", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "client_id": "autre-service", "client_secret": settings.FRANCECONNECT_CLIENT_SECRET})
    sub_b = jwt.decode(body.json()["id_token"], keyset(first), algorithms=["ES256"]).claims["sub"]
    assert sub_a != sub_b and len(sub_b) == 66
