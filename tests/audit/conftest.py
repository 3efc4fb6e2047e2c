"""Journal test helpers: a small real journal, and damage done the way a superuser would."""

from contextlib import contextmanager

import pytest
from django.db import connection, transaction

from audit import db_guards, record
from audit.actor import Actor
from audit.checkpoints import checkpoint_now, verifier
from audit.events import EventType
from audit.sequencer import sequence_pending
from audit.verify import verify_export

EVENTS = [EventType.LOGIN_SUCCEEDED, EventType.MANDATE_CREATED, EventType.TOKEN_ISSUED,
          EventType.LOGOUT]


def add_entries(count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        with transaction.atomic():
            record(EVENTS[i % len(EVENTS)], actor=Actor.system("test"), structure=1 + i % 2,
                   usager=100 + i % 3, mandate=i, demarche="social",
                   payload={"n": i, "note": "été"}, personal={"name": f"Usager {i}"})


@pytest.fixture
def journal(db):
    """20 sequenced entries with signed checkpoints at sizes 10 and 20."""
    add_entries(10)
    sequence_pending()
    checkpoint_now()
    add_entries(10, start=10)
    sequence_pending()
    checkpoint_now()
    return 20


@contextmanager
def triggers_off():
    """Bypass the append-only triggers like a database superuser would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
            try:
                yield cursor
            finally:
                cursor.execute("SET session_replication_role = origin")
        else:
            for sql in db_guards.uninstall(connection):
                cursor.execute(sql)
            try:
                yield cursor
            finally:
                for sql in db_guards.install(connection):
                    cursor.execute(sql)


def export_verdict(tmp_path, checkpoints=()):
    """Export the database and verify the file offline (the standalone verifier's code path)."""
    from audit.export import write_export

    path = tmp_path / "export.jsonl"
    with open(path, "wb") as handle:
        write_export(handle)
    return verify_export(str(path), verifier(), list(checkpoints)).line()
