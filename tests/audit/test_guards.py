"""The database itself refuses changes to the journal; the ORM and the admin do too."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from audit.actor import Actor
from audit.events import EventType
from audit.models import AppendOnlyError, Checkpoint, Entry, Leaf
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
    assert refused("UPDATE audit_entry SET event_type = 'aidant.logout' WHERE id = %s",
                   [Leaf.objects.get(seq=1).entry_id])
    assert refused("UPDATE audit_leaf SET seq = 99 WHERE seq = 1")
    assert refused("UPDATE audit_leaf SET canonical = %s WHERE seq = 1", [b"x"])
    assert refused("UPDATE audit_entry SET personal = NULL, personal_salt = NULL")
    assert refused("DELETE FROM audit_entry")
    assert refused("DELETE FROM audit_leaf WHERE seq = 1")
    assert refused("UPDATE audit_checkpoint SET note = 'x'")
    assert refused("DELETE FROM audit_checkpoint")
    if connection.vendor == "postgresql":
        for table in ("audit_entry", "audit_leaf", "audit_checkpoint"):
            assert refused(f"TRUNCATE {table}")
    assert Leaf.objects.count() == Entry.objects.count() == 20
    assert Checkpoint.objects.count() == 2


def test_erasure_needs_its_own_journal_entry(journal):
    entry = Leaf.objects.get(seq=2).entry
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
    entry = Leaf.objects.get(seq=0).entry
    entry.event_type = EventType.LOGOUT
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        Entry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnlyError):
        Entry.objects.filter(pk=entry.pk).update(event_type=EventType.LOGOUT)
    with pytest.raises(AppendOnlyError):
        Checkpoint.objects.first().delete()
    with pytest.raises(AppendOnlyError):
        entry.leaf.delete()
    assert Entry.objects.get(pk=entry.pk).event_type == EventType.LOGIN_SUCCEEDED


def test_admin_is_read_only(journal, staff_client):
    entry = Leaf.objects.get(seq=0).entry
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
