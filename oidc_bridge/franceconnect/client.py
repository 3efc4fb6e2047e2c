"""The OIDC relying-party steps against FranceConnect v2 (authorization code flow).

`ClientConfig` is explicit so the same steps serve our FranceConnect client (settings) and the
simulator's demo site (a relying party of the simulated hub).
"""

from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from authlib.common.errors import AuthlibBaseError
from django.conf import settings
from django.urls import reverse

from oidc_bridge.franceconnect import http, provider, tokens
from oidc_bridge.franceconnect.errors import FranceConnectError, Reason
from oidc_bridge.franceconnect.provider import ProviderMetadata

# Minimal scopes for a mandate (RGPD data minimisation): the identité pivot names the usager on
# the mandate and receipt and lets the desk recognise them later (given_name, family_name,
# birthdate, gender, birthplace, birthcountry); preferred_username is the usage name people
# are called by (on the receipt); email lets the usager receive their copy of the mandate.
# No address, phone or other optional FranceConnect data.
SCOPES = ("openid", "given_name", "family_name", "birthdate", "gender", "birthplace",
          "birthcountry", "preferred_username", "email")
USERINFO_JWT = "application/jwt"


@dataclass(frozen=True)
class ClientConfig:
    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    post_logout_redirect_uri: str
    acr: str = "eidas1"
    scope: str = " ".join(SCOPES)


def franceconnect_config() -> ClientConfig:
    """Our FranceConnect client, from settings; redirect URIs are exact and built on SITE_URL."""
    return ClientConfig(
        issuer=settings.FRANCECONNECT_ISSUER,
        client_id=settings.FRANCECONNECT_CLIENT_ID,
        client_secret=settings.FRANCECONNECT_CLIENT_SECRET,
        redirect_uri=settings.SITE_URL + reverse("oidc_bridge:fc_callback"),
        post_logout_redirect_uri=settings.SITE_URL + reverse("oidc_bridge:fc_logout_callback"),
        acr=settings.FRANCECONNECT_ACR,
    )


def authorization_url(cfg: ClientConfig, meta: ProviderMetadata, *, state: str,
                      nonce: str, **extra: str) -> str:
    """OIDC Core 3.1.2.1 request; `prompt=login` because the person at the screen is the usager,
    not whoever last used FranceConnect in this browser. `extra`: more parameters (`claims`)."""
    oauth = http.oauth_session(client_id=cfg.client_id, scope=cfg.scope,
                               redirect_uri=cfg.redirect_uri)
    url, _ = oauth.create_authorization_url(
        meta.authorization_endpoint, state=state, nonce=nonce, acr_values=cfg.acr,
        prompt="login", **extra)
    return url


def exchange_code(cfg: ClientConfig, meta: ProviderMetadata, code: str) -> dict:
    """Token request (OIDC Core 3.1.3.1), authenticated with `client_secret_post`."""
    oauth = http.oauth_session(client_id=cfg.client_id, client_secret=cfg.client_secret,
                               token_endpoint_auth_method="client_secret_post",
                               redirect_uri=cfg.redirect_uri)
    try:
        token = oauth.fetch_token(meta.token_endpoint, grant_type="authorization_code",
                                  code=code, timeout=http.TIMEOUT)
    except requests.RequestException as exc:
        raise FranceConnectError(Reason.UNREACHABLE, type(exc).__name__) from exc
    except (AuthlibBaseError, ValueError) as exc:
        raise FranceConnectError(Reason.TOKEN_REFUSED, getattr(exc, "error", "")) from exc
    if not isinstance(token.get("id_token"), str) or not token.get("access_token"):
        raise FranceConnectError(Reason.TOKEN_REFUSED, "id_token or access_token missing")
    return dict(token)


def fetch_userinfo(meta: ProviderMetadata, access_token: str) -> str:
    """The userinfo response, which FranceConnect v2 signs (`application/jwt`, OIDC Core 5.3.2)."""
    try:
        response = http.get(meta.userinfo_endpoint, headers={
            "Authorization": f"Bearer {access_token}", "Accept": USERINFO_JWT})
    except requests.RequestException as exc:
        raise FranceConnectError(Reason.UNREACHABLE, type(exc).__name__) from exc
    if response.status_code != 200:
        raise FranceConnectError(Reason.TOKEN_REFUSED, f"userinfo HTTP {response.status_code}")
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type != USERINFO_JWT:
        raise FranceConnectError(Reason.USERINFO_NOT_SIGNED, content_type)
    return response.text.strip()


def verified_claims(cfg: ClientConfig, meta: ProviderMetadata, code: str,
                    nonce: str) -> tuple[dict, dict, str]:
    """Exchange `code` and verify both tokens: (id_token claims, userinfo claims, raw id_token)."""
    token = exchange_code(cfg, meta, code)
    id_claims = provider.verify_with_keys(
        meta, tokens.verify_id_token, token["id_token"], issuer=cfg.issuer,
        client_id=cfg.client_id, nonce=nonce, acr=cfg.acr)
    userinfo = provider.verify_with_keys(
        meta, tokens.verify_userinfo, fetch_userinfo(meta, token["access_token"]),
        issuer=cfg.issuer, client_id=cfg.client_id, sub=id_claims["sub"])
    return id_claims, userinfo, token["id_token"]


def end_session_url(cfg: ClientConfig, meta: ProviderMetadata, *, id_token: str,
                    state: str) -> str:
    """RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0, section 2)."""
    query = urlencode({"id_token_hint": id_token, "state": state,
                       "post_logout_redirect_uri": cfg.post_logout_redirect_uri})
    return f"{meta.end_session_endpoint}?{query}"
