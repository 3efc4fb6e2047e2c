"""`verify_database` on PostgreSQL streams blocks fetched by a second thread on the same connection:
stopping early (first anomaly) must stop that thread before the snapshot's transaction ends."""

import pytest
from django.db import connection

from audit import verification
from audit.checkpoints import checkpoint_now
from audit.models import Leaf
from audit.sequencer import sequence_pending
from tests.audit.conftest import add_entries, triggers_off

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="prefetching is PostgreSQL's"),
]


def test_early_stop_leaves_the_connection_usable(monkeypatch):
    add_entries(40)
    sequence_pending()
    checkpoint_now()
    data = bytes(Leaf.objects.get(seq=3).canonical).replace(b'"n":3', b'"n":4')
    with triggers_off() as cursor:
        cursor.execute("UPDATE audit_leaf SET canonical = %s WHERE seq = 3", [data])
    monkeypatch.setattr(verification, "FETCH", 1)  # many blocks still in flight at the stop
    for _ in range(5):
        verdict = verification.verify_database()
        assert verdict.line() == "FAIL seq 3: modified entry (stored bytes or columns altered)"
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM audit_leaf")
            assert cursor.fetchone() == (40,)
