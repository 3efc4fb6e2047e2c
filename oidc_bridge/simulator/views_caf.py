""""CAF – démo": a tiny public site, relying party of the simulated FranceConnect hub.

It is the receiving end of the delegated login: it shows whose identity it received and, when
the `act` claim is present, that an aidant (name, structure) did the procedure.
"""

import secrets

from django.conf import settings
from django.core import signing
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from aidants.demarches import CATALOGUE
from mandates.text import french_birthdate
from oidc_bridge.franceconnect import client, provider
from oidc_bridge.franceconnect.errors import FranceConnectError
from oidc_bridge.simulator.views_hub import CAF_CLIENT_ID, CAF_CLIENT_SECRET, hub_provider

COOKIE = "fcsim_caf_login"
COOKIE_SALT = "fc_simulator.caf"
COOKIE_AGE = 15 * 60
GENDERS = {"male": "Homme", "female": "Femme"}


def caf_config() -> client.ClientConfig:
    site = settings.SITE_URL
    return client.ClientConfig(
        issuer=hub_provider().issuer, client_id=CAF_CLIENT_ID, client_secret=CAF_CLIENT_SECRET,
        redirect_uri=site + reverse("fc_simulator:caf_callback"),
        post_logout_redirect_uri=site + reverse("fc_simulator:caf_index"), acr="eidas1")


def _page(request, context: dict | None = None, status: int = 200):
    return render(request, "simulator/caf.html", context or {}, status=status)


@require_GET
def index(request):
    return _page(request)


@require_GET
@never_cache
def login(request):
    cfg = caf_config()
    try:
        meta = provider.metadata(cfg.issuer)
    except FranceConnectError:
        return _page(request, {"error": "FranceConnect ne répond pas. Réessayez plus tard."}, 502)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    response = redirect(client.authorization_url(cfg, meta, state=state, nonce=nonce))
    response.set_signed_cookie(COOKIE, f"{state} {nonce}", salt=COOKIE_SALT, max_age=COOKIE_AGE,
                               httponly=True, samesite="Lax", path="/simulateur/caf/",
                               secure=request.is_secure())
    return response


def _pending_nonce(request) -> str | None:
    try:
        value = request.get_signed_cookie(COOKIE, salt=COOKIE_SALT, max_age=COOKIE_AGE)
    except (KeyError, signing.BadSignature):
        return None
    state, _, nonce = value.partition(" ")
    return nonce if secrets.compare_digest(state, request.GET.get("state", "")) else None


def _demarche_label(code: str) -> str:
    info = CATALOGUE.get(code)
    return info.label if info else code


def _identity(userinfo: dict) -> dict:
    return {
        "given_name": userinfo.get("given_name", ""),
        "family_name": userinfo.get("family_name", ""),
        "preferred_username": userinfo.get("preferred_username", ""),
        "birthdate": userinfo.get("birthdate", ""),
        "birthdate_display": french_birthdate(str(userinfo.get("birthdate", ""))),
        # Presumed dates (YYYY-MM-00, YYYY-00-00) are shown as received, never "corrected".
        "presumed": str(userinfo.get("birthdate", "")).endswith("-00"),
        "gender": GENDERS.get(userinfo.get("gender", ""), ""),
        "birthplace": userinfo.get("birthplace", ""),
        "birthcountry": userinfo.get("birthcountry", ""),
        "email": userinfo.get("email", ""),
    }


@require_GET
@never_cache
def callback(request):
    nonce = _pending_nonce(request)
    if nonce is None:
        return _page(request, {"error": "Connexion expirée ou inattendue. Recommencez."}, 400)
    if request.GET.get("error"):
        return _page(request, {"error": "La connexion avec FranceConnect a été annulée."})
    cfg = caf_config()
    try:
        meta = provider.metadata(cfg.issuer)
        id_claims, userinfo, id_token = client.verified_claims(
            cfg, meta, request.GET.get("code", ""), nonce)
    except FranceConnectError as exc:
        return _page(request, {"error": f"Connexion refusée ({exc.reason})."}, 400)
    act = id_claims.get("act") or userinfo.get("act") or None
    response = _page(request, {
        "identity": _identity(userinfo), "act": act,
        "rep_scope": [_demarche_label(code) for code in id_claims.get("rep_scope", [])],
        "logout_url": client.end_session_url(cfg, meta, id_token=id_token,
                                             state=secrets.token_urlsafe(16)),
    })
    response.delete_cookie(COOKIE, path="/simulateur/caf/")
    return response
