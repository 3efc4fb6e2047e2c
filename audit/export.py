"""`audit_export`: the journal as JSON Lines, verifiable offline by `python -m audit.verify`.

Layout, one JSON value per line:
1. a header object `{"format": "procuration-audit-export", "version": 1, "origin": ...,
   "filter": null | {...}, "tree_size": N}`;
2. the entries in seq order, each line being the entry's canonical bytes verbatim (a JSON array,
   see `audit.canonical`), so verifiers hash the line as it is; filtered exports follow each entry
   with `{"inclusion": {"seq", "tree_size", "path"}}`, its RFC 9162 inclusion proof against the
   export's latest checkpoint (signed for the occasion if the tree grew);
3. the signed checkpoints, `{"checkpoint": "<C2SP note>"}`, in size order.
Exports hold no personal data: only the salted commitments of personal payloads.
A full export proves the whole history; a filtered one proves each listed entry but not that
none was left out (see `audit.verify`).
"""

import json
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q

from audit import proofs
from audit.checkpoints import checkpoint_now
from audit.models import Checkpoint, Leaf

PAGE = 20000


def _header(size: int, filters: dict | None) -> bytes:
    return json.dumps({"format": "procuration-audit-export", "version": 1,
                       "origin": settings.AUDIT_ORIGIN, "filter": filters or None,
                       "tree_size": size}).encode() + b"\n"


def _filters(since: datetime | None, until: datetime | None, structure: int | None) -> dict:
    filters = {}
    if since:
        filters["since"] = since.isoformat()
    if until:
        filters["until"] = until.isoformat()
    if structure is not None:
        filters["structure"] = structure
    return filters


def _query(since, until, structure):
    query = Leaf.objects.all()
    if since:
        query = query.filter(entry__created_at__gte=since)
    if until:
        query = query.filter(entry__created_at__lt=until)
    if structure is not None:
        query = query.filter(Q(entry__structure_id=structure)
                             | Q(entry__actor_structure_id=structure))
    return query


def write_export(out, *, since: datetime | None = None, until: datetime | None = None,
                 structure: int | None = None) -> int:
    """Write an export to the binary file `out`; return the number of entries written."""
    filters = _filters(since, until, structure)
    if filters:
        checkpoint_now()
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        if filters:
            count = _write_filtered(out, _query(since, until, structure), filters)
        else:
            count = _write_full(out)
        for text in Checkpoint.objects.order_by("tree_size").values_list("note", flat=True):
            out.write(json.dumps({"checkpoint": text}).encode() + b"\n")
    return count


def _write_full(out) -> int:
    size = proofs.tree_size()
    out.write(_header(size, None))
    count, low = 0, -1
    while True:
        page = list(Leaf.objects.filter(seq__gt=low).order_by("seq")
                    .values_list("seq", "canonical")[:PAGE])
        if not page:
            return count
        out.write(b"\n".join(bytes(c) for _, c in page) + b"\n")
        count += len(page)
        low = page[-1][0]


def _write_filtered(out, query, filters: dict) -> int:
    latest = Checkpoint.objects.order_by("-tree_size").first()
    size = latest.tree_size if latest else 0
    out.write(_header(size, filters))
    if not size:
        return 0
    levels = proofs.load_levels(size)
    count = 0
    for seq, data in query.filter(seq__lt=size).order_by("seq").values_list("seq", "canonical"):
        proof = {"seq": seq, "tree_size": size,
                 "path": [h.hex() for h in levels.inclusion_path(seq, size)]}
        out.write(bytes(data) + b"\n" + json.dumps({"inclusion": proof}).encode() + b"\n")
        count += 1
    return count
