"""Auditor pages: read-only, two factors and the auditor role; public key and checkpoint URLs."""

import pytest

from audit.checkpoints import public_vkey
from audit.events import EventType
from audit.models import Checkpoint, Entry
from audit.verify import Verifier, verify_export
from tests.audit.conftest import triggers_off

pytestmark = pytest.mark.django_db


def test_public_key_and_latest_checkpoint_are_public(client, journal):
    response = client.get("/journal/cle-publique")
    assert response.status_code == 200 and response.content.decode() == public_vkey() + "\n"
    response = client.get("/journal/checkpoint")
    assert response.content.decode() == Checkpoint.objects.get(tree_size=20).note
    assert response["Content-Type"].startswith("text/plain")


def test_no_checkpoint_yet_is_404(client, db):
    assert client.get("/journal/checkpoint").status_code == 404


def test_pages_need_auditor_with_two_factors(client, aidant_client, auditor, journal):
    assert client.get("/journal/").status_code == 302
    client.force_login(auditor)  # password only
    assert client.get("/journal/").status_code == 302
    assert aidant_client.get("/journal/").status_code == 403
    assert aidant_client.get("/journal/export/").status_code == 403
    assert not Entry.objects.filter(event_type=EventType.EXPORT_DOWNLOADED).exists()


def test_entries_page_filters(auditor_client, journal):
    page = auditor_client.get("/journal/").content.decode()
    assert "Journal d'audit" in page and "procuration.example/audit\n20\n" in page
    page = auditor_client.get("/journal/", {"usager": 101, "event_type": "mandate.created"})
    rows = page.context["page"].object_list
    assert {(e.usager_id, e.event_type) for e in rows} == {(101, "mandate.created")}
    assert [e.seq for e in rows] == [13, 1]
    structure = auditor_client.get("/journal/", {"structure": 2}).context["page"].object_list
    assert len(structure) == 10 and {e.structure_id for e in structure} == {2}
    dated = auditor_client.get("/journal/", {"date_from": "2000-01-01", "date_to": "2000-01-02"})
    assert len(dated.context["page"].object_list) == 0


def test_filter_errors_are_tied_to_fields(auditor_client, journal):
    page = auditor_client.get("/journal/", {"date_from": "2025-02-01", "date_to": "2025-01-01"})
    html = page.content.decode()
    assert "La date de fin doit suivre la date de début." in html
    assert 'id="id_date_to-erreur"' in html
    assert 'aria-describedby="id_date_to-aide id_date_to-erreur"' in html
    assert 'aria-invalid="true"' in html


def test_verification_page(auditor_client, journal):
    html = auditor_client.get("/journal/verification/").content.decode()
    assert "Journal intègre." in html and "OK 20 entries" in html
    with triggers_off() as cursor:
        cursor.execute("DELETE FROM audit_leaf WHERE seq = 6")
    html = auditor_client.get("/journal/verification/").content.decode()
    assert "entrée supprimée" in html and "FAIL seq 6: deleted entry" in html


def test_export_download_is_journaled_and_verifies(auditor_client, auditor, journal, tmp_path):
    response = auditor_client.get("/journal/export/", {"structure": 1})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="journal-')
    path = tmp_path / "download.jsonl"
    path.write_bytes(b"".join(response.streaming_content))
    assert verify_export(str(path), Verifier.parse(public_vkey()), []).line().startswith(
        "OK 10 entries")
    entry = Entry.objects.get(event_type=EventType.EXPORT_DOWNLOADED)
    assert entry.actor_aidant_id == auditor.pk and entry.structure_id == 1
    assert entry.payload["entries"] == 10
