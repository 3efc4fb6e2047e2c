"""The real FranceConnect is reached by settings alone (no host in code), with our exact URIs."""

import json

import pytest
import requests
from django.urls import reverse

from oidc_bridge.franceconnect import provider
from oidc_bridge.franceconnect.errors import FranceConnectError
from tests.oidc_bridge import fc_support
from tests.oidc_bridge.fc_support import location, query_of

pytestmark = pytest.mark.django_db
fc_http = fc_support.fc_http
REAL = "https://fcp-low.integ01.dev-franceconnect.fr/api/v2"


def canned(data: dict):
    def rewriter(request, response):
        answer = requests.Response()
        answer.status_code = 200
        answer._content = json.dumps(data).encode()
        answer.headers["Content-Type"] = "application/json"
        return answer

    return rewriter


def test_configured_issuer_is_used_for_discovery_and_authorize(aidant_client, fc_http,
                                                                settings):
    settings.FRANCECONNECT_ISSUER = REAL
    settings.FRANCECONNECT_CLIENT_ID = "client-de-production"
    settings.SITE_URL = "https://procuration.example"
    fc_http.rewrite("/.well-known/openid-configuration", canned({
        "issuer": REAL, "authorization_endpoint": f"{REAL}/authorize",
        "token_endpoint": f"{REAL}/token", "userinfo_endpoint": f"{REAL}/userinfo",
        "jwks_uri": f"{REAL}/jwks", "end_session_endpoint": f"{REAL}/session/end"}))
    url = location(aidant_client.get(reverse("oidc_bridge:fc_login")))
    assert url.startswith(f"{REAL}/authorize?")
    params = query_of(url)
    assert params["client_id"] == "client-de-production"
    assert params["redirect_uri"] == "https://procuration.example/franceconnect/retour/"
    assert ("GET", "/api/v2/.well-known/openid-configuration") in fc_http.calls


def test_discovery_issuer_must_match(fc_http):
    fc_http.rewrite("/.well-known/openid-configuration", canned({
        "issuer": "https://evil.example/api/v2", "authorization_endpoint": "a",
        "token_endpoint": "t", "userinfo_endpoint": "u", "jwks_uri": "j"}))
    with pytest.raises(FranceConnectError) as raised:
        provider.metadata(REAL)
    assert raised.value.reason == "discovery_invalid"


def test_metadata_is_cached(fc_http, settings):
    provider.metadata(settings.FRANCECONNECT_ISSUER)
    provider.metadata(settings.FRANCECONNECT_ISSUER)
    assert sum(path.endswith("openid-configuration") for _, path in fc_http.calls) == 1
