"""Management commands and the standalone verifier's command line."""

import json
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit import verify
from audit.checkpoints import public_vkey
from audit.models import Checkpoint, Head, Leaf
from tests.audit.conftest import add_entries, triggers_off

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command(*args, stdout=out)
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


def test_sequencer_once_and_checkpoint(db):
    add_entries(5)
    assert run("audit_sequencer", "--once") == (0, "5 entries sequenced\n")
    code, text = run("audit_checkpoint")
    lines = text.split("\n")
    assert code == 0 and lines[0] == "procuration.example/audit" and lines[1] == "5"
    assert lines[4].startswith("\u2014 procuration.example/audit ")
    assert Checkpoint.objects.get().note == text


def test_checkpoint_of_empty_journal_is_an_error(db):
    with pytest.raises(CommandError, match="empty"):
        call_command("audit_checkpoint", stdout=StringIO())


def test_verify_ok_and_fail(journal, tmp_path):
    root = bytes(Head.objects.get().root).hex()
    assert run("audit_verify") == (0, f"OK 20 entries, root {root}\n")
    with triggers_off() as cursor:
        cursor.execute("DELETE FROM audit_leaf WHERE seq = 4")
    code, text = run("audit_verify")
    assert code == 1 and text.startswith("FAIL seq 4: deleted entry") and text.count("\n") == 1


def test_verify_with_outside_checkpoint(journal, tmp_path):
    saved = tmp_path / "cp.txt"
    saved.write_text(Checkpoint.objects.get(tree_size=20).note)
    assert run("audit_verify", "--checkpoint", str(saved))[0] == 0
    with pytest.raises(CommandError):
        call_command("audit_verify", "--checkpoint", str(tmp_path / "missing"), stdout=StringIO())


def test_prove_and_verify_offline(journal, tmp_path):
    code, text = run("audit_prove", "7")
    proof = json.loads(text)
    assert proof["tree_size"] == 20 and proof["checkpoint"].startswith("procuration.example")
    assert proof["leaf_hash"] == bytes(Leaf.objects.get(seq=7).leaf_hash).hex()
    path = tmp_path / "proof.json"
    path.write_text(text)
    key = public_vkey()
    assert verify.verify_proof(proof, verify.Verifier.parse(key)) == \
        "OK entry 7 in tree of size 20"
    proof["path"][0] = "00" * 32
    assert verify.verify_proof(proof, None).startswith("FAIL invalid proof")

    code, text = run("audit_prove", "--consistency", "10", "20")
    consistency = json.loads(text)
    assert consistency["old_root"] == Checkpoint.objects.get(tree_size=10).root_hash.hex()
    assert verify.verify_proof(consistency, verify.Verifier.parse(key)) == \
        "OK tree of size 20 extends size 10"
    consistency["old_root"] = "11" * 32
    assert verify.verify_proof(consistency, None).startswith("FAIL invalid proof")

    code, text = run("audit_prove", "3", "--size", "5")
    assert json.loads(text)["checkpoint"] is None
    with pytest.raises(CommandError, match="not in a tree"):
        call_command("audit_prove", "25", stdout=StringIO())


def test_pubkey_prints_vkey(db):
    assert run("audit_pubkey") == (0, public_vkey() + "\n")
    assert public_vkey().startswith("procuration.example/audit+")


def test_export_full_and_standalone_cli(journal, tmp_path):
    output = tmp_path / "journal.jsonl"
    assert run("audit_export", "--output", str(output)) == (
        0, f"20 entries exported to {output}\n")
    lines = output.read_bytes().split(b"\n")
    assert json.loads(lines[0])["tree_size"] == 20
    assert lines[1] == bytes(Leaf.objects.get(seq=0).canonical)
    assert json.loads(lines[21])["checkpoint"].startswith("procuration.example/audit\n10\n")
    assert b"Usager" not in output.read_bytes()  # no personal data in exports
    key = tmp_path / "key.txt"
    key.write_text(public_vkey())
    result = subprocess.run([sys.executable, "-m", "audit.verify", str(output),
                             "--pubkey", str(key)], capture_output=True, text=True, check=False)
    root = bytes(Head.objects.get().root).hex()
    assert (result.returncode, result.stdout) == (0, f"OK 20 entries, root {root}\n")
    assert "django" not in subprocess.run(
        [sys.executable, "-c", "import sys, audit.verify; print(sorted(sys.modules))"],
        capture_output=True, text=True, check=True).stdout


def test_filtered_export_proves_each_entry(journal, tmp_path):
    output = tmp_path / "structure.jsonl"
    code, text = run("audit_export", "--output", str(output), "--structure", "2")
    assert code == 0 and text.startswith("10 entries")
    verdict = verify.verify_export(str(output), verify.Verifier.parse(public_vkey()), [])
    assert verdict.line() == f"OK 10 entries, root {bytes(Head.objects.get().root).hex()}"
    data = output.read_bytes().replace(b'"n":3,', b'"n":4,')
    output.write_bytes(data)
    verdict = verify.verify_export(str(output), verify.Verifier.parse(public_vkey()), [])
    assert verdict.line().startswith("FAIL seq 3: modified entry")


def test_export_dates_are_validated(db, tmp_path):
    with pytest.raises(CommandError, match="not a date"):
        call_command("audit_export", "--output", str(tmp_path / "x"), "--since", "hier",
                     stdout=StringIO())
    code, text = run("audit_export", "--output", str(tmp_path / "x"), "--since", "2020-01-01",
                     "--until", "2020-01-02")
    assert code == 0 and text.startswith("0 entries")


def test_standalone_verifier_errors(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    assert verify.main([str(bad), "--pubkey", "a+b+c"]) == 2


def test_verify_columns_option(journal):
    with triggers_off() as cursor:
        cursor.execute("UPDATE audit_entry SET mandate_id = 12345"
                       " WHERE id = (SELECT entry_id FROM audit_leaf WHERE seq = 2)")
    assert run("audit_verify")[0] == 0  # the signed bytes are intact
    code, text = run("audit_verify", "--columns")
    assert code == 1 and text.startswith("FAIL seq 2: modified entry")


def test_export_of_empty_journal_and_large_tail(db, tmp_path):
    output = tmp_path / "empty.jsonl"
    assert run("audit_export", "--output", str(output))[0] == 0
    verdict = verify.verify_export(str(output), verify.Verifier.parse(public_vkey()), [])
    assert verdict.line().startswith("OK 0 entries")
    add_entries(3)
    call_command("audit_checkpoint", stdout=StringIO())
    assert run("audit_export", "--output", str(output))[0] == 0
    assert verify.verify_export(str(output), verify.Verifier.parse(public_vkey()), [],
                                ).line().startswith("OK 3 entries")
    assert len(verify._tail_checkpoints(str(output), step=7)) == 1  # tail read in small steps


def test_sequencer_waits_a_poll_after_catching_up(db, monkeypatch):
    from audit.management.commands.audit_sequencer import Command

    add_entries(3)
    slept = []
    monkeypatch.setattr("audit.management.commands.audit_sequencer.time.sleep", slept.append)
    Command()._pass(batch=100, poll=0.25)
    # Caught up: the next pass comes a poll later, not at once for the few entries committed
    # meanwhile (a whole pass, with its commit, for each).
    assert Leaf.objects.count() == 3 and slept == [0.25]


def test_long_running_sequencer_freezes_its_start_up_heap(db, monkeypatch):
    import gc
    import signal

    from audit.management.commands.audit_sequencer import Command

    calls = []
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(signal, "signal", lambda *args: calls.append("signal"))

    def one_pass(self, batch, poll):
        calls.append("pass")
        raise KeyboardInterrupt  # as Ctrl-C ends it

    monkeypatch.setattr(Command, "_pass", one_pass)
    assert run("audit_sequencer") == (0, "")
    assert calls == ["freeze", "signal", "pass"]
