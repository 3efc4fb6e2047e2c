"""Standalone journal verifier: `python -m audit.verify EXPORT --pubkey KEY [--checkpoint FILE]`.

No Django import: an auditor runs it offline on an export (`manage.py audit_export`) with the
public key (`manage.py audit_pubkey`, or the page /journal/cle-publique). `manage.py
audit_verify` uses the same `LogVerifier` on the database, so both give the same verdicts.

Exit 0 with `OK <n> entries, root <hex>`; exit 1 with `FAIL seq <n>: <kind> (<detail>)` naming
the first failing sequence number; exit 2 on unusable input. Kinds:
- modified entry: an entry's bytes no longer hash to what the chain (the next entry's `prev`),
  the stored leaf hash or the row's columns say;
- deleted entry: an entry is missing and no later entry carries its sequence number;
- reordered entries: an entry sits at another position than the one it was sequenced at;
- truncated or rolled-back log: the log is shorter than a signed checkpoint (given with
  --checkpoint or stored), or its history differs from one; the seq named is the first entry not
  covered by the last checkpoint that still matches;
- forged or unknown signature: a checkpoint not validly signed by the given key (seq = the last
  entry it claims to cover).

A checkpoint kept outside the database (witness, auditor copy, `--checkpoint`) is what catches
truncation and rollback: an attacker able to rewrite the whole database could otherwise drop the
tail together with the checkpoints stored next to it.

`python -m audit.verify --proof FILE [--pubkey KEY]` checks a proof printed by
`manage.py audit_prove` (RFC 9162 2.1.3.2 inclusion, 2.1.4.2 consistency).

Filtered exports (`audit_export --structure/--since/--until`) carry, after each entry, its
inclusion proof against a signed checkpoint included in the export. They prove that every listed
entry is unmodified and sits at its sequence number in the signed tree; they cannot prove that
no entry matching the filter was left out (only a full export can).

The package: `log` (the streaming `LogVerifier`, shared with `audit_verify`), `reader` (export
files), `cli` (command line, proofs).
"""

from audit.note import Verifier
from audit.verify.cli import main, verify_proof
from audit.verify.log import (
    CANONICAL,
    CHUNK,
    CHUNK_HEIGHT,
    DELETED,
    FORGED,
    LEAF_INPUT,
    LINE,
    MODIFIED,
    REORDERED,
    TRUNCATED,
    Failure,
    LogVerifier,
    Verdict,
)
from audit.verify.reader import ExportError, _tail_checkpoints, verify_export

__all__ = ["CANONICAL", "CHUNK", "CHUNK_HEIGHT", "DELETED", "FORGED", "LEAF_INPUT", "LINE",
           "MODIFIED", "REORDERED", "TRUNCATED", "ExportError", "Failure", "LogVerifier",
           "Verdict", "Verifier", "_tail_checkpoints", "main", "verify_export", "verify_proof"]
