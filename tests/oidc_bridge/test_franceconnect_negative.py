"""Every client-side rule of the FranceConnect login, broken one at a time, through the views.

Each failure must end on a French page, write one FC_LOGIN_FAILED entry whose payload names the
reason (and holds no token), and leave neither a usager row nor an identity in the session.
Forged tokens are produced by rewriting the simulator's answers on their way to our client.
"""

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from joserfc import jwt
from joserfc.jwk import ECKey

from audit.events import EventType
from audit.models import Entry
from mandates.identity import SESSION_KEY
from mandates.models import Usager
from oidc_bridge.franceconnect.errors import Reason, message_for
from oidc_bridge.simulator import keys
from tests.oidc_bridge import fc_support
from tests.oidc_bridge.fc_support import (
    follow,
    json_body,
    location,
    query_of,
    set_json,
    unverified_claims,
)

pytestmark = pytest.mark.django_db
fc_http = fc_support.fc_http


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_sim(claims: dict, **header) -> str:
    """Signed with the simulator's real key: only the claims are wrong."""
    key = keys.signing_key("fc-citizen")
    return jwt.encode({"alg": "ES256", "kid": key.kid, **header}, claims, key)


def alg_none(claims: dict) -> str:
    return f"{b64(json.dumps({'alg': 'none'}).encode())}.{b64(json.dumps(claims).encode())}."


def hs256(claims: dict, secret: str, kid: str) -> str:
    """HMAC "signed" with a shared secret: the classic algorithm-confusion forgery."""
    head = b64(json.dumps({"alg": "HS256", "kid": kid}).encode())
    body = b64(json.dumps(claims).encode())
    mac = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(mac)}"


def rewrite_id_token(adapter, forge):
    def rewriter(request, response):
        data = json_body(response)
        data["id_token"] = forge(unverified_claims(data["id_token"]), data["id_token"])
        return set_json(response, data)

    adapter.rewrite("/token", rewriter)


def rewrite_userinfo(adapter, forge):
    def rewriter(request, response):
        response._content = forge(unverified_claims(response.text)).encode()
        return response

    adapter.rewrite("/userinfo", rewriter)


def callback_url(client, citizen="angela") -> str:
    authorize_url = location(client.get(reverse("oidc_bridge:fc_login")))
    follow(client, authorize_url)
    path = authorize_url.split("127.0.0.1:8000", 1)[1].split("?")[0]
    return location(client.post(path, {**query_of(authorize_url), "citizen": citizen}))


def assert_failed(client, response, reason: str, status: int = 400, succeeded: int = 0):
    assert response.status_code == status
    text = response.content.decode()
    assert "Identification FranceConnect interrompue" in text
    assert escape(message_for(Reason(reason))) in text
    assert reason in text
    failed = Entry.objects.filter(event_type=EventType.FC_LOGIN_FAILED)
    assert [entry.payload["reason"] for entry in failed] == [reason]
    assert set(failed[0].payload) == {"issuer", "reason"}
    assert Usager.objects.count() == 0
    assert SESSION_KEY not in client.session
    assert Entry.objects.filter(event_type=EventType.FC_LOGIN_SUCCEEDED).count() == succeeded


def run(client) -> object:
    return follow(client, callback_url(client))


def test_tampered_signature(aidant_client, fc_http):
    def forge(claims, token):
        head, body, signature = token.split(".")
        claims["sub"] = "0" * 64 + "v1"
        return f"{head}.{b64(json.dumps(claims).encode())}.{signature}"

    rewrite_id_token(fc_http, forge)
    assert_failed(aidant_client, run(aidant_client), "bad_signature")


def test_alg_none(aidant_client, fc_http):
    rewrite_id_token(fc_http, lambda claims, token: alg_none(claims))
    assert_failed(aidant_client, run(aidant_client), "alg_not_allowed")


def test_hs256_with_the_client_secret(aidant_client, fc_http, settings):
    kid = keys.signing_key("fc-citizen").kid
    rewrite_id_token(fc_http, lambda claims, token: hs256(
        claims, settings.FRANCECONNECT_CLIENT_SECRET, kid))
    assert_failed(aidant_client, run(aidant_client), "alg_not_allowed")


def test_unknown_kid_refetches_jwks_once_then_refuses(aidant_client, fc_http):
    attacker = ECKey.generate_key("P-256", parameters={"kid": "attacker", "alg": "ES256"})
    rewrite_id_token(fc_http, lambda claims, token: jwt.encode(
        {"alg": "ES256", "kid": "attacker"}, claims, attacker))
    assert_failed(aidant_client, run(aidant_client), "unknown_kid")
    jwks_calls = [path for method, path in fc_http.calls if path.endswith("/jwks")]
    assert len(jwks_calls) == 2  # cached set, then one refresh for a possible rotation


@pytest.mark.parametrize(("change", "reason"), [
    ({"iss": "https://evil.example/api/v2"}, "wrong_issuer"),
    ({"aud": "another-client"}, "wrong_audience"),
    ({"aud": ["procuration-mandats", "another-client"]}, "wrong_audience"),  # no azp
    ({"nonce": "x" * 43}, "wrong_nonce"),
    ({"nonce": None}, "wrong_nonce"),
    ({"acr": "eidas0"}, "acr_too_low"),
    ({"acr": None}, "acr_too_low"),
    ({"exp": None}, "malformed_token"),
])
def test_wrong_id_token_claims(aidant_client, fc_http, change, reason):
    def forge(claims, token):
        claims.update(change)
        return sign_sim({k: v for k, v in claims.items() if v is not None})

    rewrite_id_token(fc_http, forge)
    assert_failed(aidant_client, run(aidant_client), reason)


def test_higher_acr_is_accepted(aidant_client, fc_http):
    rewrite_id_token(fc_http, lambda claims, token: sign_sim({**claims, "acr": "eidas2"}))
    response = run(aidant_client)
    assert response.status_code == 302
    assert aidant_client.session[SESSION_KEY]["acr"] == "eidas2"


def test_expired_id_token(aidant_client, fc_http, time_machine):
    time_machine.move_to(timezone.now())

    def slow_network(request, response):
        # The id_token (60 s) arrives, then the clock runs past exp + leeway before we check.
        time_machine.shift(timedelta(seconds=95))

    fc_http.rewrite("/token", slow_network)
    assert_failed(aidant_client, run(aidant_client), "token_expired")


@pytest.mark.parametrize(("change", "reason"), [
    ({"sub": "f" * 64 + "v1"}, "sub_mismatch"),
    ({"iss": "https://evil.example/api/v2"}, "wrong_issuer"),
    ({"aud": "another-client"}, "wrong_audience"),
    ({"exp": 1_000_000_000}, "token_expired"),
])
def test_userinfo_claims(aidant_client, fc_http, change, reason):
    rewrite_userinfo(fc_http, lambda claims: sign_sim({**claims, **change}))
    assert_failed(aidant_client, run(aidant_client), reason)


def test_userinfo_with_bad_signature(aidant_client, fc_http):
    attacker = ECKey.generate_key("P-256")
    kid = keys.signing_key("fc-citizen").kid
    rewrite_userinfo(fc_http, lambda claims: jwt.encode(
        {"alg": "ES256", "kid": kid}, {**claims, "given_name": "Mallory"}, attacker))
    assert_failed(aidant_client, run(aidant_client), "bad_signature")


def test_userinfo_as_plain_json_is_refused(aidant_client, fc_http):
    def as_json(request, response):
        response._content = json.dumps(unverified_claims(response.text)).encode()
        response.headers["Content-Type"] = "application/json"
        return response

    fc_http.rewrite("/userinfo", as_json)
    assert_failed(aidant_client, run(aidant_client), "userinfo_not_signed")


@pytest.mark.parametrize(("change", "reason"), [
    ({"birthplace": "123"}, "identity_invalid"),
    ({"birthdate": "1946-13-00"}, "identity_invalid"),
    ({"birthcountry": "France"}, "identity_invalid"),
    ({"given_name": ""}, "identity_invalid"),
])
def test_identity_in_unexpected_format(aidant_client, fc_http, change, reason):
    rewrite_userinfo(fc_http, lambda claims: sign_sim({**claims, **change}))
    assert_failed(aidant_client, run(aidant_client), reason)


def test_replayed_callback(aidant_client, fc_http):
    url = callback_url(aidant_client)
    assert follow(aidant_client, url).status_code == 302
    session = aidant_client.session
    session.pop(SESSION_KEY, None)
    session.save()
    assert_failed(aidant_client, follow(aidant_client, url), "state_reused", succeeded=1)


def test_missing_state(aidant_client, fc_http):
    url = callback_url(aidant_client)
    code = query_of(url)["code"]
    response = aidant_client.get(reverse("oidc_bridge:fc_callback"), {"code": code})
    assert_failed(aidant_client, response, "state_missing")


def test_forged_state_does_not_cancel_the_real_login(aidant_client, fc_http):
    url = callback_url(aidant_client)
    forged = aidant_client.get(reverse("oidc_bridge:fc_callback"),
                               {"code": query_of(url)["code"], "state": "x" * 43})
    assert_failed(aidant_client, forged, "state_mismatch")
    assert follow(aidant_client, url).status_code == 302
    assert aidant_client.session[SESSION_KEY]["family_name"] == "Dubois"


def test_state_expired(aidant_client, fc_http, time_machine):
    time_machine.move_to(timezone.now())
    url = callback_url(aidant_client)
    time_machine.shift(timedelta(minutes=16))
    assert_failed(aidant_client, follow(aidant_client, url), "state_expired")


def test_usager_cancels_at_franceconnect(aidant_client, fc_http):
    authorize_url = location(aidant_client.get(reverse("oidc_bridge:fc_login")))
    path = authorize_url.split("127.0.0.1:8000", 1)[1].split("?")[0]
    back = location(aidant_client.post(path, {**query_of(authorize_url), "cancel": "1"}))
    assert query_of(back)["error"] == "access_denied"
    response = follow(aidant_client, back)
    assert_failed(aidant_client, response, "user_cancelled", status=200)
    assert "annulée" in response.content.decode()


def test_error_callback(aidant_client, fc_http):
    state = query_of(location(aidant_client.get(reverse("oidc_bridge:fc_login"))))["state"]
    response = aidant_client.get(reverse("oidc_bridge:fc_callback"),
                                 {"error": "server_error", "state": state})
    assert_failed(aidant_client, response, "provider_error")


def test_authorization_response_from_another_issuer(aidant_client, fc_http):
    url = callback_url(aidant_client)
    response = aidant_client.get(reverse("oidc_bridge:fc_callback"),
                                 {**query_of(url), "iss": "https://evil.example"})
    assert_failed(aidant_client, response, "wrong_issuer")


def test_code_replayed_at_the_provider(aidant_client, fc_http):
    url = callback_url(aidant_client)
    code = query_of(url)["code"]
    follow(aidant_client, url)
    state = query_of(location(aidant_client.get(reverse("oidc_bridge:fc_login"))))["state"]
    session = aidant_client.session
    session.pop(SESSION_KEY, None)
    session.save()
    response = aidant_client.get(reverse("oidc_bridge:fc_callback"),
                                 {"code": code, "state": state})
    assert_failed(aidant_client, response, "token_refused", succeeded=1)


@pytest.mark.parametrize("endpoint", ["/token", "/userinfo", "/jwks"])
def test_provider_unreachable_during_callback(aidant_client, fc_http, endpoint):
    url = callback_url(aidant_client)
    fc_http.unreachable.add(endpoint)
    response = follow(aidant_client, url)
    assert_failed(aidant_client, response, "provider_unreachable", status=502)
    assert "ne répond pas" in response.content.decode()


def test_provider_unreachable_at_start(aidant_client, fc_http):
    fc_http.unreachable.add("/openid-configuration")
    response = aidant_client.get(reverse("oidc_bridge:fc_login"))
    assert_failed(aidant_client, response, "provider_unreachable", status=502)
    assert not Entry.objects.filter(event_type=EventType.FC_LOGIN_STARTED).exists()
