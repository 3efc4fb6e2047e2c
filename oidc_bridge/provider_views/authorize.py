"""The authorization endpoint and the aidant's choices (OIDC Core 3.1.2).

1. `authorize_view` validates the client and its exact redirect URI (failure: our own error page,
   never a redirect, RFC 6749 4.1.2.1), then the rest of the request (failure: redirect with
   `error`, `error_description`, `state`, `iss`). It honours `prompt=login` and `max_age` by
   logging the aidant out and sending them to the login page, then parks the request (a signed
   token in the choice pages' URLs, see `pending`) and shows the usager choice at once.
2. `select_usager_view` and `select_demarche_view` (fresh TOTP required) let the aidant pick a
   usager with an active mandate in their current structure, then a démarche covered by an
   active authorisation (and by the requested `rep_scope`). The aidant's click on a usager (or
   on a démarche) is the confirmation: the page says which site will receive whose identity.
   When only one démarche is usable for that usager (the usual case: FranceConnect names the
   démarche in `rep_scope`), the usager's choice issues the code at once; otherwise the démarche
   page asks. An aidant at a desk gets there in one click instead of three.
"""

import time
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from aidants import auth_session
from aidants import services as aidant_services
from aidants.decorators import fresh_otp_required
from aidants.prepared import as_pk
from habilitation.selectors import is_habilitated
from oidc_bridge import issuance, selectors, services
from oidc_bridge.protocol.errors import OAuthError, UntrustedRedirectError
from oidc_bridge.protocol.validation import (
    check_client_redirect,
    error_redirect,
    parse_authorization_request,
    redirect_with,
    single_params,
)
from oidc_bridge.provider_views import pending
from oidc_bridge.provider_views.forms import DemarcheChoiceForm, UsagerChoiceForm
from oidc_bridge.provider_views.responses import error_page

# Added to the authorize URL we send the aidant back to after a forced login (prompt=login or
# max_age): a signed timestamp. The request is satisfied only if the aidant's login happened
# after it; otherwise the client gets `login_required`, so the detour can never loop.
REAUTH_MARKER = "procuration_reauth"
REAUTH_SALT = "oidc_bridge.reauth"
REAUTH_MAX_AGE = 600

REFUSALS = {
    "not_habilitated": "Vous n'êtes pas habilité à agir pour un usager dans cette structure.",
    "no_usable_mandate": "Aucun usager n'a de mandat actif dans votre structure couvrant les "
                         "démarches demandées par ce site.",
    "no_usable_authorisation": "Ce mandat ne permet pas cette démarche (mandat expiré, révoqué "
                               "ou démarche non couverte).",
    "cancelled": "Vous avez annulé la connexion pour le compte de l'usager.",
}


def _untrusted(request):
    return error_page(
        request, title="Connexion impossible",
        message="Le site qui vous a envoyé ici n'est pas reconnu, ou son adresse de retour "
                "n'est pas enregistrée. Par sécurité, nous ne vous y renvoyons pas. Fermez cet "
                "onglet et recommencez depuis le site.")


def _error_to_client(redirect_uri: str, error: OAuthError, state: str):
    return redirect(error_redirect(redirect_uri, error, state=state,
                                   issuer=settings.OIDC_ISSUER))


def _login_at(request) -> datetime | None:
    raw = request.session.get(auth_session.LOGIN_AT)
    return datetime.fromisoformat(raw) if raw else None


def _is_authenticated(request) -> bool:
    user = request.user
    return user.is_authenticated and user.is_verified() and user.is_active


def _force_login(request, params: dict):
    """Log the aidant out; the login page sends them back to this request, marked."""
    again = {k: v for k, v in params.items() if k != "prompt"}
    prompt = " ".join(p for p in params.get("prompt", "").split() if p != "login")
    if prompt:
        again["prompt"] = prompt
    again[REAUTH_MARKER] = signing.dumps(time.time(), salt=REAUTH_SALT)
    if request.user.is_authenticated:
        aidant_services.logged_out(aidant=request.user)
    logout(request)
    next_url = f"{reverse('oidc_bridge:provider_authorize')}?{urlencode(again)}"
    return redirect(f"{reverse('aidants:login')}?{urlencode({'next': next_url})}")


def _reauthentication(request, params: dict, areq) -> OAuthError | object | None:
    """None when the aidant's authentication is acceptable; else a response or an OAuthError."""
    marker = params.get(REAUTH_MARKER)
    if marker:
        try:
            asked_at = signing.loads(marker, salt=REAUTH_SALT, max_age=REAUTH_MAX_AGE)
        except signing.BadSignature:
            return OAuthError("login_required", "Réauthentification expirée")
        if not _is_authenticated(request):
            return redirect_to_login(request.get_full_path(), reverse("aidants:login"))
        login_at = _login_at(request)
        if login_at is None or login_at.timestamp() < asked_at:
            return OAuthError("login_required", "L'aidant ne s'est pas reconnecté")
        return None
    if "login" in areq.prompt:
        return _force_login(request, params)
    if areq.max_age is not None and _is_authenticated(request):
        login_at = _login_at(request)
        if login_at is None or time.time() - login_at.timestamp() > areq.max_age:
            return _force_login(request, params)
    return None


@require_GET
@never_cache
def authorize_view(request):
    try:
        params = single_params(dict(request.GET.lists()))
    except OAuthError:
        return _untrusted(request)
    client = selectors.active_client(params.get("client_id", ""))
    try:
        redirect_uri = check_client_redirect(params, client.redirect_uris if client else None)
    except UntrustedRedirectError:
        return _untrusted(request)
    state = params.get("state", "")
    try:
        areq = parse_authorization_request(params, redirect_uri)
        if "none" in areq.prompt:
            # The aidant must always choose a usager and a démarche (OIDC Core 3.1.2.6).
            raise OAuthError("interaction_required" if _is_authenticated(request)
                             else "login_required", "Une action de l'aidant est nécessaire")
        outcome = _reauthentication(request, params, areq)
    except OAuthError as error:
        return _error_to_client(redirect_uri, error, state)
    if isinstance(outcome, OAuthError):
        return _error_to_client(redirect_uri, outcome, state)
    if outcome is not None:
        return outcome
    if not _is_authenticated(request):
        return redirect_to_login(request.get_full_path(), reverse("aidants:login"))
    params.pop(REAUTH_MARKER, None)
    txn = pending.seal(request.session, params)
    # The usager page is served right here rather than behind a redirect: one round trip less
    # for an aidant at the desk. Its form posts to the parked request's own URL.
    parked = _Pending(request, txn, validated=(client, areq))
    return select_usager_view(request, txn, parked=parked)


class _Pending:
    """A parked request, re-validated on every step (the client may have been deactivated).

    `validated`: the (client, request) that `authorize_view` has just checked, not re-read.
    """

    def __init__(self, request, txn: str, validated=None):
        self.txn = txn
        self.data = pending.load(request.session, txn)
        self.client = self.areq = None
        if self.data is None:
            return
        if validated is not None:
            self.client, self.areq = validated
            return
        params = self.data["params"]
        self.client = selectors.active_client(params.get("client_id", ""))
        try:
            uri = check_client_redirect(params, self.client.redirect_uris if self.client else None)
            self.areq = parse_authorization_request(params, uri)
        except (UntrustedRedirectError, OAuthError):
            self.data = None

    def error_url(self, error: str, description: str) -> str:
        return error_redirect(self.areq.redirect_uri, OAuthError(error, description),
                              state=self.areq.state, issuer=settings.OIDC_ISSUER)


def _expired(request):
    return error_page(request, title="Demande expirée", status=404,
                      message="Cette demande de connexion n'existe plus ou a déjà servi. "
                              "Recommencez depuis le site de la démarche.")


def _refuse(request, parked: _Pending, reason: str, demarche: str = ""):
    """Journal the refusal; tell the aidant in French; offer the way back (access_denied)."""
    services.delegated_login_refuse(aidant=request.user, client_id=parked.client.client_id,
                                    reason=reason, demarche=demarche,
                                    requested_rep_scope=parked.areq.rep_scope)
    back = parked.error_url("access_denied", REFUSALS[reason])
    return render(request, "oidc_bridge/provider/refused.html",
                  {"message": REFUSALS[reason], "back_url": back, "client": parked.client},
                  status=403)


def _parked_or_refusal(request, txn, *, check_habilitation: bool, parked=None):
    """The parked request, or the page to show instead.

    Habilitation is checked when the aidant arrives (so a refusal comes before any choice) and
    again by the service that issues the code; the steps in between do not repeat it.
    """
    parked = parked or _Pending(request, txn)
    if parked.data is None:
        return parked, _expired(request)
    if check_habilitation and not is_habilitated(aidant=request.user):
        return parked, _refuse(request, parked, "not_habilitated")
    return parked, None


@fresh_otp_required
@never_cache
def select_usager_view(request, txn, parked=None):
    parked, response = _parked_or_refusal(request, txn, parked=parked,
                                          check_habilitation=request.method == "GET")
    if response:
        return response
    usager_id = as_pk(request.POST.get("usager")) if request.method == "POST" else None
    if usager_id is not None:
        # The service finds the usager's démarche itself (under its row lock): no query here.
        try:
            return _issue_code(request, parked, usager_id=usager_id, demarche=None)
        except services.DemarcheNeeded:
            chosen = pending.seal(request.session, parked.data["params"],
                                  rid=parked.data["rid"], usager_id=usager_id)
            return redirect("oidc_bridge:provider_select_demarche", txn=chosen)
        except services.DelegationRefused as refused:
            if refused.reason != "no_usable_authorisation":
                return _refuse(request, parked, refused.reason)
        # An unknown or foreign usager, or one whose mandate ended meanwhile: the list again.
    usagers = selectors.usagers_with_usable_mandates(
        structure_id=request.user.current_structure_id, demarches=parked.areq.rep_scope)
    if not usagers:
        return _refuse(request, parked, "no_usable_mandate")
    form = UsagerChoiceForm(request.POST or None, usagers=usagers)
    form.is_valid()  # a posted choice that reaches this point is not in the list: say so
    return render(request, "oidc_bridge/provider/select_usager.html",
                  {"form": form, "client": parked.client, "txn": txn})


@fresh_otp_required
@never_cache
def select_demarche_view(request, txn):
    parked, response = _parked_or_refusal(request, txn, check_habilitation=False)
    if response:
        return response
    usager_id = parked.data["usager_id"]
    if not usager_id:
        return redirect("oidc_bridge:provider_select_usager", txn=txn)
    authorisations = list(selectors.usable_authorisations(
        structure_id=request.user.current_structure_id, usager_id=usager_id,
        demarches=parked.areq.rep_scope))
    if not authorisations:
        return _refuse(request, parked, "no_usable_authorisation")
    form = DemarcheChoiceForm(request.POST or None, authorisations=authorisations)
    if request.method == "POST" and form.is_valid():
        # The service re-checks habilitation, mandate and authorisation under a row lock.
        demarche = form.cleaned_data["demarche"]
        try:
            return _issue_code(request, parked, usager_id=usager_id, demarche=demarche)
        except services.DelegationRefused as refused:
            return _refuse(request, parked, refused.reason, demarche)
    return render(request, "oidc_bridge/provider/select_demarche.html", {
        "form": form, "client": parked.client, "txn": txn,
        "usager": authorisations[0].mandate.usager})


def _issue_code(request, parked: _Pending, *, usager_id: int, demarche: str | None):
    """Issue the code and send the aidant back to the client. The service's `DelegationRefused`
    and `DemarcheNeeded` go to the caller, which knows what to show."""
    # auth_time is the aidant's real two-factor login (OIDC Core 2); last_login as a fallback.
    login_at = _login_at(request) or request.user.last_login
    try:
        code, _ = services.delegated_login_start(
            aidant=request.user, client=parked.client, request=parked.areq,
            usager_id=usager_id, demarche=demarche, auth_time=login_at,
            acr=settings.FRANCECONNECT_ACR, amr=issuance.AMR, sid=parked.data["rid"])
    except services.AlreadyUsed:
        return _expired(request)
    return redirect(redirect_with(parked.areq.redirect_uri, {
        "code": code, "state": parked.areq.state, "iss": settings.OIDC_ISSUER}))


@require_POST
@fresh_otp_required
def cancel_view(request, txn):
    parked = _Pending(request, txn)
    if parked.data is None:
        return _expired(request)
    services.delegated_login_refuse(aidant=request.user, client_id=parked.client.client_id,
                                    reason="cancelled", requested_rep_scope=parked.areq.rep_scope)
    return redirect(parked.error_url("access_denied", REFUSALS["cancelled"]))
