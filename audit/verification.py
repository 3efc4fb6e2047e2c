"""`audit_verify`: verify the journal straight from the database with `audit.verify.LogVerifier`.

Streams sequenced entries in `seq` order (4,096 rows per query on PostgreSQL, fetched by a second
thread while this one hashes; 65,536 with the column check) in one snapshot (REPEATABLE READ on
PostgreSQL, binary protocol), and feeds the verifier the stored bytes (hashed as stored, never
re-serialised) and the stored leaf hashes. Every checkpoint stored in the table, plus those given
from outside, is checked; the sequencer head adds a last reference for the tail.

The hashed bytes are the record; the other columns are a copy kept for queries and pages.
`columns=True` (`audit_verify --columns`, and the auditor verification page) also checks that
every row's columns say what its bytes say, so a column edited behind the journal's back is
reported as a modified entry. On PostgreSQL that comparison runs in SQL (one JSON parse per row,
several times slower than hashing); on SQLite, and for a block whose bytes are not even JSON, in
Python.
"""

import queue
import threading
from contextlib import closing
from operator import itemgetter

import psycopg
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from audit import canonical, checkpoints
from audit.merkle import EMPTY_ROOT
from audit.models import Checkpoint, Head, Leaf
from audit.sequencer import body_of
from audit.verify import CANONICAL, LEAF_INPUT, LogVerifier, Verdict
from audit.verify.log import cyclic_gc_paused

_NUMBERS = (("actor_aidant", "actor_aidant_id"), ("actor_structure", "actor_structure_id"),
            ("structure", "structure_id"), ("usager", "usager_id"), ("mandate", "mandate_id"),
            ("authorisation", "authorisation_id"))
_TEXTS = (("event", "event_type"), ("actor_kind", "actor_kind"), ("actor_name", "actor_name"),
          ("oidc_client", "oidc_client_id"), ("demarche", "demarche"))


def _pg_columns_ok() -> str:
    """SQL: the body inside the canonical bytes equals the one the columns describe.

    One JSON parse per row, compared as jsonb (key order and spacing do not matter here: the
    bytes themselves are checked by hashing).
    """
    pairs = [f"'{k}', {c}" for k, c in _NUMBERS + _TEXTS]
    pairs += [
        "'payload', payload",
        "'personal_hash', NULLIF(personal_hash, '')",
        "'time', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
    ]
    expected = f"jsonb_build_object({', '.join(pairs)})"
    domain = canonical.PERSONAL_DOMAIN.hex()
    personal = (f"(personal IS NULL OR encode(sha256('\\x{domain}'::bytea || personal_salt"
                " || convert_to(personal, 'UTF8')), 'hex') = personal_hash)")
    return f"(convert_from(canonical, 'UTF8')::jsonb -> 3) = {expected} AND {personal}"


_PG_BLOCK = (f"SELECT canonical, leaf_hash, {_pg_columns_ok()}"
             " FROM audit_leaf LEFT JOIN audit_entry ON audit_entry.id = audit_leaf.entry_id"
             " WHERE seq >= %s AND seq < %s ORDER BY seq")
_first, _second = itemgetter(0), itemgetter(1)
BLOCK = 1 << 16  # rows per query with the column check, and on SQLite
_ENTRY_COLUMNS = ("created_at", "event_type", "actor_kind", "actor_name", "actor_aidant_id",
                  "actor_structure_id", "structure_id", "usager_id", "mandate_id",
                  "authorisation_id", "oidc_client_id", "demarche", "payload", "personal_hash",
                  "personal", "personal_salt")


def columns_match(row: dict) -> bool:
    """Python twin of the SQL check: the row's columns are what its canonical bytes say."""
    if row["created_at"] is None:
        return False  # the entry row is gone
    try:
        _, _, body = canonical.decode(bytes(row["canonical"]))
    except (ValueError, TypeError):
        return False
    if body != body_of(row):
        return False
    if row["personal"] is None:
        return True
    digest = canonical.personal_commitment(bytes(row["personal_salt"] or b""),
                                           row["personal"].encode("utf-8"))
    return digest == row["personal_hash"]


def _python_block(low: int, high: int, columns: bool):
    leaves = Leaf.objects.filter(seq__gte=low, seq__lt=high).order_by("seq")
    lines, stored, bad = [], [], None
    names = ["canonical", "leaf_hash"]
    if columns:
        names += [f"entry__{c}" for c in _ENTRY_COLUMNS]
    for index, values in enumerate(leaves.values_list(*names)):
        row = dict(zip(("canonical", "leaf_hash", *_ENTRY_COLUMNS), values, strict=False))
        lines.append(bytes(row["canonical"] or b""))
        stored.append(bytes(row["leaf_hash"] or b""))
        if columns and bad is None and not columns_match(row):
            bad = index
    return lines, stored, bad


# Rows per query: a ~2 MB result stays in the CPU cache while libpq and psycopg copy it (16,384
# rows cost ~15% more CPU per entry), and fetching overlaps hashing sooner.
FETCH = 4096
# Binary results skip bytea's hex text form (about 3x faster to fetch). PostgreSQL prepends the
# RFC 9162 leaf prefix 0x00 (a copy it makes anyway while sending), so Python hashes each value
# as received. LIMIT makes the plan an ordered primary-key scan whatever the table's statistics
# (a freshly loaded, never analysed table got a bitmap scan and an on-disk sort otherwise).
_FETCH = ("SELECT '\\x00'::bytea || canonical, leaf_hash FROM audit_leaf"
          " WHERE seq >= %s AND seq < %s ORDER BY seq LIMIT %s")


def _fetch(raw, low: int, high: int):
    cursor = psycopg.Cursor(raw)
    try:
        cursor.execute(_FETCH, [low, high, high - low], binary=True)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return list(map(_first, rows)), list(map(_second, rows)), None


def _prefetched(raw, top: int):
    """Blocks of the snapshot, block k+1 fetched while the caller hashes block k.

    The fetching thread uses the same connection (and so the same REPEATABLE READ snapshot);
    psycopg serialises its use and releases the GIL while waiting on the server, so the database
    works on its core while Python hashes on this one.
    """
    results: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def produce() -> None:
        try:
            for low in range(0, top + 1, FETCH):
                if stop.is_set():
                    break
                results.put(_fetch(raw, low, low + FETCH))
        except psycopg.Error as exc:  # thread boundary: handed to the consumer, re-raised there
            results.put(exc)
        finally:
            results.put(None)

    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    try:
        while (item := results.get()) is not None:
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            try:
                results.get(timeout=0.1)
            except queue.Empty:
                pass
        thread.join()


def _pg_columns_block(low: int, high: int):
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_PG_BLOCK, [low, high])
            rows = cursor.fetchall()
    except DatabaseError:
        return _python_block(low, high, True)  # bytes no longer JSON: let Python name the row
    lines = [bytes(r[0]) for r in rows]
    stored = [bytes(r[1]) for r in rows]
    bad = next((i for i, r in enumerate(rows) if not r[2]), None)
    return lines, stored, bad


def _blocks(top: int | None, columns: bool):
    """(blocks of (items, stored leaf hashes, first bad column row), form of the items)."""
    if top is None:
        return (block for block in ()), CANONICAL
    if connection.vendor == "postgresql" and not columns:
        connection.ensure_connection()
        return _prefetched(connection.connection, top), LEAF_INPUT
    block = _pg_columns_block if connection.vendor == "postgresql" else _python_block
    if connection.vendor == "postgresql":
        return (block(low, low + BLOCK) for low in range(0, top + 1, BLOCK)), CANONICAL
    return (block(low, low + BLOCK, columns) for low in range(0, top + 1, BLOCK)), CANONICAL


def verify_database(extra_checkpoints: list[str] = (), *, columns: bool = False) -> Verdict:
    """Verify every sequenced entry, checkpoint and the head; see audit.verify for verdicts."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        head = Head.objects.filter(pk=1).first()
        notes = list(Checkpoint.objects.order_by("tree_size").values_list("note", flat=True))
        log = LogVerifier(verifier=checkpoints.verifier(), origin=settings.AUDIT_ORIGIN,
                          checkpoints=notes + list(extra_checkpoints))
        top = Leaf.objects.order_by("-seq").values_list("seq", flat=True).first()
        blocks, form = _blocks(top, columns)
        # closing(): stop the prefetching thread before the snapshot's transaction ends.
        with cyclic_gc_paused(), closing(blocks):
            for items, stored, bad in blocks:
                log.feed(items, stored, bad, form=form)
                if log.done:
                    break
        head_state = (head.size, bytes(head.root or EMPTY_ROOT)) if head else None
        return log.finish(head=head_state)
