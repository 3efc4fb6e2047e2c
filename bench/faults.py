"""Fault tests against gunicorn + PostgreSQL (issue 8): `python -m bench.faults [SCENARIO ...]`.

Scenarios (default: all three), each under load from simulated aidants of `bench/load.py`
(mandate creations and delegated logins only):
- `worker_kill`: a gunicorn worker is SIGKILLed every 2 s, four times;
- `pg_restart`: PostgreSQL is restarted (`pg_ctlcluster ... restart`) during the load. The
  cluster is shared: the scenario refuses to run (and says so) while other databases have
  active sessions, unless `--force-pg-restart`; a `finally` starts PostgreSQL again if needed;
- `read_only`: the database is switched to `default_transaction_read_only` for 5 s.

Each ends with the same checks, on the rows written during the run: no mandate without
authorisation or without its `mandate.created` entry; no authorization code without its
`oidc.delegated_login` entry; no consumed code without a token, no token without its
`oidc.token_issued` entry (no orphan token); `audit_verify` passes; every answer during the
fault was a success, a French 503, or a dropped connection (never another 5xx); and after the
fault a fresh aidant logs in, creates a mandate and does a delegated login (recovery).
Prints one JSON line per figure (`bench.common.emit`) and one summary line; exit 1 on failure.
The quick in-process equivalents run in `make test`: tests/reliability/test_faults.py.
"""

import argparse
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import django
import psycopg

from bench import load
from bench.common import emit, small
from bench.servers import free_port, stop, wait_ready

CHECKS = {
    "mandate_without_authorisation": """SELECT count(*) FROM mandates_mandate m WHERE m.id > %(m)s
        AND NOT EXISTS (SELECT 1 FROM mandates_authorisation a WHERE a.mandate_id = m.id)""",
    "mandate_without_entry": """SELECT count(*) FROM mandates_mandate m WHERE m.id > %(m)s
        AND NOT EXISTS (SELECT 1 FROM audit_entry e WHERE e.mandate_id = m.id
                        AND e.event_type = 'mandate.created')""",
    "entry_without_mandate": """SELECT count(*) FROM audit_entry e WHERE e.id > %(e)s
        AND e.event_type = 'mandate.created'
        AND NOT EXISTS (SELECT 1 FROM mandates_mandate m WHERE m.id = e.mandate_id)""",
    "code_vs_delegated_entries": """SELECT (SELECT count(*) FROM oidc_bridge_authorizationcode)
        - (SELECT count(*) FROM audit_entry WHERE id > %(e)s
           AND event_type = 'oidc.delegated_login')""",
    "used_code_without_token": """SELECT count(*) FROM oidc_bridge_authorizationcode c
        WHERE c.used_at IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM oidc_bridge_accesstoken t WHERE t.code_id = c.id)""",
    "token_vs_issued_entries": """SELECT (SELECT count(*) FROM oidc_bridge_accesstoken)
        - (SELECT count(*) FROM audit_entry WHERE id > %(e)s
           AND event_type = 'oidc.token_issued')""",
}


class Observer(load.Recorder):
    """Also tallies the status of every answer and dropped connections."""

    def __init__(self):
        super().__init__()
        self.statuses: Counter = Counter()


class WatchedAidant(load.VirtualAidant):
    def call(self, method, url, *, expect=(200, 302), browser=True, **kwargs):
        try:
            response = super().call(method, url, expect=(*expect, 400, 403, 404, 500, 502, 503),
                                    browser=browser, **kwargs)
        except load.requests.ConnectionError:
            self.recorder.statuses["dropped"] += 1
            raise
        self.recorder.statuses[response.status_code] += 1
        if response.status_code == 503 and "Rien n" not in response.text:
            self.recorder.statuses["503_not_french"] += 1
        if response.status_code not in expect:
            raise load.ActionFailed(f"{method} {url[:60]} -> {response.status_code}")
        return response


def _connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True,
                           connect_timeout=5)


def _baseline(url: str) -> dict:
    with _connect(url) as conn:
        return {"m": conn.execute("SELECT coalesce(max(id), 0) FROM mandates_mandate")
                .fetchone()[0],
                "e": conn.execute("SELECT coalesce(max(id), 0) FROM audit_entry").fetchone()[0]}


def _invariants(url: str, baseline: dict) -> dict[str, int]:
    with _connect(url) as conn:
        return {name: conn.execute(sql, baseline).fetchone()[0] for name, sql in CHECKS.items()}


def _workers(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    return [int(pid) for pid in out.stdout.split()]


def _cluster() -> tuple[str, str]:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    return version, "main"


def _pg_ready() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]).returncode == 0


def _others_active(url: str) -> int:
    with _connect(url.rsplit("/", 1)[0] + "/postgres") as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname IS NOT NULL AND datname NOT IN "
            "(%s, 'postgres') AND pid <> pg_backend_pid()", [load.BENCH_DB]).fetchone()[0]


# ---------------------------------------------------------------- the three faults

def fault_worker_kill(ctx: dict) -> str:
    kills = 0
    for _ in range(4):
        time.sleep(2)
        workers = _workers(ctx["processes"][0].pid)
        if workers:
            os.kill(random.choice(workers), signal.SIGKILL)
            kills += 1
    return f"{kills} workers SIGKILLed"


def fault_pg_restart(ctx: dict) -> str:
    time.sleep(3)
    version, name = _cluster()
    try:
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"],
                       check=True, timeout=120, capture_output=True)
    finally:
        if not _pg_ready():
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name,
                            "start"], timeout=120, capture_output=True)
    return "PostgreSQL restarted"


def fault_read_only(ctx: dict) -> str:
    time.sleep(2)
    with _connect(ctx["url"].rsplit("/", 1)[0] + "/postgres") as admin:
        admin.execute(f'ALTER DATABASE "{load.BENCH_DB}" SET default_transaction_read_only = on')
        try:
            time.sleep(5)
        finally:
            admin.execute(f'ALTER DATABASE "{load.BENCH_DB}" RESET default_transaction_read_only')
    return "read-only for 5 s"


FAULTS = {"worker_kill": fault_worker_kill, "pg_restart": fault_pg_restart,
          "read_only": fault_read_only}


# ---------------------------------------------------------------- one scenario

def _drive(base, accounts, rp, seconds, observer) -> None:
    combos = load.Combos(["social", "logement", "famille", "travail", "argent", "papiers",
                          "transports", "justice", "etranger", "loisirs"])
    deadline = time.monotonic() + seconds
    aidants = [WatchedAidant(base, a, rp, observer, combos, 100000) for a in accounts]
    threads = [threading.Thread(target=a.run, args=(deadline,), daemon=True) for a in aidants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)


def _recovered(base, account, rp) -> bool:
    fresh = load.VirtualAidant(base, account, rp, load.Recorder(),
                               load.Combos(["social", "logement"]), 1000)
    try:
        fresh.login()
        return fresh.mandate() and fresh.delegated()
    except (load.ActionFailed, load.requests.RequestException, KeyError, ValueError) as exc:
        print(f"faults: recovery failed: {exc}", file=sys.stderr)
        return False


def scenario(name: str, url: str, *, users: int, seconds: float) -> bool:

    load._use_database(url, recreate=True)
    accounts, rp = load.seed(users + 1)
    baseline = _baseline(url)
    port, simulator_port = free_port(), free_port()
    # Read-only applies to new sessions: no persistent connection may outlive the switch.
    os.environ["BENCH_DB_CONN_MAX_AGE"] = "0" if name == "read_only" else "60"
    processes = load.start_servers(url, port, simulator_port)
    base = f"http://127.0.0.1:{port}"
    observer, outcome = Observer(), {}
    try:
        wait_ready(f"{base}/connexion/", processes[0])
        wait_ready(f"http://127.0.0.1:{simulator_port}/connexion/", processes[1])
        load.WEIGHTS.clear()
        load.WEIGHTS.update({"mandate": 1, "delegated": 1})
        ctx = {"processes": processes, "url": url}
        fault = threading.Thread(target=lambda: outcome.update(what=FAULTS[name](ctx)))
        fault.start()
        _drive(base, accounts[:users], rp, seconds, observer)
        fault.join()
        time.sleep(2)  # let the sequencer reconnect after a restart
        recovered = _recovered(base, accounts[users], rp)
    finally:
        for process in processes:
            stop(process)
        os.environ.pop("BENCH_DB_CONN_MAX_AGE", None)
    load.manage(url, port, "audit_sequencer", "--once")
    verdict = load.manage(url, port, "audit_verify")
    broken = {k: v for k, v in _invariants(url, baseline).items() if v}
    bad_statuses = {s: n for s, n in observer.statuses.items()
                    if s in (500, 502, "503_not_french")}
    ok = verdict.returncode == 0 and not broken and not bad_statuses and recovered
    emit(f"fault_{name}_actions_ok", sum(observer.done.values()), "actions", "informative")
    emit(f"fault_{name}_actions_failed", sum(observer.failed.values()), "actions", "informative")
    emit(f"fault_{name}_503", observer.statuses.get(503, 0), "responses", "informative")
    emit(f"fault_{name}_dropped", observer.statuses.get("dropped", 0), "connections",
         "informative")
    emit(f"fault_{name}_ok", 1.0 if ok else 0.0, "bool", "1")
    print(f"faults: {name}: {outcome.get('what', 'fault not applied')}; "
          f"{dict(observer.done)} ok, {dict(observer.failed)} failed; statuses "
          f"{dict(observer.statuses)}; audit_verify: {verdict.stdout.strip()}; "
          f"invariants broken: {broken or 'none'}; recovery: {'yes' if recovered else 'NO'}",
          file=sys.stderr)
    return ok


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", help=", ".join(FAULTS))
    parser.add_argument("--force-pg-restart", action="store_true")
    args = parser.parse_args(argv)
    unknown = set(args.scenarios) - set(FAULTS)
    if unknown:
        parser.error(f"unknown scenario: {', '.join(sorted(unknown))}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    django.setup()
    url = load._bench_url()
    original = load.dj_database_url.parse(os.environ.get("DATABASE_URL", ""))["NAME"]
    users, seconds = (8, 12) if small() else (20, 20)
    results = {}
    try:
        for name in args.scenarios or list(FAULTS):
            if name == "pg_restart" and not args.force_pg_restart and _others_active(url):
                print("faults: pg_restart NOT RUN: other databases of the cluster have active "
                      "sessions (shared PostgreSQL); --force-pg-restart to run it anyway",
                      file=sys.stderr)
                results[name] = "not run"
                continue
            results[name] = "ok" if scenario(name, url, users=users, seconds=seconds) else "FAIL"
    finally:
        if not _pg_ready():
            version, cluster = _cluster()
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster,
                            "start"], timeout=120)
        load._use_database(url.rsplit("/", 1)[0] + "/" + original, recreate=False)
        if not os.environ.get("BENCH_KEEP"):
            with load._admin(url) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{load.BENCH_DB}" WITH (FORCE)')
    print("faults: " + ", ".join(f"{k} {v}" for k, v in results.items()))
    return 0 if all(v != "FAIL" for v in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
