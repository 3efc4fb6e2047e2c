"""Habilitation requests: référents (their structures) and staff (all) list, file and advance."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from habilitation import selectors, services
from habilitation.decorators import manager_required
from habilitation.errors import HabilitationError
from habilitation.forms import HabilitationRequestForm, RefusalForm, RequestFilterForm, TrainingForm
from habilitation.models import HabilitationStatus
from habilitation.permissions import is_manager
from habilitation.views import posted

S = HabilitationStatus


def access_request(*, aidant, pk: int):
    """The request if `aidant` manages its structure; the same 404 for missing and forbidden."""
    return get_object_or_404(selectors.habilitation_requests_for(aidant=aidant), pk=pk)


@manager_required
def request_list_view(request):
    organisations = selectors.managed_organisations(aidant=request.user)
    form = RequestFilterForm(request.GET or None, organisations=organisations)
    filters = form.cleaned_data if form.is_valid() else {}
    organisation = filters.get("organisation")
    requests = selectors.habilitation_requests_for(
        aidant=request.user, status=filters.get("status", ""), query=filters.get("q", ""),
        organisation_id=organisation.pk if organisation else None)
    return render(request, "habilitation/request_list.html", {
        "form": form, "requests": requests[:500], "statuses": S})


@manager_required
def request_create_view(request):
    organisations = selectors.managed_organisations(aidant=request.user)
    form = HabilitationRequestForm(posted(request), organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.habilitation_request_create(actor=request.user, **form.cleaned_data)
        except HabilitationError as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(request, "Demande envoyée à l'équipe nationale.")
            return redirect("habilitation:request_detail", pk=created.pk)
    return render(request, "habilitation/request_create.html", {"form": form})


@manager_required
def request_detail_view(request, pk: int):
    habilitation_request = access_request(aidant=request.user, pk=pk)
    return _render_detail(request, habilitation_request)


def _render_detail(request, habilitation_request, *, refuse_form=None, training_form=None,
                   status=200):
    return render(request, "habilitation/request_detail.html", {
        "hr": habilitation_request,
        "refuse_form": refuse_form or RefusalForm(),
        "training_form": training_form or TrainingForm(),
        "can_manage": is_manager(request.user, habilitation_request.organisation),
        "is_staff": request.user.is_staff,
        "statuses": S,
    }, status=status)


ACTIONS = {
    "validate": lambda hr, actor, data: services.habilitation_request_validate(
        request=hr, actor=actor),
    "refuse": lambda hr, actor, data: services.habilitation_request_refuse(
        request=hr, actor=actor, reason=data["reason"]),
    "training": lambda hr, actor, data: services.habilitation_training_record(
        request=hr, actor=actor, **data),
    "second_factor": lambda hr, actor, data: services.habilitation_second_factor_check(
        request=hr, actor=actor),
    "complete": lambda hr, actor, data: services.habilitation_complete(request=hr, actor=actor),
}
FORMS = {"refuse": RefusalForm, "training": TrainingForm}


@require_POST
@manager_required
def request_action_view(request, pk: int, action: str):
    habilitation_request = access_request(aidant=request.user, pk=pk)
    if action not in ACTIONS:
        return redirect("habilitation:request_detail", pk=pk)
    form = FORMS[action](request.POST) if action in FORMS else None
    if form is not None and not form.is_valid():
        return _render_detail(request, habilitation_request, status=400,
                              **{f"{action}_form": form})
    try:
        ACTIONS[action](habilitation_request, request.user, form.cleaned_data if form else {})
    except HabilitationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Étape enregistrée ; la personne concernée est prévenue par "
                                  "e-mail.")
    return redirect("habilitation:request_detail", pk=pk)
