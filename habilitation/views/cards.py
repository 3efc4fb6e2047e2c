"""TOTP cards of the structures a référent manages (staff: all)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from habilitation import services
from habilitation.decorators import manager_required
from habilitation.errors import HabilitationError
from habilitation.forms import CardAssignForm, CardConfirmForm
from habilitation.models import TOTPCard
from habilitation.views import posted


def access_card(*, aidant, pk: int) -> TOTPCard:
    """The card if `aidant` manages its structure; the same 404 for missing and forbidden."""
    return get_object_or_404(TOTPCard.objects.visible_by(aidant).distinct(), pk=pk)


@manager_required
def card_list_view(request):
    cards = (TOTPCard.objects.visible_by(request.user).distinct()
             .select_related("organisation", "aidant"))
    status = request.GET.get("status", "")
    if status in TOTPCard.Status.values:
        cards = cards.filter(status=status)
    return render(request, "habilitation/card_list.html", {
        "cards": cards[:1000], "status": status, "statuses": TOTPCard.Status.choices})


@manager_required
def card_assign_view(request, pk: int):
    card = access_card(aidant=request.user, pk=pk)
    form = CardAssignForm(posted(request), organisation=card.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.card_assign(card=card, aidant=form.cleaned_data["aidant"], actor=request.user)
        except HabilitationError as exc:
            form.add_error("aidant", exc.message)
        else:
            return redirect("habilitation:card_confirm", pk=card.pk)
    return render(request, "habilitation/card_assign.html", {"card": card, "form": form})


@manager_required
def card_confirm_view(request, pk: int):
    card = access_card(aidant=request.user, pk=pk)
    form = CardConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.card_confirm(card=card, code=form.cleaned_data["code"], actor=request.user)
        except HabilitationError as exc:
            form.add_error("code", exc.message)
        else:
            messages.success(request, f"La carte {card.serial} est active pour "
                                      f"{card.aidant.get_full_name()}.")
            return redirect("habilitation:card_list")
    return render(request, "habilitation/card_confirm.html", {"card": card, "form": form})


@require_POST
@manager_required
def card_retire_view(request, pk: int, action: str):
    card = access_card(aidant=request.user, pk=pk)
    try:
        if action == "lost":
            services.card_report_lost(card=card, actor=request.user,
                                      reason=request.POST.get("reason", ""))
        else:
            services.card_deactivate(card=card, actor=request.user)
    except HabilitationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"La carte {card.serial} ne permet plus de se connecter.")
    return redirect("habilitation:card_list")
