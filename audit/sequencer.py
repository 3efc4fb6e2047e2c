"""The sequencer: gives committed entries their place in the log, in batches.

Business transactions only INSERT entries (`seq` NULL). The sequencer, in its own short
transaction:
1. locks the single `Head` row (`SELECT ... FOR UPDATE`); a second sequencer started by mistake
   blocks here until the first commits, then sees its work: one linear history, no fork, no
   entry sequenced twice;
2. reads up to `batch` pending entries visible to it (committed ones only), in id order;
3. gives each the next `seq` (gapless: the head size), builds its canonical bytes
   (`audit.canonical`, with `prev` = the previous leaf hash), its RFC 9162 leaf hash, and appends
   it to the compact range stored in the head;
4. fills those columns with one UPDATE (the trigger allows exactly this, once per row) and saves
   the head. Commit makes the batch and the head visible together.

Order in the log is the order of sequencing, not of ids: an entry whose transaction committed
late simply gets a later seq. `settings.AUDIT_SEQUENCING = "inline"` runs `sequence_inline()`
after each commit that recorded entries (small installations, tests); otherwise run
`manage.py audit_sequencer` (it also signs a checkpoint every AUDIT_CHECKPOINT_INTERVAL seconds).
"""

import logging

import psycopg
from django.db import connection, transaction
from django.utils import timezone

from audit import canonical
from audit.checkpoints import checkpoint_if_due
from audit.merkle import Frontier, leaf_hash
from audit.models import Entry, Head

logger = logging.getLogger(__name__)
BATCH = 5000
_COLUMNS = ("id", "created_at", "event_type", "actor_kind", "actor_name", "actor_aidant_id",
            "actor_structure_id", "structure_id", "usager_id", "mandate_id", "authorisation_id",
            "oidc_client_id", "demarche", "payload", "personal_hash")


def lock_head() -> Head:
    """The head row, locked until the end of the current transaction."""
    head = Head.objects.select_for_update().filter(pk=1).first()
    if head is None:
        Head.objects.get_or_create(pk=1)
        head = Head.objects.select_for_update().get(pk=1)
    return head


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


def sequence_batch(batch: int = BATCH) -> int:
    """Sequence up to `batch` pending entries in one transaction; return how many."""
    with transaction.atomic():
        head = lock_head()
        rows = list(Entry.objects.pending().order_by("id").values(*_COLUMNS)[:batch])
        if not rows:
            return 0
        frontier = Frontier.from_bytes(head.size, bytes(head.frontier))
        prev = bytes(head.last_leaf) if head.last_leaf else bytes(32)
        updates = []
        for row in rows:
            seq = frontier.size
            data = canonical.encode(seq=seq, prev=prev.hex(), body=body_of(row))
            leaf = leaf_hash(data)
            frontier.append(leaf)
            updates.append((row["id"], seq, prev, leaf, data))
            prev = leaf
        _fill(updates)
        head.size, head.last_leaf, head.root = frontier.size, prev, frontier.root()
        head.frontier, head.updated_at = frontier.to_bytes(), timezone.now()
        head.save()
    return len(rows)


def _fill(updates: list[tuple]) -> None:
    if connection.vendor == "postgresql":
        ids, seqs, prevs, leaves, datas = (list(c) for c in zip(*updates, strict=True))
        # Server-side binding with binary parameters: no client-side quoting of 5 arrays.
        cursor = psycopg.Cursor(connection.connection)
        try:
            cursor.execute(
                "UPDATE audit_entry AS e SET seq = v.seq, prev_hash = v.prev,"
                " leaf_hash = v.leaf, canonical = v.data"
                " FROM unnest(%b::bigint[], %b::bigint[], %b::bytea[], %b::bytea[], %b::bytea[])"
                " AS v(id, seq, prev, leaf, data) WHERE e.id = v.id AND e.seq IS NULL",
                [ids, seqs, prevs, leaves, datas])
            filled = cursor.rowcount
        finally:
            cursor.close()
        if filled != len(updates):
            # Only possible if something else sequenced these rows without the head lock.
            raise RuntimeError("entries were sequenced concurrently; refusing to fork")
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE audit_entry SET seq = %s, prev_hash = %s, leaf_hash = %s, canonical = %s"
            " WHERE id = %s AND seq IS NULL",
            [(seq, prev, leaf, data, id_) for id_, seq, prev, leaf, data in updates])


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
