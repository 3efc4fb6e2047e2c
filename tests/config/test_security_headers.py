"""Security headers on every page, no-store on credential pages."""

import pytest
from django.conf import settings


@pytest.mark.parametrize("url", ["/connexion/", "/connexion/code/"])
def test_credential_pages_are_not_stored(client, db, url):
    response = client.get(url, follow=True)
    assert "no-store" in response["Cache-Control"]


def test_baseline_headers(client, db):
    response = client.get("/connexion/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp and "'unsafe-inline'" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_http_only_and_same_site(client, aidant):
    response = client.post("/connexion/", {"username": aidant.email,
                                           "password": "motdepasse-de-test-2026"})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_page_is_french_with_skip_link(client, db):
    html = client.get("/connexion/").content.decode()
    assert '<html lang="fr">' in html and 'href="#contenu"' in html
