"""Simulated FranceConnect hub: a provider for the demo site, a client of our identity provider.

Towards our identity provider it behaves as FranceConnect does (franceconnect.md, "What
FranceConnect expects from us"): `acr_values=eidas1`, `prompt=login`, scope
`openid profile email birth`, 64-hex state and nonce, no PKCE, `client_secret_post`, and a
`claims` request for `rep_scope` listing the démarches the site needs. It relays the identity,
`rep_scope` and the aidant `act` claim to the site, signed with its own key.
"""

import json
import secrets

from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from oidc_bridge.franceconnect import client, provider
from oidc_bridge.franceconnect.errors import FranceConnectError
from oidc_bridge.simulator import authorize, oidc
from oidc_bridge.simulator.models import Grant, HubTransaction

HUB_CLIENT_ID = "franceconnect-hub-simulateur"
# Known development secret (the simulator is refused in production, config.checks E003).
HUB_CLIENT_SECRET = "hub-simulateur-secret-de-developpement-2026"
CAF_CLIENT_ID = "caf-demo"
CAF_CLIENT_SECRET = "caf-demo-secret-de-developpement-2026"
# The démarches the CAF demo needs (catalogue codes, aidants.demarches), sent as rep_scope.
CAF_DEMARCHES = ("social", "famille", "logement")
IDP_SCOPE = "openid profile email birth"
IDENTITY_CLAIMS = ("given_name", "family_name", "birthdate", "gender", "birthplace",
                   "birthcountry", "preferred_username", "email")
BROWSER_COOKIE = "fcsim_hub_browser"


def hub_provider() -> oidc.Provider:
    site = settings.SITE_URL
    return oidc.Provider(
        kind=Grant.Provider.HUB, path="/simulateur/hub/api/v2", key_label="fc-hub",
        relayed_claims=("act", "rep_scope", "sid"),
        clients={CAF_CLIENT_ID: oidc.RegisteredClient(
            secret=CAF_CLIENT_SECRET,
            redirect_uris=(site + reverse("fc_simulator:caf_callback"),),
            post_logout_redirect_uris=(site + reverse("fc_simulator:caf_index"),))})


def idp_config() -> client.ClientConfig:
    """The hub as a client of our identity provider (registered by `oidc_bridge.demo.seed`)."""
    site = settings.SITE_URL
    return client.ClientConfig(
        issuer=settings.OIDC_ISSUER, client_id=HUB_CLIENT_ID, client_secret=HUB_CLIENT_SECRET,
        redirect_uri=site + reverse("fc_simulator:hub_callback"),
        post_logout_redirect_uri=site + reverse("fc_simulator:hub_logout_return"),
        acr="eidas1", scope=IDP_SCOPE)


def well_known(request):
    return oidc.discovery(hub_provider())


def jwks(request):
    return oidc.jwks(hub_provider())


@csrf_exempt  # server-to-server, authenticated by client_secret_post
def token(request):
    return oidc.token(hub_provider(), request)


@csrf_exempt
def userinfo(request):
    return oidc.userinfo(hub_provider(), request)


def _page(request, template: str, context: dict, status: int = 200):
    return render(request, f"simulator/{template}", context, status=status)


@never_cache
def authorize_view(request):
    """The hub's identity-provider choice; only "Procuration – aidants" is simulated."""
    data = request.POST if request.method == "POST" else request.GET
    try:
        auth, error_url = authorize.parse(hub_provider(), data)
    except authorize.Refused as exc:
        return _refused(request, str(exc))
    if error_url:
        return redirect(error_url)
    if request.method != "POST":
        return _page(request, "hub_authorize.html", {"auth": auth})
    if request.POST.get("idp") != "procuration":
        return redirect(auth.error_url("access_denied"))
    return _start_idp_login(request, auth)


def _start_idp_login(request, auth: authorize.AuthRequest):
    cfg = idp_config()
    try:
        meta = provider.metadata(cfg.issuer)
    except FranceConnectError:
        return redirect(auth.error_url("temporarily_unavailable"))
    state, nonce = secrets.token_hex(32), secrets.token_hex(32)
    browser = request.COOKIES.get(BROWSER_COOKIE) or secrets.token_urlsafe(32)
    HubTransaction.objects.create(
        state_sha256=oidc.sha256_hex(state), browser_sha256=oidc.sha256_hex(browser),
        idp_nonce=nonce, client_id=auth.client_id, redirect_uri=auth.redirect_uri,
        client_state=auth.state, client_nonce=auth.nonce, scope=auth.scope, acr=auth.acr)
    claims = {"id_token": {"rep_scope": {"essential": True, "values": list(CAF_DEMARCHES)}}}
    response = redirect(client.authorization_url(cfg, meta, state=state, nonce=nonce,
                                                 claims=json.dumps(claims)))
    response.set_cookie(BROWSER_COOKIE, browser, max_age=3600, httponly=True, samesite="Lax",
                        path="/simulateur/hub/", secure=request.is_secure())
    return response


def _take_transaction(request) -> HubTransaction | None:
    """The pending transaction for this `state` and this browser, consumed (single use)."""
    state = request.GET.get("state", "")
    browser = request.COOKIES.get(BROWSER_COOKIE, "")
    with transaction.atomic():
        found = HubTransaction.objects.select_for_update().filter(
            state_sha256=oidc.sha256_hex(state), browser_sha256=oidc.sha256_hex(browser),
            used_at__isnull=True).first()
        if found is not None:
            found.used_at = timezone.now()
            found.save(update_fields=["used_at"])
    return found


def _relayed_claims(pending: HubTransaction, id_claims: dict, userinfo: dict) -> dict:
    claims = {name: userinfo[name] for name in IDENTITY_CLAIMS if name in userinfo}
    claims["sub"] = oidc.pairwise_sub(f"procuration|{id_claims['sub']}", pending.client_id)
    claims["rep_scope"] = id_claims.get("rep_scope", [])
    act = id_claims.get("act") or userinfo.get("act")
    if act:
        claims["act"] = act
    return claims


def _refused(request, message: str, status: int = 400):
    return _page(request, "refused.html", {"message": message}, status)


def _idp_answer(request, pending: HubTransaction):
    """((id_token claims, userinfo, id_token), None) verified, or (None, refusal page)."""
    cfg = idp_config()
    if request.GET.get("iss", cfg.issuer) != cfg.issuer:  # RFC 9207 mix-up defence
        return None, _refused(request, "Réponse d'un fournisseur d'identité inattendu.")
    try:
        meta = provider.metadata(cfg.issuer)
        answer = client.verified_claims(cfg, meta, request.GET.get("code", ""),
                                        pending.idp_nonce)
    except FranceConnectError as exc:
        return None, _refused(request, "La réponse du fournisseur d'identité n'a pas pu être "
                                       f"vérifiée ({exc.reason}).")
    if not set(answer[0].get("rep_scope") or []) & set(CAF_DEMARCHES):
        # What FranceConnect does when the mandate lacks the démarches the site needs.
        return None, _refused(request, "Le mandat ne couvre pas les démarches nécessaires à ce "
                                       "service.", 403)
    return answer, None


@require_GET
@never_cache
def idp_callback(request):
    """Back from our identity provider: verify, then answer the demo site with a hub code."""
    pending = _take_transaction(request)
    if pending is None:
        return _refused(request, "Aucune connexion en cours ne correspond à ce retour.")
    if request.GET.get("error"):
        back = authorize.AuthRequest(pending.client_id, pending.redirect_uri, pending.scope,
                                     pending.client_state, pending.client_nonce, pending.acr, {})
        return redirect(back.error_url(request.GET["error"]))
    answer, refusal = _idp_answer(request, pending)
    if refusal:
        return refusal
    id_claims, userinfo, idp_id_token = answer
    pending.sid, pending.idp_id_token = secrets.token_hex(16), idp_id_token
    pending.save(update_fields=["sid", "idp_id_token"])
    claims = {**_relayed_claims(pending, id_claims, userinfo), "sid": pending.sid}
    code = oidc.issue_code(hub_provider(), client_id=pending.client_id,
                           redirect_uri=pending.redirect_uri, scope=pending.scope,
                           nonce=pending.client_nonce, acr=id_claims["acr"], claims=claims)
    return redirect(oidc.with_query(pending.redirect_uri, code=code,
                                    state=pending.client_state))


@never_cache
def session_end(request):
    """The site logs out: end the identity provider's session too, then go back to the site."""
    hub = hub_provider()
    target = oidc.logout_redirect(hub, request)
    if target is None:
        return _refused(request, "Déconnexion refusée : jeton ou adresse de retour invalide.")
    sid = (oidc.hinted_claims(hub, request.GET.get("id_token_hint", "")) or {}).get("sid")
    session = HubTransaction.objects.filter(sid=sid).exclude(idp_id_token="").first() if sid \
        else None
    cfg = idp_config()
    try:
        meta = provider.metadata(cfg.issuer) if session else None
    except FranceConnectError:
        meta = None
    if session is None or meta is None or not meta.end_session_endpoint:
        return redirect(target)
    state = secrets.token_hex(32)
    session.logout_state_sha256, session.logout_target = oidc.sha256_hex(state), target
    session.save(update_fields=["logout_state_sha256", "logout_target"])
    return redirect(client.end_session_url(
        cfg, meta, id_token=session.idp_id_token, state=state))


@require_GET
@never_cache
def idp_logout_return(request):
    """Back from the identity provider's end_session (same `state`): on to the site."""
    state = request.GET.get("state", "")
    with transaction.atomic():
        session = HubTransaction.objects.select_for_update().filter(
            logout_state_sha256=oidc.sha256_hex(state)).exclude(logout_state_sha256="").first()
        if session is None:
            return _refused(request, "Aucune déconnexion en cours ne correspond à ce retour.")
        target = session.logout_target
        session.idp_id_token = session.logout_state_sha256 = session.logout_target = ""
        session.save(update_fields=["idp_id_token", "logout_state_sha256", "logout_target"])
    return redirect(target)
