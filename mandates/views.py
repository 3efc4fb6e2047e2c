"""Desk pages: the aidant space, a usager's file, a mandate, creation, revocation, renewal.

Views are thin: reads go through `selectors` (which give one 404 for missing and forbidden
objects), writes through `services` (which check permissions and habilitation again).
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from aidants.decorators import aidant_required, fresh_otp_required
from aidants.demarches import CATALOGUE
from mandates import identity as fc_identity
from mandates import receipts, selectors, services
from mandates.durations import compute_expiry
from mandates.forms import ConsentForm, MandateChoiceForm, RenewForm, RevokeForm, SearchForm
from mandates.models import Mandate
from mandates.text import french_birthdate, french_end

DRAFT_KEY = "mandates.draft"
PAGE_SIZE = 25
EXPIRING_DAYS = 30
EXPIRING_LIMIT = 50


def optional_url(name: str, *args) -> str | None:
    """A URL owned by another feature that may not be installed yet (FranceConnect, PDFs)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


@aidant_required
def space_view(request):
    structure = request.user.current_structure
    form = SearchForm(request.GET or None)
    valid = form.is_valid()
    query = form.cleaned_data["q"] if valid else ""
    ended = form.cleaned_data["ended"] if valid else False
    usagers = selectors.structure_usagers(structure=structure, query=query, include_ended=ended)
    page = Paginator(usagers, PAGE_SIZE).get_page(request.GET.get("page"))
    expiring = list(selectors.expiring_mandates(structure=structure,
                                                days=EXPIRING_DAYS)[:EXPIRING_LIMIT])
    return render(request, "mandates/space.html", {
        "form": form, "query": query, "ended": ended, "page": page, "expiring": expiring,
        "expiring_days": EXPIRING_DAYS, "expiring_limit": EXPIRING_LIMIT})


@aidant_required
def usager_view(request, usager_id):
    file = selectors.usager_file(aidant=request.user, usager_id=usager_id)
    return render(request, "mandates/usager.html", {"file": file, "usager": file.usager})


@aidant_required
def mandate_view(request, mandate_id):
    mandate = selectors.access_mandate(aidant=request.user, mandate_id=mandate_id)
    return render(request, "mandates/mandate.html", {
        "mandate": mandate, "end": french_end(mandate.expires_at),
        "authorisations": sorted(mandate.authorisations.all(), key=lambda a: a.pk),
        "superseded": selectors.superseded_by(mandate),
        "receipt_url": optional_url("mandates:receipt_pdf", mandate.pk),
        "revocation_url": (optional_url("mandates:revocation_receipt_pdf", mandate.pk)
                           if receipts.has_revocation(mandate) else None)})


# --- Creation wizard ---------------------------------------------------------------------

@fresh_otp_required
@require_http_methods(["GET", "POST"])
def create_view(request):
    """Step 1: démarches and duration, kept in the session until the recap is confirmed."""
    structure = request.user.current_structure
    initial = request.session.get(DRAFT_KEY) or {"duration": "12m"}
    form = MandateChoiceForm(request.POST or None, organisation=structure, initial=initial)
    if request.method == "POST" and form.is_valid():
        request.session[DRAFT_KEY] = {"demarches": form.cleaned_data["demarches"],
                                      "duration": form.cleaned_data["duration"]}
        # A previous, abandoned identification must not leak into this new mandate.
        fc_identity.pop_verified_identity(request)
        return redirect("mandates:create_identify")
    return render(request, "mandates/create_choose.html", {"form": form})


def _draft(request) -> dict | None:
    draft = request.session.get(DRAFT_KEY)
    return draft if draft and draft.get("demarches") and draft.get("duration") else None


@fresh_otp_required
def create_identify_view(request):
    """Step 2: the usager logs in with FranceConnect (the `oidc_bridge` client)."""
    draft = _draft(request)
    if draft is None:
        messages.warning(request, "Choisissez d'abord les démarches et la durée du mandat.")
        return redirect("mandates:create")
    return render(request, "mandates/create_identify.html", {
        "draft": _draft_context(draft), "fc_login_url": optional_url("oidc_bridge:fc_login")})


def _draft_context(draft: dict) -> dict:
    return {"demarches": [CATALOGUE[c] for c in draft["demarches"] if c in CATALOGUE],
            "duration_label": Mandate.Duration(draft["duration"]).label,
            "end": french_end(compute_expiry(timezone.now(), draft["duration"]))}


@fresh_otp_required
@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def create_recap_view(request):
    """Step 3: recap in plain French and the two consents; POST creates the mandate."""
    draft, identity = _draft(request), fc_identity.peek_verified_identity(request)
    if draft is None or identity is None:
        messages.warning(request, "Le mandat n'est pas prêt : recommencez depuis le début.")
        return redirect("mandates:create")
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mandate = services.mandate_create(
                aidant=request.user, organisation=request.user.current_structure,
                identity=identity, demarches=draft["demarches"], duration=draft["duration"],
                **form.cleaned_data)
        except services.MandateError as error:
            form.add_error(None, str(error))
        else:
            fc_identity.pop_verified_identity(request)
            request.session.pop(DRAFT_KEY, None)
            _announce(request, mandate, "Le mandat est créé.")
            return redirect("mandates:detail", mandate.pk)
    return render(request, "mandates/create_recap.html", {
        "form": form, "identity": identity, "birthdate": french_birthdate(identity.birthdate),
        "draft": _draft_context(draft), "replaced": selectors.authorisations_to_supersede(
            organisation=request.user.current_structure, issuer=identity.issuer,
            sub=identity.sub, demarches=draft["demarches"])})


def _announce(request, mandate, text: str) -> None:
    messages.success(request, f"{text} Imprimez le récépissé et faites-le signer.")
    for old in getattr(mandate, "superseded_authorisations", []):
        messages.warning(request, (
            f"L'autorisation « {old.get_demarche_display()} » du mandat du "
            f"{timezone.localtime(old.mandate.created_at):%d/%m/%Y} a été révoquée : ce nouveau "
            "mandat la remplace."))


# --- Revocation and renewal --------------------------------------------------------------

def _revoke_flow(request, *, template: str, context: dict, action):
    """GET: the reason; POST: confirm page; POST with confirm=True: the revocation itself."""
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not form.cleaned_data["confirm"]:
            return render(request, template, {**context, "form": form, "confirming": True})
        try:
            action(form.cleaned_data["reason"])
        except services.MandateError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "La révocation est enregistrée.")
        return redirect("mandates:detail", context["mandate"].pk)
    return render(request, template, {**context, "form": form, "confirming": False})


@fresh_otp_required
@require_http_methods(["GET", "POST"])
def revoke_view(request, mandate_id):
    mandate = selectors.access_mandate(aidant=request.user, mandate_id=mandate_id)
    return _revoke_flow(request, template="mandates/revoke.html", context={"mandate": mandate},
                        action=lambda reason: services.mandate_revoke(
                            mandate=mandate, actor=request.user, reason=reason))


@fresh_otp_required
@require_http_methods(["GET", "POST"])
def authorisation_revoke_view(request, mandate_id, authorisation_id):
    mandate = selectors.access_mandate(aidant=request.user, mandate_id=mandate_id)
    authorisation = next((a for a in mandate.authorisations.all()
                          if a.pk == authorisation_id), None)
    if authorisation is None:
        raise Http404(selectors.NOT_FOUND)
    return _revoke_flow(
        request, template="mandates/revoke.html",
        context={"mandate": mandate, "authorisation": authorisation},
        action=lambda reason: services.authorisation_revoke(
            authorisation=authorisation, actor=request.user, reason=reason))


@fresh_otp_required
@require_http_methods(["GET", "POST"])
def renew_view(request, mandate_id):
    mandate = selectors.access_mandate(aidant=request.user, mandate_id=mandate_id)
    initial = {"duration": mandate.duration,
               "demarches": [a.demarche for a in mandate.authorisations.all()]}
    form = RenewForm(request.POST or None, organisation=mandate.organisation, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.mandate_renew(mandate=mandate, aidant=request.user, **form.cleaned_data)
        except services.MandateError as error:
            form.add_error(None, str(error))
        else:
            _announce(request, new, "Le mandat est renouvelé.")
            return redirect("mandates:detail", new.pk)
    return render(request, "mandates/renew.html", {"form": form, "mandate": mandate})
