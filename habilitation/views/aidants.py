"""A structure's aidants: who is inactive, and deactivation by a référent or staff."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from aidants.models import Aidant
from habilitation import selectors, services
from habilitation.decorators import manager_required
from habilitation.errors import HabilitationError
from habilitation.forms import DeactivateForm


@manager_required
def aidant_list_view(request):
    organisations = selectors.managed_organisations(aidant=request.user)
    inactive_only = request.GET.get("inactifs") == "1"
    if inactive_only:
        aidants = selectors.inactive_aidants()
        if not request.user.is_staff:
            aidants = aidants.filter(memberships__organisation__in=organisations)
    else:
        aidants = Aidant.objects.filter(memberships__organisation__in=organisations).order_by(
            "last_name", "first_name")
    return render(request, "habilitation/aidant_list.html", {
        "aidants": aidants.distinct()[:1000], "inactive_only": inactive_only,
        "form": DeactivateForm()})


def _access_member(request, pk: int):
    """(aidant, one of their structures the user manages); the same 404 if missing or not ours."""
    organisations = selectors.managed_organisations(aidant=request.user)
    aidant = get_object_or_404(
        Aidant.objects.filter(memberships__organisation__in=organisations).distinct(), pk=pk)
    organisation = organisations.filter(memberships__aidant=aidant).first()
    if organisation is None:
        raise Http404
    return aidant, organisation


@require_POST
@manager_required
def aidant_deactivate_view(request, pk: int):
    aidant, organisation = _access_member(request, pk)
    form = DeactivateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Indiquez le motif de la désactivation.")
        return redirect("habilitation:aidant_list")
    try:
        services.aidant_deactivate_in_structure(aidant=aidant, organisation=organisation,
                                                actor=request.user,
                                                reason=form.cleaned_data["reason"])
    except HabilitationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{aidant.get_full_name()} est désactivé : ses sessions sont "
                                  "fermées, ses mandats restent à la structure.")
    return redirect("habilitation:aidant_list")


@require_POST
@manager_required
def aidant_invite_view(request, pk: int):
    aidant, organisation = _access_member(request, pk)
    try:
        services.invitation_resend(aidant=aidant, organisation=organisation, actor=request.user)
    except HabilitationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Un nouveau lien a été envoyé à {aidant.email}.")
    return redirect("habilitation:aidant_list")
