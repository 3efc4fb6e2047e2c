"""`record()`: the single way to write to the journal.

Contract: `record()` runs inside the business service's `transaction.atomic()` and only
INSERTs one row (its place in the log, `Leaf`, comes later): no log-wide lock, so concurrent
services never wait on each other. A rolled-back service leaves no entry; a committed one is
picked up by the sequencer (`audit.sequencer`), inline after commit when
`settings.AUDIT_SEQUENCING == "inline"`, else by `manage.py audit_sequencer`. The sequencer,
not the writer, gives the entry its position, so two writers can never fork the chain."""

import os
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models.signals import post_save, pre_save

from audit import canonical
from audit.actor import Actor
from audit.events import EventType
from audit.models import Entry
from audit.sequencer import sequence_inline


class JournalError(RuntimeError):
    """The journal was asked to record outside a transaction or with forbidden content."""


def _pk(value):
    return getattr(value, "pk", value)


def _check(payload: dict, personal: dict | None) -> None:
    try:
        canonical.check_value(payload, "payload")
        if personal:
            canonical.check_value(personal, "personal")
    except canonical.CanonicalError as exc:
        raise JournalError(str(exc)) from exc


def record(
    event_type: EventType | str,
    *,
    actor,
    structure=None,
    usager=None,
    mandate=None,
    authorisation=None,
    oidc_client: str = "",
    demarche: str = "",
    payload: dict | None = None,
    personal: dict | None = None,
) -> Entry:
    """Append one entry inside the caller's transaction.

    Contract: must be called inside `transaction.atomic()` (the service's own), so a rolled-back
    action leaves no entry and a committed one is never lost. `actor` is an `Actor`, an Aidant
    (their current structure) or None (system). Model-valued references accept an instance or a
    primary key. `payload` holds non-personal facts (JSON: strings, integers, booleans, lists,
    objects) and is stored as given in `Entry.payload`; `personal` holds the minimum
    personal data the action needs, stored apart in `Entry.personal` (read it with
    `entry.personal_data`) and committed by a salted hash so it can be erased later (RGPD,
    `audit.services.personal_data_erase`). Keys that look like credentials (`*token`, `*password`,
    `*secret`, `code`, `otp`...) are refused: never pass a token, code, password or OTP secret.
    """
    if not connection.in_atomic_block:
        raise JournalError("audit.record() must run inside the service's transaction")
    event_type = EventType(event_type)
    actor = Actor.coerce(actor)
    payload = dict(payload or {})
    _check(payload, personal)
    personal_text = salt = None
    personal_hash = ""
    if personal:
        personal_bytes = canonical.dumps(personal)
        salt = os.urandom(16)
        personal_hash = canonical.personal_commitment(salt, personal_bytes)
        personal_text = personal_bytes.decode("utf-8")
    entry = _insert({
        "event_type": event_type,
        "actor_kind": actor.kind,
        "actor_name": actor.name,
        "actor_aidant_id": actor.aidant_id,
        "actor_structure_id": actor.structure_id,
        "structure_id": _pk(structure),
        "usager_id": _pk(usager),
        "mandate_id": _pk(mandate),
        "authorisation_id": _pk(authorisation),
        "oidc_client_id": oidc_client or "",
        "demarche": demarche or "",
        "payload": payload,
        "personal": personal_text,
        "personal_salt": salt,
        "personal_hash": personal_hash,
    })
    if settings.AUDIT_SEQUENCING == "inline":
        _sequence_after_commit()
    return entry


def _sequence_after_commit() -> None:
    # One callback per transaction, however many entries it records.
    if any(getattr(func, "_audit_sequence", False) for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(sequence_inline, robust=True)


@dataclass(frozen=True)
class _Insert:
    """One `Entry` INSERT statement, built once per database vendor from `Entry._meta`."""

    sql: str
    fields: tuple  # the columns given a value, in the statement's order
    # The primary key and the columns filled by their database default, each with the
    # converters the ORM applies when reading it: (attname, column expression, converters).
    returning: tuple


_INSERTS: dict[str, _Insert] = {}
_RAW_VENDORS = ("postgresql", "sqlite")


def _build_insert(db) -> _Insert:
    meta, quote = Entry._meta, db.ops.quote_name
    returning = tuple(f for f in meta.concrete_fields
                      if f is meta.auto_field or f.has_db_default())
    fields = tuple(f for f in meta.concrete_fields if f not in returning)
    sql = "INSERT INTO {} ({}) VALUES ({}) RETURNING {}".format(
        quote(meta.db_table), ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)), ", ".join(quote(f.column) for f in returning))
    columns = ((f.attname, f.get_col(meta.db_table)) for f in returning)
    return _Insert(sql, fields, tuple(
        (name, col, (*db.ops.get_db_converters(col), *col.get_db_converters(db)))
        for name, col in columns))


def _insert(values: dict) -> Entry:
    """`Entry.objects.create(**values)` without compiling the INSERT on every call.

    Stores what the ORM stores: each value goes through its field's `get_db_prep_save` (the
    payload's JSON text or jsonb, the salt's bytes), and `id`, `created_at` and `xid` come from
    the database, read back by RETURNING through the ORM's converters, as `Model.save()` does.
    The statement is built once per vendor (compiling it per call was half of `record()`'s CPU)
    and runs on the caller's connection, so inside the caller's transaction. Falls back to the ORM
    where the database cannot RETURN columns or when something listens to Entry's save signals.
    """
    db = connections[DEFAULT_DB_ALIAS]  # this thread's connection itself, not the proxy
    if (db.vendor not in _RAW_VENDORS or not db.features.can_return_columns_from_insert
            or pre_save.has_listeners(Entry) or post_save.has_listeners(Entry)):
        return Entry.objects.create(**values)
    statement = _INSERTS.get(db.vendor) or _INSERTS.setdefault(db.vendor, _build_insert(db))
    params = [f.get_db_prep_save(values[f.attname], db) for f in statement.fields]
    # Like `Model.save_base()`: a failed INSERT makes the caller's atomic block roll back.
    with transaction.mark_for_rollback_on_error(db.alias):
        row = _fetch_one(db, statement.sql, params)
    for (name, col, converters), value in zip(statement.returning, row, strict=True):
        for convert in converters:
            value = convert(value, col, db)
        values[name] = value
    return Entry.from_db(db.alias, None, [values[f.attname] for f in Entry._meta.concrete_fields])


def _fetch_one(db, sql: str, params: list) -> tuple:
    """Run `sql` on the connection's journal cursor; its one row.

    The driver cursor is created once per driver connection and kept on Django's connection
    (a new one per entry, with its cold parameter-adapter cache, cost a third of `record()`'s
    CPU). It is wrapped at each call as `connection.cursor()` wraps a new one, so the statement
    is logged when queries are (DEBUG, `CaptureQueriesContext`), passes through execute
    wrappers, and its errors become Django's (`IntegrityError`...).
    """
    kept = getattr(db, "_audit_journal_cursor", None)
    if kept is None or kept[0] is not db.connection:
        kept = db._audit_journal_cursor = (db.connection, db.create_cursor())
    db.validate_thread_sharing()
    cursor = db.make_debug_cursor(kept[1]) if db.queries_logged else db.make_cursor(kept[1])
    cursor.execute(sql, params)
    return cursor.fetchone()
