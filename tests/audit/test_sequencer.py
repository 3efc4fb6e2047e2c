"""The sequencer's transactions on PostgreSQL: a batch never read by parallel workers, nothing
written when idle, its own passes committed without waiting for the WAL flush, nothing else."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from audit import sequencer
from audit.models import Head
from audit.sequencer import sequence_batch, sequence_pending
from tests.audit.conftest import add_entries

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's settings"),
]


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def _setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s)", [name])
        return cursor.fetchone()[0]


def test_pending_batch_is_never_read_by_parallel_workers(settings):
    settings.AUDIT_SEQUENCING = "process"
    add_entries(3)
    with connection.cursor() as cursor:  # workers made free: the planner's cheapest plan uses them
        for name in ("parallel_setup_cost", "parallel_tuple_cost",
                     "min_parallel_table_scan_size", "min_parallel_index_scan_size"):
            cursor.execute(f"SET LOCAL {name} = 0")
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            assert sequence_batch() == 3
        batch_read = next(q["sql"] for q in queries if "ORDER BY xid, id LIMIT" in q["sql"])
        assert "Gather" not in _plan(batch_read)
        transaction.set_rollback(True)  # back to the session's settings
    assert "Gather" in _plan(batch_read)  # what the same read would do without the pass's


def _next_xid() -> int:
    with connection.cursor() as cursor:  # reading the snapshot assigns no transaction id
        cursor.execute("SELECT txid_snapshot_xmax(txid_current_snapshot())")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_an_idle_pass_takes_no_transaction_id(settings):
    """Nothing new: no head lock, no txid_current(), so no commit to flush to disk."""
    settings.AUDIT_SEQUENCING = "process"
    add_entries(2)
    assert sequence_pending() == 2
    before = _next_xid()
    assert sequence_batch() == 0
    assert _next_xid() == before
    add_entries(1)
    assert sequence_batch() == 1 and Head.objects.get().size == 3


@pytest.mark.django_db(transaction=True)
def test_own_passes_skip_the_flush_wait_nested_ones_keep_it(settings, monkeypatch):
    settings.AUDIT_SEQUENCING = "process"
    seen, insert = [], sequencer._insert

    def spy(leaves):
        seen.append(_setting("synchronous_commit"))
        insert(leaves)

    monkeypatch.setattr(sequencer, "_insert", spy)
    add_entries(2)
    assert sequence_batch() == 2
    assert seen == ["off"] and _setting("synchronous_commit") == "on"  # local to the pass
    add_entries(1)
    with transaction.atomic():  # a pass inside a transaction that may hold other writes
        assert sequence_batch() == 1
        assert seen == ["off", "on"] and _setting("synchronous_commit") == "on"
