"""Shared helpers for benchmarks: scale, and the one JSON line each figure prints."""

import json
import os
import sys

SCALE = os.environ.get("BENCH_SCALE", "full")  # "small" must finish in under 5 minutes


def small() -> bool:
    return SCALE == "small"


def emit(name: str, value: float, unit: str, target: str, baseline: float | None = None) -> dict:
    """Print one figure as a JSON line; `ratio` = value / baseline when a baseline was measured."""
    line = {
        "name": name,
        "value": round(value, 3),
        "unit": unit,
        "baseline": round(baseline, 3) if baseline is not None else None,
        "ratio": round(value / baseline, 3) if baseline else None,
        "target": target,
    }
    print(json.dumps(line), flush=True)
    sys.stdout.flush()
    return line


def admin_connection(cfg: dict):
    """An autocommit connection to the `postgres` maintenance database of the server in `cfg`.

    `cfg` is a Django database settings dict (or `dj_database_url.parse` output).
    """
    import psycopg

    return psycopg.connect(host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432,
                           user=cfg["USER"] or "postgres", password=cfg["PASSWORD"] or None,
                           dbname="postgres", autocommit=True)


def recreate_database(cfg: dict, name: str, *, drop_only: bool = False) -> None:
    """Drop the benchmark database `name` (disconnecting its users) and create it empty again."""
    with admin_connection(cfg) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            admin.execute(f'CREATE DATABASE "{name}"')


def ensure_database(cfg: dict) -> None:
    """Create the database named in `cfg` if the server does not have it yet."""
    with admin_connection(cfg) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                               [cfg["NAME"]]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def quiesce(cfg: dict, *, timeout: float = 60.0) -> None:
    """Let PostgreSQL settle before a latency measurement: flush dirty buffers (CHECKPOINT) and
    wait, at most `timeout` seconds, for running autovacuum workers (the previous benchmark may
    have written millions of rows) to finish, so they do not share the 2 cores with it."""
    import time

    with admin_connection(cfg) as admin:
        admin.execute("CHECKPOINT")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
        ).fetchone()[0]:
            time.sleep(0.5)
