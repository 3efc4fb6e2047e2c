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
"""

import argparse
import binascii
import json
import sys
from dataclasses import dataclass
from operator import itemgetter

from audit import canonical
from audit.merkle import Frontier, Levels, leaf_hashes, verify_consistency, verify_inclusion
from audit.note import NoteError, Verifier, parse_checkpoint, verify_note

MODIFIED = "modified entry"
DELETED = "deleted entry"
REORDERED = "reordered entries"
TRUNCATED = "truncated or rolled-back log"
FORGED = "forged or unknown signature"
_PRIORITY = {MODIFIED: 0, DELETED: 0, REORDERED: 0, TRUNCATED: 1, FORGED: 2}
CHUNK_HEIGHT = 16
CHUNK = 1 << CHUNK_HEIGHT
_prev_field = itemgetter(slice(canonical.PREV_START, canonical.PREV_END))
_hexlify = binascii.hexlify


@dataclass(frozen=True)
class Failure:
    seq: int
    kind: str
    detail: str

    def line(self) -> str:
        return f"FAIL seq {self.seq}: {self.kind} ({self.detail})"


@dataclass(frozen=True)
class Verdict:
    size: int
    root: bytes
    failure: Failure | None

    @property
    def ok(self) -> bool:
        return self.failure is None

    def line(self) -> str:
        if self.failure:
            return self.failure.line()
        return f"OK {self.size} entries, root {self.root.hex()}"


class LogVerifier:
    """Streams entries in sequence order, recomputing hashes, chain and tree.

    Feed blocks with `feed(lines, stored=None, bad_column=None)`: `lines` are canonical bytes in
    stream order, `stored` the stored leaf hashes (database only), `bad_column` the index in the
    block of the first row whose columns disagree with its bytes (database only). Then `finish()`.
    Checkpoint roots are compared when the stream reaches their size, one 65,536-leaf chunk of
    perfect subtrees at a time, so memory stays bounded.
    """

    def __init__(self, *, verifier: Verifier, origin: str, checkpoints: list[str]):
        self.failures: list[Failure] = []
        self.checkpoints = self._accept(verifier, origin, checkpoints)
        self.size = 0
        self.prev = bytes(32)  # leaf hash before the next entry (zeros before seq 0)
        self.frontier = Frontier()
        self.buffer: list[bytes] = []
        self.last_good_checkpoint = 0
        self.anomaly: Failure | None = None
        self.missing: int | None = None  # seq whose later presence means "reordered"
        self.lines_seen = 0
        self.mismatches: list[tuple[int, Failure]] = []

    def _accept(self, verifier, origin, texts) -> list:
        good = []
        for text in texts:
            try:
                checkpoint = parse_checkpoint(text)
            except NoteError:
                self.failures.append(Failure(0, FORGED, "unreadable checkpoint"))
                continue
            if checkpoint.origin != origin or not verify_note(text, verifier):
                seq = max(checkpoint.size - 1, 0)
                self.failures.append(
                    Failure(seq, FORGED, f"checkpoint of size {checkpoint.size}"))
                continue
            good.append(checkpoint)
        return sorted(good, key=lambda c: c.size)

    @property
    def done(self) -> bool:
        """Nothing more to learn from further entries."""
        return self.anomaly is not None and self.missing is None

    def feed(self, lines: list[bytes], stored: list[bytes] | None = None,
             bad_column: int | None = None) -> None:
        start = self.lines_seen
        self.lines_seen += len(lines)
        if self.anomaly is not None:
            self._classify(lines, start)
            return
        if not lines:
            return
        digests = leaf_hashes(lines)
        good = len(lines)
        # The whole block's chain in two C calls: every `prev` field, unhexlified at once, must
        # equal the previous leaf hashes laid end to end.
        if (_unhexlify_or_none(b"".join(map(_prev_field, lines)))
                != self.prev + b"".join(digests[:-1])
                or bad_column is not None or (stored is not None and stored != digests)):
            expected = [_hexlify(self.prev), *map(_hexlify, digests[:-1])]
            good = self._locate(lines, digests, expected, stored, bad_column)
        self._append(digests[:good])
        if self.anomaly is None and digests:
            self.prev = digests[-1]
        elif self.missing is not None:
            self._classify(lines[good + 1:], start + good + 1)

    def _locate(self, lines, digests, expected, stored, bad_column) -> int:
        """Record the first anomaly of this block; return how many leaves are trustworthy."""
        for i, line in enumerate(lines):
            position = self.size + i
            if _prev_field(line) != expected[i]:
                embedded = canonical.embedded_seq(line)
                if embedded is None:
                    self.anomaly = Failure(position, MODIFIED, "entry bytes are malformed")
                    return i
                if embedded == position:
                    self.anomaly = Failure(position - 1, MODIFIED,
                                           f"entry {position} does not chain to it")
                    return max(i - 1, 0)
                if embedded < position:
                    self.anomaly = Failure(position, REORDERED,
                                           f"entry {embedded} found at position {position}")
                    return i
                self.anomaly = Failure(position, DELETED,
                                       f"entry {embedded} follows entry {position - 1}")
                self.missing = position
                return i
            if (stored is not None and stored[i] != digests[i]) or bad_column == i:
                self.anomaly = Failure(position, MODIFIED, "stored bytes or columns altered")
                return i
        raise AssertionError("no anomaly found in a block that failed its checks")

    def _classify(self, lines, start) -> None:
        """After a gap at `missing`: the entry turning up later means reordering, not deletion."""
        if self.missing is None:
            return
        for line in lines:
            if canonical.embedded_seq(line) == self.missing:
                old = self.anomaly
                self.anomaly = Failure(old.seq, REORDERED,
                                       f"entry {self.missing} found further on")
                self.missing = None
                return

    def _append(self, digests: list[bytes]) -> None:
        self.buffer.extend(digests)
        self.size += len(digests)
        while len(self.buffer) >= CHUNK:
            chunk, self.buffer = self.buffer[:CHUNK], self.buffer[CHUNK:]
            self._fold(chunk)

    def _fold(self, leaves: list[bytes]) -> None:
        """Check checkpoints falling in this chunk, then absorb it into the frontier."""
        levels = Levels(leaves)
        base = self.frontier.size
        for checkpoint in self.checkpoints:
            if base < checkpoint.size <= base + len(leaves):
                self._check_root(checkpoint, self.frontier.root(_decompose(levels,
                                                                          checkpoint.size - base)))
        if len(leaves) == CHUNK:
            self.frontier.append_perfect(levels.levels[CHUNK_HEIGHT][0], CHUNK_HEIGHT)
        else:
            for node, height in _perfect_nodes(levels, len(leaves)):
                self.frontier.append_perfect(node, height)

    def _check_root(self, checkpoint, root: bytes) -> None:
        if root == checkpoint.root:
            self.last_good_checkpoint = max(self.last_good_checkpoint, checkpoint.size)
            return
        self.mismatches.append((checkpoint.size, Failure(
            self.last_good_checkpoint, TRUNCATED,
            f"history differs from the signed checkpoint of size {checkpoint.size}")))

    def finish(self, *, head: tuple[int, bytes] | None = None) -> Verdict:
        """Final verdict; `head` is the sequencer's (size, root) when verifying the database."""
        if self.buffer:
            self._fold(self.buffer)
            self.buffer = []
        root = self.frontier.root()
        failures = list(self.failures)
        if self.anomaly is not None:
            # A checkpoint covering the anomalous entry mismatches because of it: name the entry.
            failures.extend(f for size, f in self.mismatches if size <= self.anomaly.seq)
            failures.append(self.anomaly)
        else:
            failures.extend(f for _, f in self.mismatches)
            failures.extend(self._tail_failures(root, head))
        if not failures:
            return Verdict(self.size, root, None)
        first = min(failures, key=lambda f: (f.seq, _PRIORITY[f.kind]))
        return Verdict(self.size, root, first)

    def _tail_failures(self, root: bytes, head) -> list[Failure]:
        failures = []
        longer = [c.size for c in self.checkpoints if c.size > self.size]
        if longer:
            failures.append(Failure(self.size, TRUNCATED,
                                    f"{self.size} entries, a signed checkpoint has {max(longer)}"))
        if head is not None:
            head_size, head_root = head
            if head_size > self.size:
                failures.append(Failure(self.size, TRUNCATED,
                                        f"{self.size} entries, the sequencer recorded {head_size}"))
            elif head_size == self.size and head_root != root:
                failures.append(Failure(max(self.size - 1, 0), MODIFIED,
                                        "the tree differs from the sequencer's head"))
        return failures


def _decompose(levels: Levels, count: int) -> list[bytes]:
    return [node for node, _ in _perfect_nodes(levels, count)]


def _perfect_nodes(levels: Levels, count: int) -> list[tuple[bytes, int]]:
    """Perfect subtrees covering the first `count` leaves, largest first."""
    nodes, start = [], 0
    for height in range(count.bit_length() - 1, -1, -1):
        if count & (1 << height):
            nodes.append((levels.perfect(start, height), height))
            start += 1 << height
    return nodes


def _unhexlify_or_none(data: bytes) -> bytes | None:
    try:
        return binascii.unhexlify(data)
    except (binascii.Error, ValueError):
        return None


class ExportError(ValueError):
    """The file is not a journal export."""


def _iter_lines(path: str, block: int = 1 << 23):
    with open(path, "rb") as handle:
        rest = b""
        while data := handle.read(block):
            lines = (rest + data).split(b"\n")
            rest = lines.pop()
            yield lines
        if rest:
            yield [rest]


def verify_export(path: str, verifier: Verifier, extra_checkpoints: list[str]) -> Verdict:
    """Verify an export file; see the module docstring for what a filtered export proves."""
    chunks = _iter_lines(path)
    first = next(chunks, [])
    if not first:
        raise ExportError("empty export")
    header = _json(first[0])
    if header.get("format") != "procuration-audit-export" or header.get("version") != 1:
        raise ExportError("not a procuration-audit-export version 1 file")
    origin = header["origin"]

    def remaining():
        yield first[1:]
        yield from chunks

    if header.get("filter"):
        return _verify_filtered(remaining(), verifier, origin, extra_checkpoints)
    # Checkpoints come last: read them from the end first, then stream the entries once.
    log = LogVerifier(verifier=verifier, origin=origin,
                      checkpoints=_tail_checkpoints(path) + list(extra_checkpoints))
    for lines in remaining():
        split = _first_object(lines)
        if split:
            log.feed(lines if split == len(lines) else lines[:split])
        if log.done or split < len(lines):
            break
    return log.finish()


def _tail_checkpoints(path: str, step: int = 1 << 20) -> list[str]:
    """The checkpoint lines at the end of a full export (after the last entry line)."""
    with open(path, "rb") as handle:
        size = handle.seek(0, 2)
        start, tail = size, b""
        while start > 0:
            start = max(0, start - step)
            handle.seek(start)
            tail = handle.read(size - start)
            lines = tail.split(b"\n")
            if start == 0 or any(line[:1] == b"[" for line in lines[1:]):
                break
    lines = tail.split(b"\n")[0 if start == 0 else 1:]
    objects = lines[_first_object(lines):]
    found = (_json(line).get("checkpoint") for line in objects if line.strip())
    return [text for text in found if text is not None]  # the header, when the log is empty


def _first_object(lines: list[bytes]) -> int:
    index = len(lines)
    while index and lines[index - 1][:1] != b"[":
        index -= 1
    return index


def _json(line: bytes) -> dict:
    try:
        value = json.loads(line)
    except ValueError as exc:
        raise ExportError("a line of the export is not JSON") from exc
    if not isinstance(value, dict):
        raise ExportError("unexpected line in the export")
    return value


def _split_filtered(chunks) -> tuple[list, list, list]:
    entries, proofs, checkpoints = [], [], []
    for line in (line for lines in chunks for line in lines if line.strip()):
        if line[:1] == b"[":
            entries.append(line)
            continue
        obj = _json(line)
        if "inclusion" in obj:
            proofs.append(obj["inclusion"])
        elif "checkpoint" in obj:
            checkpoints.append(obj["checkpoint"])
    return entries, proofs, checkpoints


def _verify_filtered(chunks, verifier, origin, extra_checkpoints) -> Verdict:
    entries, proofs, checkpoints = _split_filtered(chunks)
    checkpoints += list(extra_checkpoints)
    log = LogVerifier(verifier=verifier, origin=origin, checkpoints=checkpoints)
    if log.failures:
        return Verdict(0, b"", min(log.failures, key=lambda f: f.seq))
    by_size = {c.size: c for c in log.checkpoints}
    if len(proofs) != len(entries):
        raise ExportError("each entry of a filtered export needs its inclusion proof")
    root = b""
    for line, proof in zip(entries, proofs, strict=True):
        seq = canonical.embedded_seq(line)
        checkpoint = by_size.get(proof["tree_size"])
        path = [bytes.fromhex(h) for h in proof["path"]]
        if checkpoint is None or seq != proof["seq"] or not verify_inclusion(
                seq, checkpoint.size, leaf_hashes([line])[0], path, checkpoint.root):
            return Verdict(len(entries), root, Failure(
                proof["seq"], MODIFIED, "inclusion proof does not match a signed checkpoint"))
        root = checkpoint.root
    return Verdict(len(entries), root, None)


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
                                     description=__doc__.split("\n")[0])
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


if __name__ == "__main__":
    sys.exit(main())
