"""Token, userinfo and end_session endpoints: client authentication, code rules, tokens."""

import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from joserfc.jwk import ECKey, KeySet

from audit.events import EventType
from audit.models import Entry
from oidc_bridge import services
from oidc_bridge.models import AccessToken, AuthorizationCode
from oidc_bridge.protocol import jose, pkce
from tests import factories
from tests.oidc_bridge import provider_kit as kit
from tests.oidc_bridge.provider_kit import fresh_keyring  # noqa: F401  (autouse fixture)


@pytest.fixture
def issue_code(aidant_client, rp, mandate, usager):
    def issue(**params):
        return kit.code_from(kit.choose(aidant_client, kit.authorize_params(**params),
                                        usager=usager, demarche="social"))
    return issue


def userinfo(token: str):
    return Client().get(reverse("oidc_bridge:provider_userinfo"),
                        HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.parametrize("basic", [False, True])
def test_wrong_secret_is_invalid_client(issue_code, basic):
    response = kit.token_request(Client(), issue_code(), secret="mauvais", basic=basic)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "no-store" in response["Cache-Control"]
    assert response.has_header("WWW-Authenticate") is basic
    assert not AccessToken.objects.exists()


def test_unknown_client_and_missing_credentials(issue_code):
    code = issue_code()
    assert kit.token_request(Client(), code, client_id="inconnu").status_code == 401
    response = Client().post(reverse("oidc_bridge:provider_token"), {
        "grant_type": "authorization_code", "code": code, "redirect_uri": kit.REDIRECT_URI})
    assert response.json()["error"] == "invalid_client"
    # The code survived the failed attempts: the rightful client still redeems it.
    assert kit.token_request(Client(), code).status_code == 200


def test_two_authentication_methods_is_invalid_request(issue_code):
    response = kit.token_request(Client(), issue_code(), basic=True, client_secret=kit.SECRET)
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_unsupported_grant_type(issue_code):
    response = kit.token_request(Client(), issue_code(), grant_type="refresh_token")
    assert response.json()["error"] == "unsupported_grant_type"


def test_token_endpoint_only_accepts_post(db):
    assert Client().get(reverse("oidc_bridge:provider_token")).status_code == 405


def test_code_replay_is_refused_and_revokes_the_tokens_it_issued(issue_code):
    code = issue_code()
    first = kit.token_request(Client(), code).json()
    assert userinfo(first["access_token"]).status_code == 200
    replay = kit.token_request(Client(), code)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    revoked = userinfo(first["access_token"])
    assert revoked.status_code == 401
    assert 'error="invalid_token"' in revoked["WWW-Authenticate"]
    entry = Entry.objects.get(event_type=EventType.CODE_REPLAYED)
    assert entry.payload["tokens_revoked"] == 1 and entry.oidc_client_id == "fc-hub"
    assert AccessToken.objects.get().revoked_at is not None


def test_code_expires_after_60_seconds(issue_code, time_machine):
    time_machine.move_to(timezone.now())
    code = issue_code()
    time_machine.shift(timedelta(seconds=61))
    response = kit.token_request(Client(), code)
    assert response.json() == {"error": "invalid_grant", "error_description": "Code expiré"}


def test_code_is_bound_to_its_client(issue_code):
    kit.register("autre-client")
    code = issue_code()
    assert kit.token_request(Client(), code, client_id="autre-client").json()["error"] == \
        "invalid_grant"
    assert kit.token_request(Client(), code).status_code == 200


def test_code_is_bound_to_its_redirect_uri(issue_code):
    response = kit.token_request(Client(), issue_code(), redirect_uri=kit.REDIRECT_URI + "/")
    assert response.json()["error"] == "invalid_grant"


def test_pkce_s256(issue_code):
    verifier = "v" * 20 + "-._~" + "w" * 30
    code = issue_code(code_challenge=pkce.s256(verifier), code_challenge_method="S256")
    assert kit.token_request(Client(), code).json()["error"] == "invalid_grant"
    assert kit.token_request(Client(), code, code_verifier="x" * 54).json()["error"] == \
        "invalid_grant"
    assert kit.token_request(Client(), code, code_verifier=verifier).status_code == 200


def test_verifier_without_challenge_is_a_downgrade(issue_code):
    response = kit.token_request(Client(), issue_code(), code_verifier="v" * 43)
    assert response.json()["error"] == "invalid_grant"


def test_mandate_revoked_between_code_and_token(issue_code, mandate):
    code = issue_code()
    mandate.revoked_at = timezone.now()
    mandate.save()
    assert kit.token_request(Client(), code).json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()


def test_access_token_expires(issue_code, time_machine):
    time_machine.move_to(timezone.now())
    body = kit.token_request(Client(), issue_code()).json()
    time_machine.shift(timedelta(seconds=61))
    assert userinfo(body["access_token"]).status_code == 401


def test_userinfo_without_or_with_bad_token(db):
    bare = Client().get(reverse("oidc_bridge:provider_userinfo"))
    assert bare.status_code == 401 and bare["WWW-Authenticate"] == 'Bearer realm="oidc"'
    bad = userinfo("pas-un-jeton")
    assert bad.status_code == 401 and bad["WWW-Authenticate"].startswith(
        'Bearer error="invalid_token"')


def test_end_session_refuses_unregistered_redirect(issue_code):
    body = kit.token_request(Client(), issue_code()).json()
    response = Client().get(reverse("oidc_bridge:provider_end_session"), {
        "id_token_hint": body["id_token"], "state": "s",
        "post_logout_redirect_uri": "https://evil.example/"})
    assert response.status_code == 400 and not response.has_header("Location")
    # The session is ended anyway: the hint was genuine.
    assert userinfo(body["access_token"]).status_code == 401


def test_end_session_ignores_a_forged_hint(issue_code):
    body = kit.token_request(Client(), issue_code()).json()
    stranger = jose.with_kid(ECKey.generate_key("P-256"))
    forged = jose.sign({"iss": settings.OIDC_ISSUER, "aud": "fc-hub",
                        "sid": AuthorizationCode.objects.get().sid}, stranger)
    response = Client().get(reverse("oidc_bridge:provider_end_session"), {
        "id_token_hint": forged, "post_logout_redirect_uri": kit.LOGOUT_URI})
    assert response.status_code == 400
    assert userinfo(body["access_token"]).status_code == 200
    assert not Entry.objects.filter(event_type=EventType.SESSION_ENDED).exists()


def test_end_session_without_hint_shows_a_page(db):
    response = Client().get(reverse("oidc_bridge:provider_end_session"))
    assert response.status_code == 200 and "terminée" in response.content.decode()


def test_key_rotation_keeps_old_tokens_verifiable(issue_code, time_machine):
    from oidc_bridge import keys

    time_machine.move_to(timezone.now())
    body = kit.token_request(Client(), issue_code()).json()
    old_kid = jose._header(body["id_token"])["kid"]
    keys.rotate_database_keys()
    published = KeySet.import_key_set(Client().get(reverse("oidc_bridge:provider_jwks")).json())
    assert old_kid in {k.kid for k in published.keys} and len(published.keys) == 4
    jose.verify(body["id_token"], published, issuer=settings.OIDC_ISSUER, audience="fc-hub",
                now=time.time())
    signed_now = jose.sign({"a": 1}, keys.keyring().signing_key("ES256"))
    assert jose._header(signed_now)["kid"] != old_kid
    time_machine.shift(keys.max_token_lifetime() + timedelta(seconds=1))
    kids = {k["kid"] for k in Client().get(reverse("oidc_bridge:provider_jwks")).json()["keys"]}
    assert old_kid not in kids and len(kids) == 2


@pytest.mark.django_db(transaction=True)
def test_parallel_redemptions_cannot_both_succeed(aidant, organisation):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks; SQLite serialises writers anyway")
    from oidc_bridge.protocol.validation import parse_authorization_request

    rp = kit.register()
    usager = factories.UsagerFactory()
    factories.MandateFactory(organisation=organisation, usager=usager, demarches=["social"])
    request = parse_authorization_request(kit.authorize_params(), kit.REDIRECT_URI)
    code, _ = services.delegated_login_start(
        aidant=aidant, client=rp, request=request, usager_id=usager.pk, demarche="social",
        auth_time=timezone.now(), acr="eidas1", amr=["pwd", "otp"])
    results, barrier = [], threading.Barrier(4)

    def redeem():
        barrier.wait()
        results.append(kit.token_request(Client(), code).status_code)
        connection.close()

    threads = [threading.Thread(target=redeem) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 400, 400, 400]
    assert AccessToken.objects.filter(revoked_at__isnull=True).count() == 0
    assert Entry.objects.filter(event_type=EventType.CODE_REPLAYED).count() == 3
