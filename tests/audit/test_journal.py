"""record(): inside the caller's transaction, canonical content, inline sequencing."""

import json

import pytest
from django.db import transaction

from audit import canonical, record
from audit.actor import Actor
from audit.events import EventType
from audit.journal import JournalError
from audit.merkle import leaf_hash
from audit.models import Entry, Head, Leaf
from audit.sequencer import sequence_pending

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
