"""Many concurrent writers and two sequencers started by mistake: one linear history.

PostgreSQL only (SQLite serialises every writer, so there is no race to test there).
"""

import threading

import pytest
from django.db import connection, connections, transaction

from audit import record
from audit.actor import Actor
from audit.events import EventType
from audit.models import Entry, Head, Leaf
from audit.sequencer import sequence_batch
from audit.verification import verify_database

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL concurrency"),
]
WRITERS, TRANSACTIONS = 16, 25


def _writer(number: int, errors: list) -> None:
    try:
        for i in range(TRANSACTIONS):
            with transaction.atomic():
                for k in range(1 + (number + i) % 3):
                    record(EventType.TOKEN_ISSUED, actor=Actor.system(f"w{number}"),
                           payload={"writer": number, "tx": i, "k": k})
    except Exception as exc:  # noqa: BLE001 - thread boundary: hand the failure to the test
        errors.append(exc)
    finally:
        connections.close_all()


def _sequencer(done: threading.Event, counts: list, errors: list) -> None:
    try:
        while True:
            finished = done.is_set()
            count = sequence_batch(batch=13)
            counts.append(count)
            if finished and count == 0:
                return
    except Exception as exc:  # noqa: BLE001 - thread boundary
        errors.append(exc)
    finally:
        connections.close_all()


def test_concurrent_writers_and_two_sequencers_make_one_history(settings):
    settings.AUDIT_SEQUENCING = "process"
    errors, counts = [], []
    done = threading.Event()
    sequencers = [threading.Thread(target=_sequencer, args=(done, counts, errors))
                  for _ in range(2)]
    writers = [threading.Thread(target=_writer, args=(n, errors)) for n in range(WRITERS)]
    for thread in sequencers + writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    for thread in sequencers:
        thread.join()
    assert errors == []
    expected = sum(1 + (n + i) % 3 for n in range(WRITERS) for i in range(TRANSACTIONS))
    rows = list(Leaf.objects.order_by("seq").values_list("seq", "prev_hash", "leaf_hash"))
    assert Entry.objects.count() == len(rows) == expected == sum(counts)  # none lost or doubled
    assert Leaf.objects.values("entry_id").distinct().count() == expected
    assert [seq for seq, _, _ in rows] == list(range(expected))  # no gap, no fork
    previous = bytes(32)
    for _, prev, leaf in rows:
        assert bytes(prev) == previous
        previous = bytes(leaf)
    assert Head.objects.get().size == expected
    assert verify_database().line().startswith(f"OK {expected} entries")


def test_late_commit_is_never_skipped(settings):
    """A transaction that started writing first but commits last still gets its place."""
    settings.AUDIT_SEQUENCING = "process"
    written, release, errors = threading.Event(), threading.Event(), []

    def slow_writer():
        try:
            with transaction.atomic():
                record(EventType.LOGOUT, actor=Actor.system("slow"))
                written.set()
                release.wait(timeout=30)
        except Exception as exc:  # noqa: BLE001 - thread boundary
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert written.wait(timeout=30)
    with transaction.atomic():
        record(EventType.LOGOUT, actor=Actor.system("fast"))
    assert sequence_batch() == 0  # held back: the slow writer could still add older rows
    release.set()
    thread.join()
    assert errors == [] and sequence_batch() == 2
    names = [leaf.entry.actor_name for leaf in Leaf.objects.order_by("seq")]
    assert names == ["slow", "fast"]
