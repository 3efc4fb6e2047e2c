"""A gunicorn worker SIGKILLed in the middle of mandate creations and delegated logins, for
real: `bench/faults.py worker_kill` in small mode (about 30 s), on its own PostgreSQL database.

Runs in both passes of `make test` whatever DATABASE_URL says, since gunicorn needs a database
shared between processes. Without a reachable PostgreSQL it is skipped, except under CI.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/procuration_test")


def test_worker_kill_loses_nothing():
    reachable = subprocess.run([sys.executable, "-m", "config.dbcheck", PG_URL], cwd=ROOT,
                               capture_output=True).returncode == 0
    if not reachable:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is required in CI for the worker-kill test")
        pytest.skip("PostgreSQL unreachable: worker-kill test NOT run")
    environ = {**os.environ, "DATABASE_URL": PG_URL, "BENCH_SCALE": "small",
               "BENCH_LOAD_DB": "procuration_faulttest_worker_kill"}
    result = subprocess.run([sys.executable, "-m", "bench.faults", "worker_kill"], cwd=ROOT,
                            env=environ, capture_output=True, text=True, timeout=300)
    summary = [line for line in result.stderr.splitlines() if line.startswith("faults: worker")]
    assert result.returncode == 0, (summary, result.stdout[-2000:], result.stderr[-2000:])
    assert result.stdout.strip().splitlines()[-1] == "faults: worker_kill ok"
    detail = summary[0]
    assert "4 workers SIGKILLed" in detail and "invariants broken: none" in detail
    assert "audit_verify: OK" in detail and "recovery: yes" in detail
