"""End to end through the Django test client: authorize → choices → token → userinfo → logout."""

import time

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from joserfc.jwk import KeySet

from audit.events import EventType
from audit.models import Entry
from oidc_bridge.models import AccessToken, AuthorizationCode
from oidc_bridge.protocol import jose
from oidc_bridge.protocol.claims import pairwise_sub
from tests import factories
from tests.oidc_bridge import provider_kit as kit
from tests.oidc_bridge.provider_kit import fresh_keyring  # noqa: F401  (autouse fixture)


@pytest.fixture
def usager(db):
    return factories.UsagerFactory(given_name="Marie Louise", family_name="Dupont",
                                   preferred_username="Martin", birthdate="1948-07-00",
                                   birthplace="", birthcountry="99134", email="")


@pytest.fixture
def mandate(organisation, usager):
    return factories.MandateFactory(organisation=organisation, usager=usager,
                                    demarches=["social", "logement"])


def jwks(http) -> KeySet:
    return KeySet.import_key_set(http.get(reverse("oidc_bridge:provider_jwks")).json())


def test_discovery_lists_endpoints_and_capabilities(client, db):
    doc = client.get("/.well-known/openid-configuration").json()
    assert doc["issuer"] == settings.OIDC_ISSUER
    assert doc["token_endpoint"] == settings.OIDC_ISSUER + "/oidc/token"
    assert doc["end_session_endpoint"] == settings.OIDC_ISSUER + "/oidc/logout"
    assert doc["id_token_signing_alg_values_supported"] == ["ES256", "RS256"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["subject_types_supported"] == ["pairwise"]
    assert doc["acr_values_supported"] == ["eidas1"]
    assert set(doc["token_endpoint_auth_methods_supported"]) == {
        "client_secret_post", "client_secret_basic"}
    keys = client.get(doc["jwks_uri"].removeprefix(settings.OIDC_ISSUER)).json()["keys"]
    assert {k["alg"] for k in keys} == {"ES256", "RS256"}
    assert all(k["kid"] and "d" not in k for k in keys)


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
def test_full_delegated_login(alg, aidant, aidant_client, mandate, usager, organisation):
    kit.register(alg=alg, userinfo="jwt" if alg == "RS256" else "json")
    params = kit.authorize_params()
    final = kit.choose(aidant_client, params, usager=usager, demarche="social")
    answer = kit.query_of(final["Location"])
    assert answer["state"] == params["state"] and answer["iss"] == settings.OIDC_ISSUER
    code_row = AuthorizationCode.objects.get()
    assert code_row.code_sha256 != answer["code"] and len(code_row.code_sha256) == 64
    entry = Entry.objects.get(event_type=EventType.DELEGATED_LOGIN)
    assert (entry.actor_aidant_id, entry.usager_id, entry.mandate_id, entry.oidc_client_id,
            entry.demarche) == (aidant.pk, usager.pk, mandate.pk, "fc-hub", "social")
    assert entry.authorisation_id == mandate.authorisations.get(demarche="social").pk

    rp = Client()
    response = kit.token_request(rp, answer["code"])
    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"] and response["Pragma"] == "no-cache"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 60
    keyset = jwks(rp)
    claims = jose.verify(body["id_token"], keyset, issuer=settings.OIDC_ISSUER,
                         audience="fc-hub", now=time.time(), algorithms=[alg],
                         nonce=params["nonce"])
    assert claims["acr"] == "eidas1" and claims["amr"] == ["pwd", "otp"]
    assert claims["rep_scope"] == ["social"]
    assert claims["at_hash"] == jose.at_hash(body["access_token"], alg)
    assert claims["auth_time"] <= claims["iat"] <= claims["exp"] - 60 + 1
    assert len(claims["sub"]) == 66 and claims["sub"] == pairwise_sub(
        settings.OIDC_PAIRWISE_SECRET, "fc-hub", f"usager:{usager.pk}")
    assert (claims["given_name"], claims["family_name"], claims["preferred_username"]) == (
        "Marie Louise", "Dupont", "Martin")
    assert (claims["birthdate"], claims["birthplace"], claims["birthcountry"]) == (
        "1948-07-00", "", "99134")
    assert claims["email"] == organisation.contact_email
    assert claims["email_source"] == "structure"
    assert claims["act"] == {"sub": claims["act"]["sub"], "name": aidant.get_full_name(),
                             "structure": {"name": organisation.name,
                                           "siret": organisation.siret}}
    assert Entry.objects.filter(event_type=EventType.TOKEN_ISSUED, oidc_client_id="fc-hub",
                                usager_id=usager.pk).count() == 1
    assert AccessToken.objects.get().token_sha256 != body["access_token"]

    info = rp.get(reverse("oidc_bridge:provider_userinfo"),
                  HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert info.status_code == 200
    if alg == "RS256":
        assert info["Content-Type"] == "application/jwt"
        user = jose.verify(info.content.decode(), keyset, issuer=settings.OIDC_ISSUER,
                           audience="fc-hub", now=time.time(), algorithms=["RS256"])
    else:
        user = info.json()
    assert user["sub"] == claims["sub"] and user["birthdate"] == "1948-07-00"
    assert user["rep_scope"] == ["social"]

    logout = rp.get(reverse("oidc_bridge:provider_end_session"), {
        "id_token_hint": body["id_token"], "state": "etat-123",
        "post_logout_redirect_uri": kit.LOGOUT_URI})
    assert logout.status_code == 302
    assert logout["Location"] == f"{kit.LOGOUT_URI}?state=etat-123"
    assert AuthorizationCode.objects.get().ended_at is not None
    assert Entry.objects.filter(event_type=EventType.SESSION_ENDED).count() == 1
    again = rp.get(reverse("oidc_bridge:provider_userinfo"),
                   HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert again.status_code == 401
    assert again["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_client_secret_basic_and_pairwise_sub_differs_per_client(
        aidant_client, mandate, usager):
    kit.register("fc-hub")
    kit.register("autre-hub", actor_claim=False)
    subs = []
    for client_id in ("fc-hub", "autre-hub"):
        params = kit.authorize_params(client_id)
        code = kit.code_from(kit.choose(aidant_client, params, usager=usager,
                                        demarche="logement"))
        body = kit.token_request(Client(), code, client_id=client_id, basic=True).json()
        claims = jose.verify(body["id_token"], jwks(Client()), issuer=settings.OIDC_ISSUER,
                             audience=client_id, now=time.time())
        subs.append(claims["sub"])
        assert ("act" in claims) == (client_id == "fc-hub")
    assert subs[0] != subs[1]
