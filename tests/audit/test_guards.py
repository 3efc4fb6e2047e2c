"""The database itself refuses changes to the journal; the ORM and the admin do too."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from audit import record
from audit.actor import Actor
from audit.events import EventType
from audit.models import AppendOnlyError, Checkpoint, Entry
from audit.sequencer import sequence_pending
from audit.services import personal_data_erase
from audit.verification import verify_database

pytestmark = pytest.mark.django_db


def refused(sql: str, params=()) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except (DatabaseError, IntegrityError) as exc:
        return "append-only" in str(exc)
    return False


def test_update_delete_truncate_refused(journal):
    assert refused("UPDATE audit_entry SET event_type = 'aidant.logout' WHERE seq = 1")
    assert refused("UPDATE audit_entry SET seq = 99 WHERE seq = 1")
    assert refused("UPDATE audit_entry SET personal = NULL, personal_salt = NULL WHERE seq = 2")
    assert refused("DELETE FROM audit_entry WHERE seq = 1")
    assert refused("UPDATE audit_checkpoint SET note = 'x'")
    assert refused("DELETE FROM audit_checkpoint")
    if connection.vendor == "postgresql":
        assert refused("TRUNCATE audit_entry")
        assert refused("TRUNCATE audit_checkpoint")
    assert Entry.objects.sequenced().count() == 20
    assert Checkpoint.objects.count() == 2


def test_pending_row_can_only_be_sequenced_with_all_columns(db):
    with transaction.atomic():
        entry = record(EventType.LOGOUT, actor=Actor.system())
    assert refused("UPDATE audit_entry SET seq = 0 WHERE id = %s", [entry.pk])
    assert refused("UPDATE audit_entry SET seq = 0, prev_hash = %s, leaf_hash = %s,"
                   " canonical = %s, usager_id = 5 WHERE id = %s",
                   [b"p", b"l", b"c", entry.pk])
    assert not refused("UPDATE audit_entry SET seq = 0, prev_hash = %s, leaf_hash = %s,"
                       " canonical = %s WHERE id = %s", [b"p", b"l", b"c", entry.pk])
    # Once sequenced, never again.
    assert refused("UPDATE audit_entry SET seq = 0, prev_hash = %s, leaf_hash = %s,"
                   " canonical = %s WHERE id = %s", [b"p", b"l", b"x", entry.pk])


def test_erasure_needs_its_own_journal_entry(journal):
    entry = Entry.objects.get(seq=2)
    assert entry.personal_data == {"name": "Usager 2"}
    assert refused("UPDATE audit_entry SET personal = NULL, personal_salt = NULL WHERE id = %s",
                   [entry.pk])
    count = personal_data_erase(usager_id=entry.usager_id, actor=Actor.system("purge"))
    entry.refresh_from_db()
    assert count == 6 and entry.personal is None and entry.personal_erased
    erasure = Entry.objects.get(event_type=EventType.PERSONAL_DATA_ERASED)
    assert erasure.usager_id == entry.usager_id and erasure.payload["entries"] == 6
    assert entry.pk in erasure.payload["entry_ids"]
    sequence_pending()
    assert verify_database().ok  # erased payloads were committed by hash only


def test_model_refuses_save_and_delete(journal):
    entry = Entry.objects.get(seq=0)
    entry.event_type = EventType.LOGOUT
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        Entry.objects.filter(seq=0).delete()
    with pytest.raises(AppendOnlyError):
        Entry.objects.filter(seq=0).update(event_type=EventType.LOGOUT)
    with pytest.raises(AppendOnlyError):
        Checkpoint.objects.first().delete()
    assert Entry.objects.get(seq=0).event_type == EventType.LOGIN_SUCCEEDED


def test_admin_is_read_only(journal, staff_client):
    entry = Entry.objects.get(seq=0)
    listing = staff_client.get("/admin/audit/entry/")
    assert listing.status_code == 200
    assert "aidant.login_succeeded" in listing.content.decode() or "Connexion" in \
        listing.content.decode()
    assert staff_client.get("/admin/audit/entry/add/").status_code == 403
    assert staff_client.post(f"/admin/audit/entry/{entry.pk}/delete/",
                             {"post": "yes"}).status_code == 403
    page = staff_client.get(f"/admin/audit/entry/{entry.pk}/change/")
    assert page.status_code == 200 and 'type="submit"' not in page.content.decode().split(
        "<form")[-1]
    assert Entry.objects.filter(pk=entry.pk).exists()
