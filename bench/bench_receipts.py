"""Receipt PDF render time (issue 4): WeasyPrint PDF/A-3u + PAdES seal, p50/p95.

Creates one structure, aidant, usager and a three-démarche mandate inside a transaction that is
rolled back, so the database is left as found. Warm-up renders (font loading, template and key
caches) are not counted: a server process pays them once. Wall-clock figures are the target;
CPU figures (process time) are reported too because the benchmark often shares its cores.
"""

import statistics
import time

from django.core.management import call_command
from django.db import transaction

from bench.common import emit, small

WARMUP = 3


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _mandate():
    from tests import factories

    mandate = factories.MandateFactory(demarches=["social", "argent", "logement"])
    # Loaded as the view loads it (mandates.selectors.access_mandate).
    return (type(mandate).objects.select_related("usager", "organisation", "created_by")
            .prefetch_related("authorisations").get(pk=mandate.pk))


def _time(render, count: int) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    for _ in range(count):
        started, started_cpu = time.perf_counter(), time.process_time()
        render()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu


def run() -> None:
    from mandates.receipts import pdf
    from mandates.seal import seal_pdf

    call_command("migrate", interactive=False, verbosity=0)
    count = 30 if small() else 200
    extra = 10 if small() else 100
    with transaction.atomic():
        mandate = _mandate()
        _time(lambda: pdf.render_receipt(mandate), WARMUP)
        sealed, sealed_cpu = _time(lambda: pdf.render_receipt(mandate), count)
        plain, _ = _time(lambda: pdf.render_receipt(mandate, seal=False), extra)
        unsigned = pdf.render_receipt(mandate, seal=False)
        seal_only, _ = _time(lambda: seal_pdf(unsigned), extra)
        transaction.set_rollback(True)
    emit("receipt_pdf_sealed_p50", statistics.median(sealed), "ms", "<= 100 ms")
    emit("receipt_pdf_sealed_p95", _percentile(sealed, 0.95), "ms", "report")
    emit("receipt_pdf_sealed_cpu_p50", statistics.median(sealed_cpu), "ms", "report")
    emit("receipt_pdf_unsealed_p50", statistics.median(plain), "ms", "report")
    emit("receipt_seal_only_p50", statistics.median(seal_only), "ms", "report")
