"""The sequencer: gives committed entries their place in the log, in batches.

Business transactions only INSERT entries. The sequencer, in its own short transaction:
0. returns at once, having written nothing, when no entry lies beyond the head (`_anything_new`);
1. locks the single `Head` row (`SELECT ... FOR UPDATE`); a second sequencer started by mistake
   blocks here until the first commits, then sees its work: one linear history, no fork, no
   entry sequenced twice (the leaf's primary key `seq` and unique `entry_id` back this up);
2. reads up to `batch` entries after the head's keyset that are safe to take: on PostgreSQL,
   rows whose inserting transaction id is below that of every transaction still writing in this
   database (`_horizon`: none of those can add a row with a smaller id later, so nothing is ever
   skipped), in (xid, id) order; on SQLite, where writers are serialised, rows with a greater id;
3. gives each the next `seq` (gapless: the head size), builds its canonical bytes
   (`audit.canonical`, `prev` = the previous leaf hash) and RFC 9162 leaf hash, and appends the
   hash to the compact range (frontier) stored in the head;
4. INSERTs the leaves in one statement and saves the head; commit publishes both together
   (without waiting for the WAL flush when the pass is its own transaction: `_PASS_SETTINGS`).

The log's order is the order of sequencing. A writing transaction left open in this database
holds the sequencer back: business transactions are short.
`settings.AUDIT_SEQUENCING = "inline"` runs `sequence_inline()` after each commit that recorded
entries (small installations, tests); otherwise run `manage.py audit_sequencer`, which also
signs a checkpoint every AUDIT_CHECKPOINT_INTERVAL seconds.
"""

import json
import logging

import psycopg
from django.db import connection, transaction
from django.utils import timezone

from audit import canonical
from audit.checkpoints import checkpoint_if_due
from audit.merkle import Frontier, leaf_hash
from audit.models import Entry, Head, Leaf

logger = logging.getLogger(__name__)
BATCH = 5000
_COLUMNS = ("id", "xid", "created_at", "event_type", "actor_kind", "actor_name", "actor_aidant_id",
            "actor_structure_id", "structure_id", "usager_id", "mandate_id", "authorisation_id",
            "oidc_client_id", "demarche", "payload", "personal_hash")


# The head's sequencing state, read and written with statements written once: the ORM
# compiled them on every pass, a third of a pass's CPU at a few dozen entries per pass.
_HEAD_STATE = ("SELECT size, last_leaf, frontier, last_xid, last_entry_id FROM audit_head"
               " WHERE id = 1")
_HEAD_UPDATE = ("UPDATE audit_head SET size = %s, last_leaf = %s, root = %s, frontier = %s,"
                " last_xid = %s, last_entry_id = %s, updated_at = %s WHERE id = 1")


def lock_head() -> tuple:
    """The head's (size, last_leaf, frontier, last_xid, last_entry_id), locked until the end of
    the current transaction; the head row is created on first use."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # SQLite has no row locks: write first, so this transaction takes the database's
            # write lock before reading the head (a read-then-write transaction could not
            # upgrade).
            cursor.execute("UPDATE audit_head SET size = size WHERE id = 1")
        sql = _HEAD_STATE if connection.vendor == "sqlite" else _HEAD_STATE + " FOR UPDATE"
        cursor.execute(sql)
        state = cursor.fetchone()
        if state is None:
            Head.objects.get_or_create(pk=1)
            cursor.execute(sql)
            state = cursor.fetchone()
    return state


def body_of(row: dict) -> dict:
    """The canonical body (see audit.canonical.BODY_KEYS) of an entry's column values."""
    return {
        "actor_aidant": row["actor_aidant_id"],
        "actor_kind": row["actor_kind"],
        "actor_name": row["actor_name"],
        "actor_structure": row["actor_structure_id"],
        "authorisation": row["authorisation_id"],
        "demarche": row["demarche"],
        "event": row["event_type"],
        "mandate": row["mandate_id"],
        "oidc_client": row["oidc_client_id"],
        "payload": row["payload"],
        "personal_hash": row["personal_hash"] or None,
        "structure": row["structure_id"],
        "time": canonical.format_time(row["created_at"]),
        "usager": row["usager_id"],
    }


_PENDING = (f"SELECT {', '.join(_COLUMNS)} FROM audit_entry WHERE (xid, id) > (%s, %s)"
            " AND xid < %s ORDER BY xid, id LIMIT %s")


def _pending(last_xid: int, last_entry_id: int, batch: int) -> list[dict]:
    """Up to `batch` entries after the head's keyset that are safe to take, in log order."""
    if connection.vendor != "postgresql":
        query = Entry.objects.values(*_COLUMNS).filter(id__gt=last_entry_id).order_by("id")
        return list(query[:batch])
    # The horizon must be read in an earlier statement than the rows: READ COMMITTED gives each
    # statement a new snapshot, so a writer seen running by the horizon query and committing
    # before the row query is visible to it; in one statement, a writer committing between the
    # row snapshot and the activity read would be skipped for ever.
    horizon = _horizon()
    with connection.cursor() as cursor:
        cursor.execute(_PENDING, [last_xid, last_entry_id, horizon, batch])
        rows = [dict(zip(_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:  # jsonb comes as text, decoded as JSONField.from_db_value decodes it
        row["payload"] = json.loads(row["payload"])
    return rows


# Transactions below this id can no longer add rows: the oldest transaction id still writing in
# THIS database (other databases of the cluster cannot add rows here, so they must not hold the
# log back), or else our own txid + 1 (the sequencer writes anyway; an id assigned after ours is
# greater, and our own rows are safe: tests and services sequencing in-transaction).
# pg_stat_activity gives 32-bit xids, widened to the 64-bit value nearest to our own txid (two
# running xids are never 2**31 apart). Needs the sequencer's role to see other sessions'
# backend_xid (same role as the application, or pg_read_all_stats).
_HORIZON = """
    SELECT least(me.next, min(me.next - 1
               + mod(mod(r.x - mod(me.next - 1, 4294967296) + 2147483648, 4294967296)
                     + 4294967296, 4294967296) - 2147483648))
    FROM (SELECT txid_current() + 1 AS next) AS me
    LEFT JOIN (SELECT backend_xid::text::bigint AS x FROM pg_stat_activity
               WHERE datname = current_database() AND backend_xid IS NOT NULL
               AND pid <> pg_backend_pid()) AS r ON true
    GROUP BY me.next
"""


def _horizon() -> int:
    with connection.cursor() as cursor:
        cursor.execute(_HORIZON)
        return cursor.fetchone()[0]


# Is any entry visible beyond the head's keyset? A plain read: no lock, no transaction id, so a
# pass that finds nothing commits without a WAL flush. Locking the head (a row lock needs a
# transaction id) and reading the horizon (txid_current()) made every idle poll an fsync'd
# commit that the writers' commits queued behind. The locked path reads the rows again.
_ANYTHING_NEW = {
    # The greatest entry in keyset order (one step of the (xid, id) index, read backwards) is
    # beyond the head if any entry is.
    "postgresql": "SELECT EXISTS (SELECT 1 FROM (SELECT xid, id FROM audit_entry"
                  " WHERE xid IS NOT NULL ORDER BY xid DESC, id DESC LIMIT 1) AS last"
                  " WHERE (last.xid, last.id) > ("
                  "coalesce((SELECT last_xid FROM audit_head WHERE id = 1), 0),"
                  " coalesce((SELECT last_entry_id FROM audit_head WHERE id = 1), 0)))",
    "sqlite": "SELECT EXISTS (SELECT 1 FROM audit_entry WHERE id >"
              " (SELECT coalesce(max(last_entry_id), 0) FROM audit_head WHERE id = 1))",
}


def _anything_new() -> bool:
    sql = _ANYTHING_NEW.get(connection.vendor)
    if sql is None:
        return True
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return bool(cursor.fetchone()[0])


# Settings of a sequencing transaction on PostgreSQL, local to it (set_config(..., true)):
# - no parallel plan for the keyset read of one batch: until ANALYZE has run (the journal grows
#   fast, autovacuum may be late or off) the planner guessed thousands of wide rows and launched
#   2 workers, ~7 ms of process start-up per pass for a few rows, on the cores serving requests;
# - when the pass is its own transaction (never one that also holds business writes), no wait
#   for the WAL flush at commit: leaves and head are a function of committed entries alone,
#   their order fixed by (xid, id) below the horizon, so whatever anyone read of a pass lost in
#   a crash is redone identically; the one commitment made outside, a signed checkpoint, is
#   written in its own synchronous transaction, whose flush covers the passes before it.
#   Waiting made every pass one more fsync that the writers' commits queued behind (PostgreSQL
#   docs, "Asynchronous Commit": for data that can be recomputed).
_NO_PARALLEL = "set_config('max_parallel_workers_per_gather', '0', true)"
_PASS_SETTINGS = {
    True: f"SELECT {_NO_PARALLEL}, set_config('synchronous_commit', 'off', true)",
    False: f"SELECT {_NO_PARALLEL}",
}


def sequence_batch(batch: int = BATCH) -> int:
    """Sequence up to `batch` committed entries in one transaction; return how many."""
    own_transaction = not connection.in_atomic_block
    with transaction.atomic():
        if not _anything_new():
            return 0
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(_PASS_SETTINGS[own_transaction])
        size, last_leaf, frontier_bytes, last_xid, last_entry_id = lock_head()
        rows = _pending(last_xid, last_entry_id, batch)
        if not rows:
            return 0
        frontier = Frontier.from_bytes(size, bytes(frontier_bytes))
        prev = bytes(last_leaf) if last_leaf else bytes(32)
        leaves = []
        for row in rows:
            seq = frontier.size
            data = canonical.encode(seq=seq, prev=prev.hex(), body=body_of(row))
            leaf = leaf_hash(data)
            frontier.append(leaf)
            leaves.append((seq, row["id"], prev, leaf, data))
            prev = leaf
        _insert(leaves)
        with connection.cursor() as cursor:
            cursor.execute(_HEAD_UPDATE, [
                frontier.size, prev, frontier.root(), frontier.to_bytes(), rows[-1]["xid"] or 0,
                rows[-1]["id"], connection.ops.adapt_datetimefield_value(timezone.now())])
    return len(rows)


def _insert(leaves: list[tuple]) -> None:
    if connection.vendor != "postgresql":
        Leaf.objects.bulk_create(
            Leaf(seq=seq, entry_id=entry_id, prev_hash=prev, leaf_hash=leaf, canonical=data)
            for seq, entry_id, prev, leaf, data in leaves)
        return
    # One statement, server-side binding with binary parameters (no client-side quoting).
    cursor = psycopg.Cursor(connection.connection)
    try:
        cursor.execute(
            "INSERT INTO audit_leaf (seq, entry_id, prev_hash, leaf_hash, canonical)"
            " SELECT * FROM unnest(%b::bigint[], %b::bigint[], %b::bytea[], %b::bytea[],"
            " %b::bytea[])", [list(column) for column in zip(*leaves, strict=True)])
    finally:
        cursor.close()


def sequence_pending(batch: int = BATCH) -> int:
    """Sequence everything pending now; return how many entries."""
    total = 0
    while count := sequence_batch(batch):
        total += count
        if count < batch:
            break
    return total


def sequence_inline() -> None:
    """on_commit hook of `record()` in inline mode: sequence, then checkpoint if due."""
    sequence_pending()
    checkpoint_if_due()


sequence_inline._audit_sequence = True
