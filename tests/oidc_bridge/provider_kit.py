"""Helpers for the identity provider tests: a registered client and a scripted aidant."""

import base64
import json
import re
import secrets
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.urls import reverse

from audit.actor import Actor
from oidc_bridge import keys
from oidc_bridge.services import oidc_client_register
from tests import factories

REDIRECT_URI = "https://caf.example/oidc/callback"
LOGOUT_URI = "https://caf.example/deconnecte"
SECRET = "secret-de-test-" + "x" * 32


def register(client_id="fc-hub", *, alg="ES256", userinfo="json", actor_claim=True,
             redirect_uris=(REDIRECT_URI,)):
    client, secret = oidc_client_register(
        client_id=client_id, redirect_uris=list(redirect_uris),
        post_logout_redirect_uris=[LOGOUT_URI], alg=alg, userinfo_format=userinfo,
        actor_claim=actor_claim, secret=SECRET, actor=Actor.system("tests"))
    return client


def rep_scope_claims(*values) -> str:
    return json.dumps({"id_token": {"rep_scope": {"essential": True, "values": list(values)}}})


def authorize_params(client_id="fc-hub", **overrides) -> dict:
    """What FranceConnect sends (franceconnect.md), minus prompt=login unless asked."""
    params = {
        "response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT_URI,
        "scope": "openid profile email birth", "state": secrets.token_hex(32),
        "nonce": secrets.token_hex(32), "acr_values": "eidas1",
        "claims": rep_scope_claims("social", "logement"),
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def authorize_url(params: dict) -> str:
    return f"{reverse('oidc_bridge:provider_authorize')}?{urlencode(params)}"


def query_of(location: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def choice_url(page) -> str:
    """The URL the usager page posts to (the parked request's), from the page's form."""
    assert page.status_code == 200, (page.status_code, page.content[:500])
    match = re.search(r'action="([^"]*/usager)"', page.content.decode())
    assert match, page.content[:800]
    return match.group(1)


def choose(http, params: dict, *, usager, demarche: str):
    """Drive authorize (which shows the usager page) → usager (→ démarche, asked only when
    several are usable); return the final response (redirect to the client, or refusal)."""
    page = http.get(authorize_url(params))
    assert "Agir pour cet usager" in page.content.decode(), page.content[:800]
    response = http.post(choice_url(page), {"usager": str(usager.pk)})
    if response.status_code == 302 and response["Location"].endswith("/demarche"):
        page = http.get(response["Location"])
        assert page.status_code == 200, page.content[:800]
        return http.post(response["Location"], {"demarche": demarche})
    return response


UNUSABLE_STATES = ("expired", "revoked", "authorisation_revoked", "superseded", "erased")


def make_unusable(state: str, *, mandate, usager, now, authorisation=None) -> None:
    """Put `mandate` (or only `authorisation`) in one of the states a delegated login refuses."""
    authorisations = [authorisation] if authorisation else list(mandate.authorisations.all())
    if state == "expired":
        mandate.created_at, mandate.expires_at = now - timedelta(days=40), now - timedelta(days=1)
        mandate.save()
    elif state == "revoked":
        mandate.revoked_at = now
        mandate.save()
    elif state == "erased":
        usager.erased_at = now
        usager.save()
    elif state == "authorisation_revoked":
        for one in authorisations:
            one.revoked_at = now
            one.save()
    elif state == "superseded":
        for one in authorisations:
            one.superseded_by = factories.MandateFactory(
                organisation=mandate.organisation, usager=usager,
                demarches=["papiers"]).authorisations.get()
            one.save()


def code_from(response) -> str:
    assert response.status_code == 302, response.content[:800]
    assert response["Location"].startswith(REDIRECT_URI), response["Location"]
    return query_of(response["Location"])["code"]


def token_request(http, code, *, secret=SECRET, client_id="fc-hub", basic=False, **extra):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    headers = {}
    if basic:
        raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        headers["HTTP_AUTHORIZATION"] = f"Basic {raw}"
    else:
        data.update(client_id=client_id, client_secret=secret)
    data.update(extra)
    return http.post(reverse("oidc_bridge:provider_token"), data, **headers)


@pytest.fixture(autouse=True)
def fresh_keyring():
    """Each test has its own database, hence its own development keys: no cached key ring."""
    keys.forget_cached_keyring()
    yield
    keys.forget_cached_keyring()
