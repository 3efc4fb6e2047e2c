"""Receipt downloads, the public verification page and the référents' statistics.

Views stay thin: access through `mandates.selectors.access_mandate` (same 404 for missing and
forbidden), printing through `mandates.receipts.printing`, reads through `verification`/`stats`.
"""

import csv
import io

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from aidants.decorators import aidant_required
from mandates import seal, stats, verification
from mandates.qr import display_short_code, normalise_short_code
from mandates.receipts import printing
from mandates.selectors import NOT_FOUND, access_mandate


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    # Inline: the browser's viewer opens it ready to print; the filename serves "save as".
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_GET
@never_cache
@aidant_required
def receipt_pdf(request, pk):
    mandate = access_mandate(aidant=request.user, mandate_id=pk)
    pdf = printing.receipt_print(mandate=mandate, actor=request.user)
    return _pdf_response(pdf, f"mandat-{mandate.short_code}.pdf")


@require_GET
@never_cache
@aidant_required
def revocation_receipt_pdf(request, pk):
    """Attestation for a mandate revoked in whole or for some démarches; 404 otherwise."""
    mandate = access_mandate(aidant=request.user, mandate_id=pk)
    try:
        pdf = printing.revocation_receipt_print(mandate=mandate, actor=request.user)
    except printing.NothingRevoked:
        raise Http404(NOT_FOUND) from None
    return _pdf_response(pdf, f"revocation-mandat-{mandate.short_code}.pdf")


def _public(response: HttpResponse) -> HttpResponse:
    # A status page must never be served stale from a cache, nor indexed.
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _throttled(request) -> HttpResponse | None:
    if verification.throttled(request.META.get("REMOTE_ADDR", "")):
        return _public(render(request, "mandates/verify_throttled.html", status=429))
    return None


@require_GET
def verify(request, short_code):
    """Public: status, dates, démarches and initials only; one neutral page for unknown codes."""
    refused = _throttled(request)
    if refused:
        return refused
    found = verification.public_mandate(short_code)
    if found is None:
        return _public(render(request, "mandates/verify_not_found.html", status=404))
    return _public(render(request, "mandates/verify.html", {
        "mandate": found, "code": display_short_code(found.short_code), "now": timezone.now()}))


@require_GET
def verify_form(request):
    """Typing the code from paper: case, spaces and dashes do not matter."""
    raw = request.GET.get("code")
    error = ""
    if raw is not None:
        code = normalise_short_code(raw)
        if code:
            return redirect("mandates:verify", short_code=code)
        error = ("Ce code n'a pas le bon format. Il se trouve sous le QR code du récépissé, "
                 "par exemple ABCD-2345.")
    return _public(render(request, "mandates/verify_form.html", {
        "raw": raw or "", "error": error, "fingerprint": seal.certificate_fingerprint()},
        status=400 if error else 200))


@require_GET
def seal_certificate(request):
    """Public: the certificate a PDF reader needs to check the seal of a forwarded receipt."""
    response = HttpResponse(seal.certificate_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="sceau-procuration.pem"'
    return response


def _referent_structure(request):
    structure = request.user.current_structure
    if structure is None or not request.user.is_referent_of(structure):
        raise Http404("Cette page est réservée aux référents de la structure.")
    return structure


@require_GET
@aidant_required
def structure_stats(request):
    structure = _referent_structure(request)
    figures = stats.structure_stats(structure=structure)
    return render(request, "mandates/stats.html", {"structure": structure, "stats": figures})


@require_GET
@never_cache
@aidant_required
def structure_stats_csv(request):
    """CSV for spreadsheets: UTF-8 with a BOM and `;` so Excel (French locale) opens it as is."""
    structure = _referent_structure(request)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows(stats.csv_rows(stats.structure_stats(structure=structure)))
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"statistiques-{structure.siret}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
