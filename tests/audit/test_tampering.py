"""Each kind of damage, done through raw SQL with the triggers bypassed, and its exact verdict
from the database (`verify_database`, i.e. `audit_verify`) and from an export (offline verifier)."""

import hashlib

import pytest
from django.db import connection

from audit import note
from audit.checkpoints import signing_key
from audit.merkle import Frontier, leaf_hash
from audit.models import Checkpoint, Head, Leaf
from audit.sequencer import sequence_pending
from audit.verification import verify_database
from tests.audit.conftest import add_entries, export_verdict, triggers_off

pytestmark = pytest.mark.django_db
AT = "id = (SELECT entry_id FROM audit_leaf WHERE seq = %d)"


def canonical_of(seq: int) -> bytes:
    return bytes(Leaf.objects.get(seq=seq).canonical)


def test_intact_journal_verifies(journal, tmp_path):
    verdict = verify_database()
    assert verdict.ok
    assert verdict.line() == f"OK 20 entries, root {bytes(Head.objects.get().root).hex()}"
    assert export_verdict(tmp_path) == verdict.line()


def test_modified_entry_bytes(journal, tmp_path):
    data = canonical_of(5).replace(b'"n":5', b'"n":6')
    with triggers_off() as cursor:
        cursor.execute("UPDATE audit_leaf SET canonical = %s WHERE seq = 5", [data])
    assert verify_database().line().startswith("FAIL seq 5: modified entry")
    assert export_verdict(tmp_path).startswith("FAIL seq 5: modified entry")


def test_modified_entry_with_recomputed_hash(journal, tmp_path):
    data = canonical_of(5).replace(b'"n":5', b'"n":6')
    with triggers_off() as cursor:
        cursor.execute("UPDATE audit_leaf SET canonical = %s, leaf_hash = %s WHERE seq = 5",
                       [data, leaf_hash(data)])
        cursor.execute(f"UPDATE audit_entry SET payload = %s WHERE {AT % 5}",
                       ['{"n": 6, "note": "été"}'])
    assert verify_database(columns=True).line().startswith("FAIL seq 5: modified entry")
    assert export_verdict(tmp_path).startswith("FAIL seq 5: modified entry")


def test_modified_columns_only(journal, tmp_path):
    """The displayed columns disagree with the hashed bytes: the database verdict says so; an
    export carries the hashed bytes, which are intact."""
    with triggers_off() as cursor:
        cursor.execute(f"UPDATE audit_entry SET usager_id = 999 WHERE {AT % 8}")
    assert verify_database().ok  # the hashed record is intact...
    assert verify_database(columns=True).line().startswith("FAIL seq 8: modified entry")
    assert export_verdict(tmp_path).startswith("OK 20 entries")


def test_back_dated_entry(journal):
    with triggers_off() as cursor:
        cursor.execute(f"UPDATE audit_entry SET created_at = %s WHERE {AT % 3}",
                       ["2020-01-01 00:00:00+00:00" if connection.vendor == "postgresql"
                        else "2020-01-01 00:00:00"])
    assert verify_database(columns=True).line().startswith("FAIL seq 3: modified entry")


def test_altered_personal_payload(journal):
    with triggers_off() as cursor:
        cursor.execute(f"UPDATE audit_entry SET personal = %s WHERE {AT % 4}",
                       ['{"name":"Quelqu\'un d\'autre"}'])
    assert verify_database(columns=True).line().startswith("FAIL seq 4: modified entry")


def test_deleted_entry(journal, tmp_path):
    with triggers_off() as cursor:
        cursor.execute(f"DELETE FROM audit_entry WHERE {AT % 7}")
        cursor.execute("DELETE FROM audit_leaf WHERE seq = 7")
    assert verify_database().line().startswith("FAIL seq 7: deleted entry")
    assert export_verdict(tmp_path).startswith("FAIL seq 7: deleted entry")


def test_deleted_and_renumbered(journal, tmp_path):
    with triggers_off() as cursor:
        cursor.execute("DELETE FROM audit_leaf WHERE seq = 7")
        cursor.execute("UPDATE audit_leaf SET seq = -seq WHERE seq > 7")
        cursor.execute("UPDATE audit_leaf SET seq = -seq - 1 WHERE seq < 0")
    assert verify_database().line().startswith("FAIL seq 7: deleted entry")
    assert export_verdict(tmp_path).startswith("FAIL seq 7: deleted entry")


def test_reordered_entries(journal, tmp_path):
    with triggers_off() as cursor:
        cursor.execute("UPDATE audit_leaf SET seq = -1 WHERE seq = 3")
        cursor.execute("UPDATE audit_leaf SET seq = 3 WHERE seq = 12")
        cursor.execute("UPDATE audit_leaf SET seq = 12 WHERE seq = -1")
    assert verify_database().line().startswith("FAIL seq 3: reordered entries")
    assert export_verdict(tmp_path).startswith("FAIL seq 3: reordered entries")


def test_truncated_tail_behind_stored_checkpoint(journal, tmp_path):
    with triggers_off() as cursor:
        cursor.execute("DELETE FROM audit_leaf WHERE seq >= 15")
    assert verify_database().line().startswith("FAIL seq 15: truncated or rolled-back log")
    assert export_verdict(tmp_path).startswith("FAIL seq 15: truncated or rolled-back log")


def _reset_head(size: int) -> None:
    """What an attacker restoring an old state would also do: make the head match."""
    frontier = Frontier()
    for leaf in Leaf.objects.filter(seq__lt=size).order_by("seq").values_list("leaf_hash",
                                                                              flat=True):
        frontier.append(bytes(leaf))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_head SET size = %s, last_leaf = %s, root = %s, frontier = %s",
                       [size, frontier.nodes and Leaf.objects.get(seq=size - 1).leaf_hash,
                        frontier.root(), frontier.to_bytes()])


def test_truncation_caught_only_by_an_outside_checkpoint(journal, tmp_path):
    outside = Checkpoint.objects.get(tree_size=20).note
    with triggers_off() as cursor:
        cursor.execute("DELETE FROM audit_leaf WHERE seq >= 15")
        cursor.execute("DELETE FROM audit_checkpoint WHERE tree_size = 20")
        _reset_head(15)
    assert verify_database().ok  # the database alone looks consistent...
    assert verify_database([outside]).line().startswith(
        "FAIL seq 15: truncated or rolled-back log")
    assert export_verdict(tmp_path, [outside]).startswith(
        "FAIL seq 15: truncated or rolled-back log")


def test_rollback_then_new_history(journal, tmp_path):
    """A restored old state that kept being written to: same size, another history."""
    outside = Checkpoint.objects.get(tree_size=20).note
    with triggers_off() as cursor:
        cursor.execute("DELETE FROM audit_leaf WHERE seq >= 15")
        cursor.execute("DELETE FROM audit_checkpoint WHERE tree_size = 20")
        _reset_head(15)
    add_entries(5, start=100)
    sequence_pending()
    assert verify_database().ok
    line = verify_database([outside]).line()
    assert line.startswith("FAIL seq 10: truncated or rolled-back log"), line
    assert export_verdict(tmp_path, [outside]) == line


def test_forged_checkpoint(journal, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    head = Head.objects.get()
    name = "procuration.example/audit"
    forged = note.sign_checkpoint(origin=name, size=20, root=hashlib.sha256(b"other").digest(),
                                  key=Ed25519PrivateKey.generate(), name=name)
    with triggers_off() as cursor:
        cursor.execute("UPDATE audit_checkpoint SET note = %s WHERE tree_size = 20", [forged])
    assert head.size == 20
    assert verify_database().line().startswith("FAIL seq 19: forged or unknown signature")
    assert export_verdict(tmp_path).startswith("FAIL seq 19: forged or unknown signature")


def test_checkpoint_text_altered(journal, tmp_path):
    text = Checkpoint.objects.get(tree_size=10).note
    lines = text.split("\n")
    lines[1] = "12"
    with connection.cursor() as cursor:  # inserting is allowed; the signature is not ours
        cursor.execute("INSERT INTO audit_checkpoint (tree_size, root_hash, note, created_at)"
                       " VALUES (12, %s, %s, CURRENT_TIMESTAMP)", [b"x" * 32, "\n".join(lines)])
    assert verify_database().line().startswith("FAIL seq 11: forged or unknown signature")
    assert export_verdict(tmp_path).startswith("FAIL seq 11: forged or unknown signature")


def test_checkpoint_from_another_key_is_unknown(journal, settings):
    settings.AUDIT_CHECKPOINT_KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    signing_key()  # a valid, different key: every stored checkpoint is now unknown
    assert verify_database().line().startswith("FAIL seq 9: forged or unknown signature")
