"""Audit journal benchmark (issue 3), PostgreSQL only, in its own scratch database.

Figures (one JSON line each, `bench.common.emit`):
- `audit_append_rate_{1,16,32}w`: committed transactions/s, each recording one entry with
  `audit.record()` (personal payload included), while `manage.py audit_sequencer` runs in its
  own process (default poll); baseline: the same threads inserting one row per transaction
  through the ORM into `bench_plain_entry`, created `LIKE audit_entry INCLUDING ALL` (same
  columns and indexes, no triggers), measured in the same run. Target at 32 writers: >= 80% of
  the baseline.
- `audit_added_latency_p99_ms`: p99 of a business transaction (one plain insert) with its
  journal entry, minus the p99 without it (baseline), one writer looping. Target <= 5 ms.
- `audit_added_latency_p99_16w_ms`: the same with 16 writer processes (forked, like gunicorn's
  workers: threads in one process would measure GIL contention, not the journal) in open loop at
  a stated load below saturation: together they start 25% of the transactions/s the same 16
  processes reach without the journal in the saturated run below (offered rate printed in the
  target). 25%, not more: this business transaction is a single insert, so the journal doubles
  its statements and the with-journal variant saturates near 50% of the plain rate. Each writer
  starts one transaction every 16/rate s from a random phase, scheduled on the monotonic clock
  (a late start does not push the next ones back), and latency runs from the scheduled start, so
  time queued behind a slow transaction counts. Writers run a few untimed transactions first
  (a forked child's first ones pay copy-on-write faults) and all exit together at the end.
  Each variant runs 30 s (12 s at small scale) in 6 slices alternating with the other's.
  Baseline: the p99 without the journal at the same offered rate. Target <= 5 ms.
- `audit_added_latency_p99_16w_saturated_ms`: the same 16 processes in closed loop (each starts
  its next transaction as soon as the last one commits). Saturated, latency is writers /
  throughput (Little's law), so this is the throughput ratio in another form, which the append
  rates already cover: reported, no target.
- `audit_sequencer_lag_p99_ms`: over every entry of the 16-writer run, p99 of the time from its
  transaction's start (`created_at`) to its leaf's insertion (`sequenced_at`) by the sequencer
  process. Target <= 1 s.
- `audit_sequencer_rate`: entries/s sequenced by one in-process sequencer from a backlog.
- `audit_verify_db_rate`: `verify_database()` (all hashes, chain, tree, stored leaf hashes,
  checkpoints) in entries/s; baseline: a bare SHA-256 loop over the same stored bytes in memory.
  Target >= 300,000/s.
- `audit_verify_export_rate_<n>`: `audit.verify.verify_export()` of a full export file of the
  same entries; same baseline. Target >= 40% of it.
- `audit_verify_{db,export}_cpu_rate`: the same runs per CPU second of this process, next to the
  baseline's (immune to other processes' load; PostgreSQL's work is not counted).
  Each verification figure and the baseline are the best of 5 interleaved runs.
The verification journal holds 1,000,000 entries (BENCH_SCALE=small: 50,000, and 1.5 s per
throughput phase instead of 5 s), topped up server-side with synthetic rows the real sequencer
then sequences.
"""

import functools
import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dj_database_url
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, models, transaction
from django.utils import timezone

from audit import record
from audit.actor import Actor
from audit.checkpoints import checkpoint_now, verifier
from audit.events import EventType
from audit.export import write_export
from audit.models import Entry
from audit.sequencer import sequence_pending
from audit.verification import verify_database
from audit.verify import verify_export
from bench import runners
from bench.common import emit, quiesce, recreate_database, small

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "procuration_bench_audit"
OPEN_LOOP_LOAD = 0.25  # share of the saturated plain rate offered in the open-loop latency run
# The open-loop run per variant (full scale, small scale) and its alternating slices: a p99
# needs samples. This shared box stalls about every 10 s for 20-60 ms with no process on a CPU
# (the virtual disk's fsync), delaying every writer: in 1.5 s of samples one such stall set a
# variant's p99 alone (a plain p99 of 28 ms was seen). 30 s (12 s small) and 6 slices spread the
# stalls over both variants and keep each under a fraction of the top 1%.
OPEN_LOOP_SECONDS = {False: 30.0, True: 12.0}
OPEN_LOOP_SLICES = 6
PAYLOAD = {"duration_days": 365, "demarches": ["social", "logement"], "channel": "desk"}


def _plain_model():
    class Meta:
        app_label = "audit"
        db_table = "bench_plain_entry"
        managed = False

    fields = {f.name: f.clone() for f in Entry._meta.local_fields if f.name != "xid"}
    return type("BenchPlainEntry", (models.Model,), {**fields, "Meta": Meta,
                                                     "__module__": __name__})


def _audit_tx(i: int, plain) -> None:
    with transaction.atomic():
        record(EventType.MANDATE_CREATED, actor=Actor.system("bench"), structure=i % 300,
               usager=i, mandate=i, demarche="social", payload=PAYLOAD,
               personal={"family_name": "Martin", "given_name": "Marie"})


def _plain_tx(i: int, plain) -> None:
    with transaction.atomic():
        plain.objects.create(event_type="mandate.created", actor_kind="system",
                             actor_name="bench", structure_id=i % 300, usager_id=i, mandate_id=i,
                             demarche="social", payload=PAYLOAD, personal_hash="0" * 64)


def _business_tx(i: int, plain, journal: bool) -> None:
    with transaction.atomic():
        plain.objects.create(event_type="mandate.created", actor_kind="system",
                             usager_id=i, payload=PAYLOAD)
        if journal:
            record(EventType.MANDATE_CREATED, actor=Actor.system("bench"), usager=i,
                   payload=PAYLOAD, personal={"family_name": "Martin"})


def _lag_p99(since) -> float:
    """p99 over every entry since `since` of (sequenced_at - created_at), in seconds."""
    deadline = time.monotonic() + 60
    while Entry.objects.filter(created_at__gte=since, leaf__isnull=True).exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the sequencer fell behind by more than a minute")
        time.sleep(0.1)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM"
            " l.sequenced_at - e.created_at)) FROM audit_leaf l JOIN audit_entry e"
            " ON e.id = l.entry_id WHERE e.created_at >= %s", [since])
        return cursor.fetchone()[0]


def _start_sequencer(url: str) -> subprocess.Popen:
    """`manage.py audit_sequencer` as `make demo` and `make serve` run it: its default poll."""
    env = {**os.environ, "DATABASE_URL": url, "AUDIT_CHECKPOINT_INTERVAL": "5"}
    return subprocess.Popen([sys.executable, "manage.py", "audit_sequencer"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _wait_sequencer_ready() -> None:
    """Measure a running sequencer, not its start-up: wait until it sequenced a first entry."""
    with transaction.atomic():
        entry = record(EventType.LOGOUT, actor=Actor.system("bench-start"))
    deadline = time.monotonic() + 120
    while not Entry.objects.filter(pk=entry.pk, leaf__isnull=False).exists():
        if time.monotonic() > deadline:
            raise RuntimeError("audit_sequencer did not start")
        time.sleep(0.1)


def _appends(seconds: float, plain) -> None:
    for writers in (1, 16, 32):
        since = timezone.now()
        (baseline, _), (rate, _) = runners.alternate(
            writers, seconds, lambda i: _plain_tx(i, plain), lambda i: _audit_tx(i, plain))
        if writers == 16:
            emit("audit_sequencer_lag_p99_ms", _lag_p99(since) * 1000, "ms", "<= 1000")
        emit(f"audit_append_rate_{writers}w", rate, "tx/s",
             ">= 80% of plain inserts at 32 writers", baseline)
    _added_latencies(seconds, plain)


def _added_latency(writers: int, seconds: float, plain, runner,
                   slices: int = 3) -> tuple[float, float, float]:
    """(rate without the journal, added p99 in ms, p99 without the journal in ms)."""
    (rate, without), (_, with_journal) = runners.alternate(
        writers, seconds, lambda i: _business_tx(i, plain, False),
        lambda i: _business_tx(i, plain, True), slices=slices, runner=runner)
    added = max(runners.p99(with_journal) - runners.p99(without), 0)
    return rate, added * 1000, runners.p99(without) * 1000


def _added_latencies(seconds: float, plain) -> None:
    _, added, baseline = _added_latency(1, seconds, plain, runners.run_processes)
    emit("audit_added_latency_p99_ms", added, "ms", "<= 5", baseline)
    saturated_rate, added, baseline = _added_latency(16, seconds, plain, runners.run_processes)
    emit("audit_added_latency_p99_16w_saturated_ms", added, "ms",
         "report (saturation: see append rates)", baseline)
    offered = OPEN_LOOP_LOAD * saturated_rate
    # The saturated runs above leave PostgreSQL with dirty buffers to write back: flushed now,
    # not during the latency measurement (as the OIDC benchmark does before its own).
    quiesce(connection.settings_dict)
    _, added, baseline = _added_latency(16, OPEN_LOOP_SECONDS[small()], plain,
                                        functools.partial(runners.run_paced, rate=offered),
                                        slices=OPEN_LOOP_SLICES)
    emit("audit_added_latency_p99_16w_ms", added, "ms",
         f"<= 5 in open loop at {offered:.0f} tx/s offered ({OPEN_LOOP_LOAD:.0%} of the "
         f"saturated {saturated_rate:.0f} tx/s without the journal)", baseline)


def _top_up(total: int) -> None:
    missing = total - Entry.objects.count()
    if missing <= 0:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_entry (created_at, event_type, actor_kind, actor_name,"
            " actor_aidant_id, actor_structure_id, structure_id, usager_id, mandate_id,"
            " oidc_client_id, demarche, payload, personal_hash)"
            " SELECT now(), 'mandate.created', 'aidant', '', g %% 5000, g %% 300, g %% 300, g, g,"
            " '', 'social', %s::jsonb, encode(sha256(int8send(g)), 'hex')"
            " FROM generate_series(1, %s) AS g",
            ['{"duration_days": 365, "demarches": ["social", "logement"], "channel": "desk"}',
             missing])


def _stored_lines() -> list[bytes]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT canonical FROM audit_leaf ORDER BY seq")
        return [bytes(r[0]) for r in cursor.fetchall()]


def _sha_loop(lines: list[bytes]) -> int:
    sha = hashlib.sha256
    for line in lines:
        sha(line).digest()
    return len(lines)


def _timed(work) -> tuple[int, float, float]:
    """(entries, wall seconds, CPU seconds of this process) of one run of `work()`."""
    wall, cpu = time.perf_counter(), time.process_time()
    count = work()
    return count, time.perf_counter() - wall, time.process_time() - cpu


def _verified(verdict) -> int:
    if not verdict.ok:
        raise RuntimeError(verdict.line())
    return verdict.size


def _best_rates(works: dict, rounds: int = 5) -> dict:
    """Best wall and CPU rates (entries/s) of each work over `rounds` interleaved rounds.

    The box is shared: one run of ~0.2 s can lose half its time to other processes, so each
    figure and its baseline are the best of the same number of runs, taken in turn.
    """
    best = {name: [0.0, 0.0] for name in works}
    for _ in range(rounds):
        for name, work in works.items():
            count, wall, cpu = _timed(work)
            best[name][0] = max(best[name][0], count / wall)
            best[name][1] = max(best[name][1], count / cpu)
    return best


def _verification(total: int) -> None:
    _top_up(total)
    start = time.perf_counter()
    count = sequence_pending(batch=20_000)
    emit("audit_sequencer_rate", count / (time.perf_counter() - start), "entries/s",
         "keeps up with appends")
    checkpoint_now()
    connection.close()
    lines = _stored_lines()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "journal.jsonl"
        with open(path, "wb") as handle:
            write_export(handle)
        key = verifier()
        best = _best_rates({
            "sha": lambda: _sha_loop(lines),
            "db": lambda: _verified(verify_database()),
            "export": lambda: _verified(verify_export(str(path), key, [])),
        })
    sha, db, export = best["sha"], best["db"], best["export"]
    emit("audit_verify_db_rate", db[0], "entries/s", ">= 300000", sha[0])
    emit(f"audit_verify_export_rate_{len(lines)}", export[0], "entries/s",
         ">= 40% of bare SHA-256", sha[0])
    # The same runs in CPU seconds of this process (PostgreSQL's own work excluded): what the
    # figures above are when nothing else competes for the cores.
    emit("audit_verify_db_cpu_rate", db[1], "entries/CPU-s", ">= 300000", sha[1])
    emit("audit_verify_export_cpu_rate", export[1], "entries/CPU-s",
         ">= 40% of bare SHA-256", sha[1])


def run() -> None:
    if connection.vendor != "postgresql":
        print("bench_audit: PostgreSQL only (set DATABASE_URL); skipped.")
        return
    seconds, total = (1.5, 50_000) if small() else (5.0, 1_000_000)
    cfg = dj_database_url.parse(settings.DATABASE_URL)
    original = connection.settings_dict["NAME"]
    sequencing = settings.AUDIT_SEQUENCING
    recreate_database(cfg, BENCH_DB)
    connections.close_all()
    connection.settings_dict["NAME"] = BENCH_DB
    settings.AUDIT_SEQUENCING = "process"
    url = settings.DATABASE_URL.rsplit("/", 1)[0] + "/" + BENCH_DB
    sequencer = None
    try:
        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE bench_plain_entry (LIKE audit_entry INCLUDING ALL)")
            cursor.execute("ALTER TABLE bench_plain_entry ALTER COLUMN xid DROP DEFAULT")
        sequencer = _start_sequencer(url)
        _wait_sequencer_ready()
        _appends(seconds, _plain_model())
        sequencer.send_signal(signal.SIGTERM)
        sequencer.wait(timeout=30)
        _verification(total)
    finally:
        if sequencer is not None and sequencer.poll() is None:
            sequencer.kill()
        connections.close_all()
        connection.settings_dict["NAME"] = original
        settings.AUDIT_SEQUENCING = sequencing
        if not os.environ.get("BENCH_KEEP"):
            recreate_database(cfg, BENCH_DB, drop_only=True)
