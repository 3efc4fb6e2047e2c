"""Simulated FranceConnect v2, citizen side: our mandate flow's identity provider."""

from django.conf import settings
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from oidc_bridge.simulator import authorize, oidc
from oidc_bridge.simulator.citizens import BY_KEY, CITIZENS
from oidc_bridge.simulator.models import Grant


def citizen_provider() -> oidc.Provider:
    """Knows one client: our FranceConnect client, as configured in settings."""
    site = settings.SITE_URL
    return oidc.Provider(
        kind=Grant.Provider.CITIZEN, path="/simulateur/franceconnect/api/v2",
        key_label="fc-citizen",
        clients={settings.FRANCECONNECT_CLIENT_ID: oidc.RegisteredClient(
            secret=settings.FRANCECONNECT_CLIENT_SECRET,
            redirect_uris=(site + reverse("oidc_bridge:fc_callback"),),
            post_logout_redirect_uris=(site + reverse("oidc_bridge:fc_logout_callback"),))})


def well_known(request):
    return oidc.discovery(citizen_provider())


def jwks(request):
    return oidc.jwks(citizen_provider())


def _refused(request, message: str):
    return render(request, "simulator/refused.html", {"message": message}, status=400)


@never_cache
def authorize_view(request):
    """Pick a test citizen (or cancel: `error=access_denied`, as FranceConnect does)."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    provider = citizen_provider()
    data = request.POST if request.method == "POST" else request.GET
    try:
        auth, error_url = authorize.parse(provider, data)
    except authorize.Refused as exc:
        return _refused(request, str(exc))
    if error_url:
        return redirect(error_url)
    if request.method == "GET":
        return render(request, "simulator/citizen_authorize.html",
                      {"auth": auth, "citizens": CITIZENS})
    if "cancel" in request.POST:
        return redirect(auth.error_url("access_denied"))
    citizen = BY_KEY.get(request.POST.get("citizen", ""))
    if citizen is None:
        return render(request, "simulator/citizen_authorize.html",
                      {"auth": auth, "citizens": CITIZENS,
                       "error": "Choisissez une personne dans la liste."}, status=400)
    claims = {"sub": oidc.pairwise_sub(citizen.key, auth.client_id), **citizen.claims()}
    code = oidc.issue_code(provider, client_id=auth.client_id, redirect_uri=auth.redirect_uri,
                           scope=auth.scope, nonce=auth.nonce, acr=auth.acr, claims=claims)
    return redirect(oidc.with_query(auth.redirect_uri, code=code, state=auth.state))


@csrf_exempt  # server-to-server, authenticated by client_secret_post
def token(request):
    return oidc.token(citizen_provider(), request)


@csrf_exempt
def userinfo(request):
    return oidc.userinfo(citizen_provider(), request)


@never_cache
def session_end(request):
    target = oidc.logout_redirect(citizen_provider(), request)
    if target is None:
        return _refused(request, "Déconnexion refusée : jeton ou adresse de retour invalide.")
    return redirect(target)
