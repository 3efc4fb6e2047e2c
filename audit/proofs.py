"""Inclusion and consistency proofs from the stored leaf hashes (`audit_prove`, filtered exports).

The leaf hashes of the requested tree size are read in seq order and their perfect subtrees
computed once (`audit.merkle.Levels`, ~0.4 s per million leaves); each proof is then O(log n).
A proof names the checkpoint signed at its tree size when there is one, so
`python -m audit.verify --proof FILE --pubkey KEY` ties it to the signature.
"""

from audit.merkle import Levels
from audit.models import Checkpoint, Head, Leaf


class ProofError(ValueError):
    """The proof cannot be made (sizes out of range, or a log with gaps: run audit_verify)."""


def tree_size() -> int:
    head = Head.objects.filter(pk=1).first()
    return head.size if head else 0


def load_levels(size: int) -> Levels:
    if size <= 0:
        raise ProofError("the tree is empty")
    leaves = [bytes(h) for h in Leaf.objects.filter(seq__lt=size).order_by("seq")
              .values_list("leaf_hash", flat=True).iterator(chunk_size=65536)]
    if len(leaves) != size:
        raise ProofError(f"{size - len(leaves)} entries missing below {size}: run audit_verify")
    return Levels(leaves)


def _checkpoint_text(size: int) -> str | None:
    return Checkpoint.objects.filter(tree_size=size).values_list("note", flat=True).first()


def default_size(seq: int | None = None) -> int:
    """The latest signed size covering `seq`, else the current tree size."""
    latest = Checkpoint.objects.order_by("-tree_size").values_list("tree_size", flat=True).first()
    if latest is not None and (seq is None or seq < latest):
        return latest
    return tree_size()


def inclusion(seq: int, size: int | None = None, levels: Levels | None = None) -> dict:
    size = size if size is not None else default_size(seq)
    if not 0 <= seq < size <= tree_size():
        raise ProofError(f"entry {seq} is not in a tree of size {size}")
    levels = levels or load_levels(size)
    return {
        "type": "inclusion",
        "seq": seq,
        "tree_size": size,
        "leaf_hash": levels.levels[0][seq].hex(),
        "path": [h.hex() for h in levels.inclusion_path(seq, size)],
        "root": levels.root(size).hex(),
        "checkpoint": _checkpoint_text(size),
    }


def consistency(old: int, new: int) -> dict:
    if not 0 < old <= new <= tree_size():
        raise ProofError(f"sizes must satisfy 0 < OLD <= NEW <= {tree_size()}")
    levels = load_levels(new)
    return {
        "type": "consistency",
        "old_size": old,
        "old_root": levels.root(old).hex(),
        "tree_size": new,
        "root": levels.root(new).hex(),
        "path": [h.hex() for h in levels.consistency_path(old, new)],
        "checkpoint": _checkpoint_text(new),
        "old_checkpoint": _checkpoint_text(old),
    }
