"""National staff pages: structure sign-ups, charter versions, card stock import."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from habilitation import services
from habilitation.decorators import staff_required
from habilitation.errors import CardImportError, HabilitationError
from habilitation.forms import ApproveForm, CardImportForm, CharterPublishForm, RefusalForm
from habilitation.models import Charter, StructureRequest
from habilitation.views import posted


@staff_required
def structure_request_list_view(request):
    status = request.GET.get("status", StructureRequest.Status.PENDING)
    requests = StructureRequest.objects.all()
    if status in StructureRequest.Status.values:
        requests = requests.filter(status=status)
    return render(request, "habilitation/structure_request_list.html", {
        "requests": requests, "status": status, "statuses": StructureRequest.Status.choices})


@staff_required
def structure_request_detail_view(request, pk: int):
    structure_request = get_object_or_404(StructureRequest, pk=pk)
    approve_form = ApproveForm(initial={"allowed_demarches": structure_request.allowed_demarches})
    refuse_form = RefusalForm()
    if request.method == "POST":
        action = request.POST.get("action")
        form = ApproveForm(request.POST) if action == "approve" else RefusalForm(request.POST)
        if form.is_valid():
            try:
                _review(structure_request, action, form.cleaned_data, request.user)
            except HabilitationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Décision enregistrée ; le demandeur est prévenu "
                                          "par e-mail.")
                return redirect("habilitation:structure_request_list")
        approve_form, refuse_form = ((form, refuse_form) if action == "approve"
                                     else (approve_form, form))
    return render(request, "habilitation/structure_request_detail.html", {
        "structure_request": structure_request, "approve_form": approve_form,
        "refuse_form": refuse_form})


def _review(structure_request, action, data, actor):
    if action == "approve":
        services.structure_request_approve(structure_request=structure_request, actor=actor,
                                           allowed_demarches=data["allowed_demarches"])
    else:
        services.structure_request_refuse(structure_request=structure_request, actor=actor,
                                          reason=data["reason"])


@staff_required
def charter_publish_view(request):
    form = CharterPublishForm(posted(request), initial={
        "text": getattr(Charter.objects.current(), "text", "")})
    if request.method == "POST" and form.is_valid():
        charter = services.charter_publish(text=form.cleaned_data["text"], actor=request.user)
        messages.success(request, f"Version {charter.version} publiée : chaque aidant devra "
                                  "l'accepter.")
        return redirect("habilitation:charter")
    return render(request, "habilitation/charter_publish.html", {
        "form": form, "charters": Charter.objects.all()})


@staff_required
def card_import_view(request):
    form = CardImportForm(posted(request), request.FILES if request.method == "POST" else None)
    line_errors = []
    if request.method == "POST" and form.is_valid():
        try:
            cards = services.cards_import(organisation=form.cleaned_data["organisation"],
                                          csv_text=form.cleaned_data["file"], actor=request.user)
        except CardImportError as exc:
            form.add_error("file", exc.message)
            line_errors = exc.errors
        else:
            messages.success(request, f"{len(cards)} carte(s) importée(s).")
            return redirect("habilitation:card_list")
    return render(request, "habilitation/card_import.html", {
        "form": form, "line_errors": line_errors})

