"""The sequencer's reads: one batch, never by parallel workers; nothing written when idle."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from audit.models import Head
from audit.sequencer import _pending, lock_head, sequence_batch, sequence_pending
from tests.audit.conftest import add_entries

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel query is PostgreSQL's"),
]


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_pending_batch_is_never_read_by_parallel_workers():
    add_entries(3)
    with connection.cursor() as cursor:  # workers made free: the planner's cheapest plan uses them
        for name in ("parallel_setup_cost", "parallel_tuple_cost",
                     "min_parallel_table_scan_size", "min_parallel_index_scan_size"):
            cursor.execute(f"SET LOCAL {name} = 0")
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            assert len(_pending(lock_head(), 10)) == 3
        pending_sql = queries[-1]["sql"]
        assert pending_sql.startswith("SELECT") and "Gather" not in _plan(pending_sql)
        transaction.set_rollback(True)  # back to the session's settings
    assert "Gather" in _plan(pending_sql)  # what the same read would do without the sequencer's


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
