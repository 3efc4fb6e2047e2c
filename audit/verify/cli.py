"""`python -m audit.verify`: command line of the offline verifier, and proof checking.

No Django import. See `audit.verify` for the verdicts and exit codes.
"""

import argparse
import json

import audit.verify as package
from audit.merkle import verify_consistency, verify_inclusion
from audit.note import Verifier, parse_checkpoint, verify_note
from audit.verify.log import FORGED
from audit.verify.reader import verify_export


def verify_proof(proof: dict, verifier: Verifier | None) -> str:
    """Check a proof document from `audit_prove`; return the one-line verdict."""
    checkpoint = proof.get("checkpoint")
    if verifier is not None and checkpoint:
        parsed = parse_checkpoint(checkpoint)
        if not verify_note(checkpoint, verifier):
            return f"FAIL seq {max(parsed.size - 1, 0)}: {FORGED} (checkpoint of the proof)"
        if parsed.size != proof["tree_size"] or parsed.root.hex() != proof["root"]:
            return f"FAIL seq {parsed.size}: proof does not match its checkpoint"
    path = [bytes.fromhex(h) for h in proof["path"]]
    if proof["type"] == "inclusion":
        good = verify_inclusion(proof["seq"], proof["tree_size"], bytes.fromhex(proof["leaf_hash"]),
                                path, bytes.fromhex(proof["root"]))
        what = f"entry {proof['seq']} in tree of size {proof['tree_size']}"
    else:
        good = verify_consistency(proof["old_size"], proof["tree_size"],
                                  bytes.fromhex(proof["old_root"]), bytes.fromhex(proof["root"]),
                                  path)
        what = f"tree of size {proof['tree_size']} extends size {proof['old_size']}"
    return f"OK {what}" if good else f"FAIL invalid proof ({what})"


def _read_text(value: str) -> str:
    """A key or checkpoint given inline or as a file path."""
    if "\n" not in value and "+" in value and not value.startswith(("/", ".")):
        return value
    with open(value, encoding="utf-8") as handle:
        return handle.read()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m audit.verify",
                                     description=package.__doc__.split("\n")[0])
    parser.add_argument("export", nargs="?", help="JSON Lines export from audit_export")
    parser.add_argument("--pubkey", help="verifier key (name+id+key) or a file holding it")
    parser.add_argument("--checkpoint", action="append", default=[],
                        help="signed checkpoint file kept outside the database")
    parser.add_argument("--proof", help="proof JSON printed by audit_prove")
    args = parser.parse_args(argv)
    try:
        verifier = Verifier.parse(_read_text(args.pubkey)) if args.pubkey else None
        if args.proof:
            with open(args.proof, encoding="utf-8") as handle:
                line = verify_proof(json.load(handle), verifier)
            print(line)
            return 0 if line.startswith("OK") else 1
        if not args.export or verifier is None:
            parser.error("an export file and --pubkey are required")
        extra = [_read_text(path) for path in args.checkpoint]
        verdict = verify_export(args.export, verifier, extra)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"ERROR {exc}")
        return 2
    print(verdict.line())
    return 0 if verdict.ok else 1
