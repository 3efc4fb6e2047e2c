"""`LogVerifier`: the streaming check shared by `audit_verify` (database) and the offline verifier.

No Django import. Verdict kinds are described in `audit.verify`.

Speed (issue 3's benchmark): each entry costs one leaf hash and, amortised, one node hash; the
rest is kept to whole-block C calls. A block's chain is checked with one join and one unhexlify,
its stored leaf hashes with one list comparison; only a block failing them is walked entry by
entry (`_locate`), so the verdicts are those of the per-entry rules.
"""

import binascii
import gc
import hashlib
from collections import deque as _consume
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import repeat
from operator import itemgetter

from audit import canonical
from audit.merkle import Frontier, Levels, leaf_hashes
from audit.note import NoteError, Verifier, parse_checkpoint, verify_note

MODIFIED = "modified entry"
DELETED = "deleted entry"
REORDERED = "reordered entries"
TRUNCATED = "truncated or rolled-back log"
FORGED = "forged or unknown signature"
_PRIORITY = {MODIFIED: 0, DELETED: 0, REORDERED: 0, TRUNCATED: 1, FORGED: 2}
# Leaves folded into the tree at a time: 4,096 leaves and their subtrees stay in the CPU cache
# (65,536 cost ~5% more per entry on 1M entries).
CHUNK_HEIGHT = 12
CHUNK = 1 << CHUNK_HEIGHT
_hexlify = binascii.hexlify
_sha = hashlib.sha256
_digest, _update, _copy = type(_sha()).digest, type(_sha()).update, type(_sha()).copy
_LEAF = b"\x00"
_LEAF_STATE = _sha(_LEAF)  # copied per entry: cheaper than building 0x00 || bytes first
_strip_last = itemgetter(slice(0, -1))
_drop_first = itemgetter(slice(1, None))


def _hash_inputs(inputs) -> list[bytes]:
    return list(map(_digest, map(_sha, inputs)))


def _hash_lines(lines) -> list[bytes]:
    states = list(map(_copy, repeat(_LEAF_STATE, len(lines))))
    _consume(map(_update, states, map(_strip_last, lines)), maxlen=0)
    return list(map(_digest, states))


@contextmanager
def cyclic_gc_paused():
    """Pause the cycle collector while streaming: the blocks (rows, lines, digests) hold no
    cycles, yet their millions of short-lived tuples and lists keep triggering collections
    that scan every object of the process (about 7% of verification time from PostgreSQL).
    Reference counting still frees everything as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(frozen=True)
class Form:
    """How a block's items hold the canonical bytes (RFC 9162 leaf input = 0x00 || bytes)."""

    hashes: object      # items -> leaf hashes
    prev: object        # item -> its 64 hex digits of `prev`
    canonical: object   # items -> canonical bytes (slow path only)


# The canonical bytes themselves.
CANONICAL = Form(leaf_hashes, itemgetter(slice(canonical.PREV_START, canonical.PREV_END)),
                 lambda items: items)
# `0x00 || bytes`, the leaf input, as PostgreSQL can return it (the prefix costs it nothing).
LEAF_INPUT = Form(_hash_inputs, itemgetter(slice(canonical.PREV_START + 1, canonical.PREV_END + 1)),
                  lambda items: list(map(_drop_first, items)))
# `bytes || \n`, an export line as read (the reader ends every line with \n).
LINE = Form(_hash_lines, CANONICAL.prev, lambda items: list(map(_strip_last, items)))


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

    Feed blocks with `feed(items, stored=None, bad_column=None, form=CANONICAL)`: `items` hold
    the canonical bytes in stream order (as `form` says), `stored` the stored leaf hashes
    (database only), `bad_column` the index in the block of the first row whose columns disagree
    with its bytes (database only). Then `finish()`.
    Checkpoint roots are compared when the stream reaches their size, one CHUNK (4,096 leaves) of
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

    def feed(self, items: list[bytes], stored: list[bytes] | None = None,
             bad_column: int | None = None, *, form: Form = CANONICAL) -> None:
        start = self.lines_seen
        self.lines_seen += len(items)
        if self.anomaly is not None:
            self._classify(form.canonical(items), start)
            return
        if not items:
            return
        digests = form.hashes(items)
        good = len(items)
        # The whole block's chain in two C calls: every `prev` field, unhexlified at once, must
        # equal the previous leaf hashes laid end to end.
        if (_unhexlify_or_none(b"".join(map(form.prev, items)))
                != self.prev + b"".join(digests)[:-32]
                or bad_column is not None or (stored is not None and stored != digests)):
            lines = form.canonical(items)
            expected = [_hexlify(self.prev), *map(_hexlify, digests[:-1])]
            good = self._locate(lines, digests, expected, stored, bad_column)
        self._append(digests if good == len(digests) else digests[:good])
        if self.anomaly is None:
            self.prev = digests[-1]
        elif self.missing is not None:
            self._classify(lines[good + 1:], start + good + 1)

    def _locate(self, lines, digests, expected, stored, bad_column) -> int:
        """Record the first anomaly of this block; return how many leaves are trustworthy."""
        for i, line in enumerate(lines):
            position = self.size + i
            if CANONICAL.prev(line) != expected[i]:
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
