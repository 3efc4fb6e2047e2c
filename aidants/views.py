"""Login in two steps, re-authentication, logout, structure choice and the home page.

Views stay thin: forms check input, `aidants.otp` checks codes, `aidants.login_flow` keeps the
state between steps and talks to django-axes, `aidants.services` journals every event.
"""

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from aidants import auth_session, otp, services
from aidants.decorators import two_factor_required
from aidants.forms import GENERIC_LOGIN_ERROR, CodeForm, LoginForm, StructureChoiceForm
from aidants.login_flow import (
    clear_pending,
    client_ip,
    count_failure,
    is_locked_out,
    lockout_response,
    read_pending,
    refuse_if_locked,
    safe_next,
    start_pending,
)
from aidants.selectors import current_membership, memberships_of

NO_DEVICE_ERROR = ("Aucun moyen de recevoir un code n'est encore associé à votre compte "
                   "(application ou carte). Contactez le référent de votre structure.")
WRONG_CODE_ERROR = "Code incorrect ou déjà utilisé. Vérifiez-le et réessayez."
THROTTLED_ERROR = ("Trop de codes erronés à la suite. Attendez quelques secondes, "
                   "puis saisissez le code affiché à ce moment-là.")


def _verified(user) -> bool:
    return user.is_authenticated and user.is_verified()


@sensitive_post_parameters("password")
@never_cache
def login_view(request):
    """Step 1: e-mail + password. Success leaves a *pending* login, not a logged-in session."""
    if _verified(request.user):
        return redirect(safe_next(request, request.GET.get("next")))
    form = LoginForm(request.POST or None, initial={"next": request.GET.get("next", "")})
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        locked = refuse_if_locked(request, username)
        if locked:
            return locked
        aidant = authenticate(request, username=username,
                              password=form.cleaned_data["password"])
        if aidant is None:
            services.login_failed(username=username, ip_address=client_ip(request))
            if is_locked_out(request):
                return lockout_response(request, username)
            form.add_error(None, GENERIC_LOGIN_ERROR)
        elif not otp.has_confirmed_device(aidant):
            services.login_failed(username=username, ip_address=client_ip(request),
                                  reason="no_device")
            form.add_error(None, NO_DEVICE_ERROR)
        else:
            start_pending(request, aidant, aidant.backend,
                          safe_next(request, form.cleaned_data["next"]))
            return redirect("aidants:otp")
    return render(request, "aidants/login.html", {"form": form})


def _refuse_code(request, aidant, form, result):
    """Journal a refused code; count it toward the lockout unless no code was even checked.

    Returns the lockout response when this failure locked the (e-mail, IP) pair.
    """
    services.otp_failed(aidant=aidant, reason="throttled" if result.throttled else "invalid",
                        ip_address=client_ip(request))
    if result.throttled:
        form.add_error("code", THROTTLED_ERROR)
        return None
    count_failure(request, aidant.email)
    if is_locked_out(request):
        return lockout_response(request, aidant.email)
    form.add_error("code", WRONG_CODE_ERROR)
    return None


@sensitive_post_parameters("code")
@never_cache
def otp_view(request):
    """Step 2: a one-time code. Success logs in (new session key) with the device verified."""
    state = read_pending(request)
    if state is None:
        if request.method == "POST":
            messages.warning(request, "Votre connexion a expiré. Merci de recommencer.")
        return redirect("aidants:login")
    aidant, pending = state
    locked = refuse_if_locked(request, aidant.email)
    if locked:
        clear_pending(request)
        return locked
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = otp.verify(aidant, form.cleaned_data["code"])
        if result.ok:
            return _complete_login(request, aidant, pending, result.device)
        locked = _refuse_code(request, aidant, form, result)
        if locked:
            clear_pending(request)
            return locked
    return render(request, "aidants/otp.html", {"form": form})


def _complete_login(request, aidant, pending, device):
    with transaction.atomic():
        aidant.backend = pending["backend"]
        login(request, aidant)  # cycles the session key (session fixation)
        otp_login(request, device)
        clear_pending(request)
        auth_session.mark_login(request.session)
        services.login_succeeded(aidant=aidant, device=device, ip_address=client_ip(request))
    return redirect(safe_next(request, pending["next"]))


@sensitive_post_parameters("code")
@never_cache
@two_factor_required
def reauthenticate_view(request):
    """A fresh code before a sensitive action; then back to `next`."""
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    aidant = request.user
    locked = refuse_if_locked(request, aidant.email)
    if locked:
        logout(request)
        return locked
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = otp.verify(aidant, form.cleaned_data["code"])
        if result.ok:
            otp_login(request, result.device)
            auth_session.mark_fresh(request.session)
            services.reauthenticated(aidant=aidant, device=result.device)
            return redirect(next_url)
        locked = _refuse_code(request, aidant, form, result)
        if locked:
            # Someone is guessing codes on an open session: end it (server side too).
            logout(request)
            return locked
    return render(request, "aidants/reauthenticate.html", {"form": form, "next": next_url})


@require_POST
def logout_view(request):
    """End the session server-side (the row is deleted), then back to the login page."""
    if request.user.is_authenticated:
        services.logged_out(aidant=request.user)
    logout(request)
    messages.success(request, "Vous êtes déconnecté. À bientôt !")
    return redirect(safe_next(request, request.POST.get("next"), reverse("aidants:login")))


@two_factor_required
def switch_structure_view(request):
    form = StructureChoiceForm(request.POST or None, aidant=request.user)
    if request.method == "POST" and form.is_valid():
        organisation = form.cleaned_data["organisation"]
        services.structure_switch(aidant=request.user, organisation=organisation)
        messages.success(request, f"Vous travaillez maintenant pour {organisation.name}.")
        return redirect(safe_next(request, request.POST.get("next")))
    return render(request, "aidants/switch_structure.html",
                  {"form": form, "memberships": memberships_of(request.user),
                   "next": request.GET.get("next", "")})


@two_factor_required
def home_view(request):
    """The dashboard. Aidants need a current structure; staff and auditors may have none."""
    membership = current_membership(request.user)
    if membership is None and memberships_of(request.user).exists():
        return redirect("aidants:switch_structure")
    return render(request, "aidants/home.html", {"membership": membership})
