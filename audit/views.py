"""Auditor pages (read-only) and the public key / latest checkpoint for witnesses."""

from datetime import timedelta

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from audit import checkpoints, selectors, services
from audit.decorators import auditor_required
from audit.forms import EntryFilterForm
from audit.proofs import tree_size
from audit.verification import verify_database

KIND_LABELS = {
    "modified entry": "entrée modifiée",
    "deleted entry": "entrée supprimée",
    "reordered entries": "entrées réordonnées",
    "truncated or rolled-back log": "journal tronqué ou revenu en arrière",
    "forged or unknown signature": "signature falsifiée ou inconnue",
}


def _filters(form) -> dict:
    if not form.is_valid():
        return {}
    return {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}


@require_GET
@auditor_required
def entries(request):
    form = EntryFilterForm(request.GET or None)
    filters = _filters(form) if request.GET else {}
    form.describe_fields()
    page = Paginator(selectors.entries_filtered(**filters), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/entries.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "checkpoint": checkpoints.latest(), "tree_size": tree_size(),
    })


@require_GET
@never_cache
@auditor_required
def verification(request):
    verdict = verify_database(columns=True)
    return render(request, "audit/verification.html", {
        "verdict": verdict,
        "kind": KIND_LABELS.get(verdict.failure.kind, "") if verdict.failure else "",
        "checkpoint": checkpoints.latest(), "checked_at": timezone.now(),
    })


@require_GET
@auditor_required
def export(request):
    form = EntryFilterForm(request.GET or None)
    filters = _filters(form) if request.GET else {}
    since = selectors.start_of(filters["date_from"]) if "date_from" in filters else None
    until = (selectors.start_of(filters["date_to"]) + timedelta(days=1)
             if "date_to" in filters else None)
    handle = services.export_for_download(actor=request.user, since=since, until=until,
                                          structure=filters.get("structure"))
    name = f"journal-{timezone.now():%Y%m%d-%H%M%S}.jsonl"
    return FileResponse(handle, as_attachment=True, filename=name,
                        content_type="application/jsonl")


@require_GET
def public_key(request):
    return HttpResponse(checkpoints.public_vkey() + "\n", content_type="text/plain; charset=utf-8")


@require_GET
@never_cache
def latest_checkpoint(request):
    checkpoint = checkpoints.latest()
    if checkpoint is None:
        raise Http404("Aucun point de contrôle")
    return HttpResponse(checkpoint.note, content_type="text/plain; charset=utf-8")
