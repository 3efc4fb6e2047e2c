"""record(): inside the caller's transaction, canonical content, inline sequencing."""

import json

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from audit import canonical, journal, record
from audit.actor import Actor
from audit.events import EventType
from audit.journal import JournalError
from audit.merkle import leaf_hash
from audit.models import Entry, Head, Leaf
from audit.sequencer import sequence_pending
from audit.verification import verify_database

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_record_requires_a_transaction():
    with pytest.raises(JournalError):
        record(EventType.LOGOUT, actor=None)
    assert not Entry.objects.exists()


def test_rolled_back_action_leaves_no_entry(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        record(EventType.LOGOUT, actor=None)
        raise RuntimeError("the service failed")
    assert not Entry.objects.exists()


@pytest.mark.parametrize("payload", [{"access_token": "x"}, {"code": "abc"},
                                     {"nested": {"client_secret": "s"}}, {"password": "p"},
                                     {"otp": "123456"}, {"x": float("nan")}])
def test_credentials_and_non_json_refused(db, payload):
    with pytest.raises(JournalError), transaction.atomic():
        record(EventType.LOGOUT, actor=None, payload=payload)


def test_counts_named_after_tokens_are_fine(db):
    with transaction.atomic():
        entry = record(EventType.SESSION_ENDED, actor=None, payload={"tokens_revoked": 2})
    assert entry.payload == {"tokens_revoked": 2}


def test_entry_fields_and_canonical_bytes(aidant, organisation):
    with transaction.atomic():
        entry = record(EventType.MANDATE_CREATED, actor=aidant, usager=7, mandate=8,
                       authorisation=9, oidc_client="client-1", demarche="social",
                       payload={"b": 1, "a": ["é", True, None]},
                       personal={"family_name": "Martin"})
    sequence_pending()
    entry = Entry.objects.get(pk=entry.pk)
    assert entry.seq == 0 and entry.actor_aidant_id == aidant.pk
    assert entry.actor_structure_id == organisation.pk
    assert entry.payload == {"b": 1, "a": ["é", True, None]}
    assert entry.personal_data == {"family_name": "Martin"}
    data = bytes(entry.leaf.canonical)
    assert data.startswith(b'["v1","' + b"0" * 64 + b'",0,{"actor_aidant":%d,' % aidant.pk)
    assert '"payload":{"a":["é",true,null],"b":1}'.encode() in data
    assert b"Martin" not in data  # personal data only by its salted commitment
    seq, prev, body = canonical.decode(data)
    assert body["personal_hash"] == entry.personal_hash == canonical.personal_commitment(
        bytes(entry.personal_salt), b'{"family_name":"Martin"}')
    assert body["time"] == canonical.format_time(entry.created_at)
    assert bytes(entry.leaf.leaf_hash) == leaf_hash(data)
    assert json.loads(data)[3]["event"] == "mandate.created"


def test_sequencing_chains_entries(db):
    for i in range(3):
        with transaction.atomic():
            record(EventType.LOGOUT, actor=Actor.system(), payload={"i": i})
    assert sequence_pending() == 3
    rows = list(Leaf.objects.order_by("seq"))
    assert [r.seq for r in rows] == [0, 1, 2]
    assert [r.entry.payload["i"] for r in rows] == [0, 1, 2]
    assert bytes(rows[0].prev_hash) == bytes(32)
    assert bytes(rows[1].prev_hash) == bytes(rows[0].leaf_hash)
    assert bytes(rows[2].canonical)[7:71] == bytes(rows[1].leaf_hash).hex().encode()
    assert Head.objects.get().size == 3
    assert sequence_pending() == 0


def test_inline_sequencing_after_commit(db, django_capture_on_commit_callbacks, settings):
    settings.AUDIT_SEQUENCING = "inline"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            record(EventType.LOGOUT, actor=None)
            record(EventType.LOGOUT, actor=None)
    assert len(callbacks) == 1  # one sequencing pass per transaction
    assert list(Entry.objects.values_list("leaf__seq", flat=True)) == [0, 1]


def test_process_mode_leaves_entries_pending(db, django_capture_on_commit_callbacks, settings):
    settings.AUDIT_SEQUENCING = "process"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            record(EventType.LOGOUT, actor=None)
    assert callbacks == []
    assert Entry.objects.pending().count() == 1


def _stored(pk: int) -> dict:
    """The entry's columns as the database driver returns them (no ORM conversion)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Entry._meta.db_table} WHERE id = %s", [pk])
        names = [column[0] for column in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


@pytest.mark.parametrize("personal", [None, {"family_name": "Martin", "note": "été"}])
def test_raw_insert_stores_what_the_orm_stores(db, personal):
    payload = {"b": 1, "a": ["é", True, None, "\u2028"], "nested": {"z": [], "y": {}}}
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        entry = record(EventType.MANDATE_CREATED, actor=Actor(kind="aidant", aidant_id=4,
                                                              structure_id=5),
                       structure=5, usager=7, mandate=8, authorisation=9,
                       oidc_client="client-1", demarche="social", payload=payload,
                       personal=personal)
        given = {f.attname: getattr(entry, f.attname) for f in Entry._meta.concrete_fields
                 if f.attname not in ("id", "created_at", "xid")}
        twin = Entry.objects.create(**given)
    # The raw statement ran (the ORM's would also name created_at and xid); the log shows it
    # with its parameters interpolated.
    columns = journal._INSERTS[connection.vendor].sql.split(" VALUES ")[0]
    assert queries[0]["sql"].split(" VALUES ")[0] == columns
    assert queries[1]["sql"].split(" VALUES ")[0] != columns
    raw, orm = _stored(entry.pk), _stored(twin.pk)
    assert raw.pop("id") != orm.pop("id")
    assert raw.pop("created_at") is not None and orm.pop("created_at") is not None
    assert raw == orm  # byte for byte: payload text, salt, and the same xid (one transaction)
    stored = Entry.objects.get(pk=entry.pk)
    for field in Entry._meta.concrete_fields:
        returned, reread = getattr(entry, field.attname), getattr(stored, field.attname)
        if isinstance(reread, memoryview):
            returned, reread = bytes(returned), bytes(reread)
        assert returned == reread, field.name
    assert not entry._state.adding and entry._state.db == "default"
    assert sequence_pending() == 2
    assert verify_database(columns=True).ok
    first, second = (canonical.decode(bytes(e.leaf.canonical))[2]
                     for e in Entry.objects.filter(pk__in=[entry.pk, twin.pk]))
    assert {**first, "time": None} == {**second, "time": None}


def test_failed_insert_marks_the_transaction_for_rollback(db):
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            record(EventType.LOGOUT, actor=Actor(kind=None))  # actor_kind is NOT NULL
        assert connection.needs_rollback  # as after a failed Model.save()
        connection.set_rollback(False)
        transaction.set_rollback(True)


def test_save_signal_listeners_get_the_orm_path(db):
    seen = []

    def listener(sender, instance, created, **kwargs):
        seen.append((instance.event_type, created))

    post_save.connect(listener, sender=Entry)
    try:
        with transaction.atomic():
            record(EventType.LOGOUT, actor=None)
    finally:
        post_save.disconnect(listener, sender=Entry)
    assert seen == [(EventType.LOGOUT, True)]


def test_one_driver_cursor_per_connection_still_logged_when_queries_are(db):
    with transaction.atomic():
        first = record(EventType.LOGOUT, actor=None)
        kept = connection._audit_journal_cursor
        with CaptureQueriesContext(connection) as queries:
            second = record(EventType.LOGIN_SUCCEEDED, actor=None)
        assert connection._audit_journal_cursor is kept and kept[0] is connection.connection
    assert len(queries) == 1 and queries[0]["sql"].startswith('INSERT INTO "audit_entry"')
    assert list(Entry.objects.filter(pk__in=[first.pk, second.pk]).values_list(
        "event_type", flat=True).order_by("id")) == [EventType.LOGOUT, EventType.LOGIN_SUCCEEDED]


def test_a_cursor_kept_for_an_earlier_driver_connection_is_replaced(db):
    stale = (object(), None)  # as left behind when the connection was closed and reopened
    connection._audit_journal_cursor = stale
    with transaction.atomic():
        entry = record(EventType.LOGOUT, actor=None)
    kept = connection._audit_journal_cursor
    assert kept is not stale and kept[0] is connection.connection
    assert Entry.objects.filter(pk=entry.pk, event_type=EventType.LOGOUT).exists()
