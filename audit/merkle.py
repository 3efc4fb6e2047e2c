"""RFC 9162 (Certificate Transparency v2) Merkle tree hashing, proofs and proof verification.

No Django import: the offline verifier (`python -m audit.verify`) uses this module.

- Leaf hash `SHA-256(0x00 || data)`, node hash `SHA-256(0x01 || left || right)` (RFC 9162 2.1.1).
- `Levels` keeps the hashes of every *perfect* subtree of a list of leaves, level by level, so a
  root, an inclusion path or a consistency path at any size needs only O(log n) lookups.
- `Frontier` is the compact range of a growing tree (one perfect-subtree hash per set bit of the
  size): appending is amortised one node hash, the root is O(log n). The sequencer stores it.
- `verify_inclusion` / `verify_consistency` follow RFC 9162 sections 2.1.3.2 and 2.1.4.2 step by
  step.
"""

import hashlib
import struct
from itertools import repeat
from operator import add

_sha = hashlib.sha256
_digest = type(_sha()).digest
EMPTY_ROOT = _sha(b"").digest()
_LEAF = b"\x00"
_NODE = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    return _sha(_LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha(_NODE + left + right).digest()


def leaf_hashes(lines) -> list[bytes]:
    """Leaf hashes of many entries; map() keeps the loop in C (verification speed)."""
    return list(map(_digest, map(_sha, map(_LEAF.__add__, lines))))


_node_input = struct.Struct("c32s32s").pack  # 0x01 || left || right in one allocation


def next_level(level: list[bytes], *, digests: bool = False) -> list[bytes]:
    """Parents of consecutive pairs; an odd last node has no perfect parent and is dropped.

    `digests=True` promises every node is 32 bytes long (hashes computed here), sparing the check.
    """
    pairs = iter(level)
    if digests or set(map(len, level)) <= {32}:  # struct would pad or cut other lengths
        return list(map(_digest, map(_sha, map(_node_input, repeat(_NODE), pairs, pairs))))
    return list(map(_digest, map(_sha, map(_NODE.__add__, map(add, pairs, pairs)))))


def largest_power_of_two_below(n: int) -> int:
    """k < n, k a power of two, as in RFC 9162 2.1.1 (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class Levels:
    """Every perfect subtree hash of `leaves` (level 0 = the leaves)."""

    def __init__(self, leaves: list[bytes]):
        self.levels = [leaves]
        while len(self.levels[-1]) > 1:
            self.levels.append(next_level(self.levels[-1], digests=len(self.levels) > 1))

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def perfect(self, start: int, height: int) -> bytes:
        return self.levels[height][start >> height]

    def subtree(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for any range inside the leaves."""
        n = end - start
        if n == 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0 and start % n == 0:
            return self.perfect(start, n.bit_length() - 1)
        k = largest_power_of_two_below(n)
        return node_hash(self.subtree(start, start + k), self.subtree(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        return self.subtree(0, self.size if size is None else size)

    def inclusion_path(self, index: int, size: int) -> list[bytes]:
        """RFC 9162 2.1.3.1 PATH(m, D[n])."""
        if not 0 <= index < size <= self.size:
            raise ValueError("index outside the tree")
        return self._path(index, 0, size)

    def _path(self, m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = largest_power_of_two_below(n)
        if m < k:
            return self._path(m, start, start + k) + [self.subtree(start + k, end)]
        return self._path(m - k, start + k, end) + [self.subtree(start, start + k)]

    def consistency_path(self, old: int, new: int) -> list[bytes]:
        """RFC 9162 2.1.4.1 PROOF(m, D[n]); empty when old is 0 or equals new."""
        if not 0 <= old <= new <= self.size:
            raise ValueError("sizes outside the tree")
        if old in (0, new):
            return []
        return self._subproof(old, 0, new, True)

    def _subproof(self, m: int, start: int, end: int, whole: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if whole else [self.subtree(start, end)]
        k = largest_power_of_two_below(n)
        if m <= k:
            return self._subproof(m, start, start + k, whole) + [self.subtree(start + k, end)]
        return self._subproof(m - k, start + k, end, False) + [self.subtree(start, start + k)]


class Frontier:
    """Compact range of a tree: the perfect-subtree hashes along the size's set bits."""

    __slots__ = ("size", "nodes")

    def __init__(self, size: int = 0, nodes: list[bytes] | None = None):
        self.size = size
        self.nodes = list(nodes or [])
        if len(self.nodes) != bin(size).count("1"):
            raise ValueError("frontier does not match its size")

    def append(self, leaf: bytes) -> None:
        nodes, bits, node = self.nodes, self.size, leaf
        while bits & 1:
            node = _sha(_NODE + nodes.pop() + node).digest()
            bits >>= 1
        nodes.append(node)
        self.size += 1

    def append_perfect(self, node: bytes, height: int) -> None:
        """Append a whole perfect subtree of 2**height leaves; the size must be aligned."""
        if self.size % (1 << height):
            raise ValueError("unaligned subtree")
        bits = self.size >> height
        while bits & 1:
            node = _sha(_NODE + self.nodes.pop() + node).digest()
            bits >>= 1
        self.nodes.append(node)
        self.size += 1 << height

    def root(self, extra: list[bytes] = ()) -> bytes:
        """Root of the tree, optionally followed by smaller perfect subtrees `extra` (in order)."""
        nodes = self.nodes + list(extra)
        if not nodes:
            return EMPTY_ROOT
        root = nodes[-1]
        for node in reversed(nodes[:-1]):
            root = node_hash(node, root)
        return root

    def to_bytes(self) -> bytes:
        return b"".join(self.nodes)

    @classmethod
    def from_bytes(cls, size: int, data: bytes) -> "Frontier":
        return cls(size, [bytes(data[i:i + 32]) for i in range(0, len(data), 32)])


def _shift_until(fn: int, sn: int, stop_when_set: bool) -> tuple[int, int]:
    """Right-shift both until LSB(fn) is set (or fn is 0) / until it is not set."""
    if stop_when_set:
        while not fn & 1 and fn != 0:
            fn, sn = fn >> 1, sn >> 1
    else:
        while fn & 1:
            fn, sn = fn >> 1, sn >> 1
    return fn, sn


def root_from_inclusion(index: int, size: int, leaf: bytes, path: list[bytes]) -> bytes | None:
    """RFC 9162 2.1.3.2 steps 1 to 4; None when the proof cannot be valid."""
    if index >= size or any(len(p) != 32 for p in path):
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                fn, sn = _shift_until(fn, sn, stop_when_set=True)
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None


def verify_inclusion(index: int, size: int, leaf: bytes, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 2.1.3.2: is `leaf` at `index` in the tree of `size` with `root`?"""
    return len(leaf) == 32 and root_from_inclusion(index, size, leaf, path) == root


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes,
                       path: list[bytes]) -> bool:
    """RFC 9162 2.1.4.2: does the tree (size2, root2) extend the tree (size1, root1)?"""
    if size1 > size2 or any(len(p) != 32 for p in path):
        return False
    if size1 == size2:
        return not path and root1 == root2
    if size1 == 0:
        return not path  # the empty tree is a prefix of every tree
    if not path:
        return False
    if size1 & (size1 - 1) == 0:
        path = [root1, *path]
    fn, sn = _shift_until(size1 - 1, size2 - 1, stop_when_set=False)
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                fn, sn = _shift_until(fn, sn, stop_when_set=True)
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == root1 and sr == root2 and sn == 0
