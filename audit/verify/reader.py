"""Verification of an export file (`audit_export`): full exports streamed, filtered ones by proof.

No Django import. See `audit.verify` for the verdicts and what a filtered export proves.
"""

import json
import mmap
from itertools import islice

from audit import canonical
from audit.merkle import leaf_hashes, verify_inclusion
from audit.note import Verifier
from audit.verify.log import LINE, MODIFIED, Failure, LogVerifier, Verdict, cyclic_gc_paused

LINES = 2048  # lines per block handed to the verifier


class ExportError(ValueError):
    """The file is not a journal export."""


def _iter_lines(path: str, count: int = LINES):
    """Blocks of lines, each line ending with b"\\n" (one is added to an unterminated last line).

    Lines come straight from a memory map: `mmap.readline` finds each end with memchr and copies
    the line once. `bytes.split` tests every byte, and reading blocks into fresh buffers costs
    page faults: together about a third of the hashing time. The `LINE` form hashes a line
    without its b"\\n". (A file truncated while mapped would stop the process with SIGBUS.)
    """
    with open(path, "rb") as handle:
        if not handle.seek(0, 2):
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            lines = iter(mapped.readline, b"")
            while block := list(islice(lines, count)):
                if block[-1][-1:] != b"\n":
                    block[-1] += b"\n"
                yield block


def verify_export(path: str, verifier: Verifier, extra_checkpoints: list[str]) -> Verdict:
    """Verify an export file; see `audit.verify` for what a filtered export proves."""
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
    with cyclic_gc_paused():
        for lines in remaining():
            split = _first_object(lines)
            if split:
                log.feed(lines if split == len(lines) else lines[:split], form=LINE)
            if log.done or split < len(lines):
                break
        return log.finish()


def _tail_checkpoints(path: str, step: int = 1 << 14) -> list[str]:
    """The checkpoint lines at the end of a full export (after the last entry line).

    Reads backwards, doubling the step, until the tail holds the start of an entry line.
    """
    with open(path, "rb") as handle:
        size = handle.seek(0, 2)
        start, tail = size, b""
        while start > 0:
            start = max(0, start - step)
            step *= 2
            handle.seek(start)
            tail = handle.read(size - start)
            if start == 0 or b"\n[" in tail:  # a line after the first one is an entry
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
            entries.append(line[:-1])  # lines end with b"\n" (see _iter_lines)
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
