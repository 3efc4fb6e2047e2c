"""Journal services: RGPD erasure of personal payloads, journaled export downloads."""

import tempfile

from django.db import connection, transaction

from audit import record
from audit.events import EventType
from audit.export import write_export
from audit.models import Entry


@transaction.atomic
def personal_data_erase(*, usager_id: int, actor) -> int:
    """Erase the personal payload of every entry about `usager_id`; return how many.

    The PERSONAL_DATA_ERASED entry is written first, in the same transaction: the database
    trigger only lets `personal`/`personal_salt` become NULL once that entry exists, so no
    erasure escapes the journal. The entries themselves, their `personal_hash` and their
    canonical bytes stay: the log still verifies. Called by the mandates purge command.
    """
    ids = list(Entry.objects.filter(usager_id=usager_id, personal__isnull=False)
               .order_by("id").values_list("id", flat=True))
    if not ids:
        return 0
    record(EventType.PERSONAL_DATA_ERASED, actor=actor, usager=usager_id,
           payload={"entries": len(ids), "entry_ids": ids})
    with connection.cursor() as cursor:
        # QuerySet.update() is refused on entries; this is the one sanctioned UPDATE.
        cursor.execute(
            "UPDATE audit_entry SET personal = NULL, personal_salt = NULL"
            f" WHERE id IN ({', '.join(['%s'] * len(ids))})", ids)
    return len(ids)


def export_for_download(*, actor, since=None, until=None, structure=None):
    """Write an export to a temporary file (rewound) and journal the download."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - returned open, closed by the response
    count = write_export(handle, since=since, until=until, structure=structure)
    with transaction.atomic():
        record(EventType.EXPORT_DOWNLOADED, actor=actor, structure=structure,
               payload={"entries": count, "since": since.isoformat() if since else None,
                        "until": until.isoformat() if until else None})
    handle.seek(0)
    return handle
