"""Test support: let Django's test flush empty the append-only tables.

`TransactionTestCase` (pytest-django `transaction=True`) ends each test with a flush, which
TRUNCATEs (PostgreSQL) or DELETEs (SQLite) every table, and the journal's triggers refuse it.
`allow_test_flush()` wraps the backend's `execute_sql_flush` so that, inside the flush's own
transaction only, PostgreSQL skips triggers (`SET LOCAL session_replication_role = replica`,
superuser only, as test databases are) and SQLite drops and recreates the triggers. It is called
from tests/conftest.py and never in production code.
"""

from django.db import connections

from audit import db_guards


def allow_test_flush() -> None:
    for connection in connections.all():
        ops = connection.ops
        if getattr(ops, "_audit_flush_allowed", False):
            continue
        original = ops.execute_sql_flush

        def execute_sql_flush(sql_list, _original=original, _connection=connection):
            if _connection.vendor == "postgresql":
                sql_list = ["SET LOCAL session_replication_role = replica", *sql_list]
            else:
                sql_list = [*db_guards.uninstall(_connection), *sql_list,
                            *db_guards.install(_connection)]
            return _original(sql_list)

        ops.execute_sql_flush = execute_sql_flush
        ops._audit_flush_allowed = True
