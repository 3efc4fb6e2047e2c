"""Journal tables: entries, their leaves in the log, the sequencer's head row, checkpoints.

`Entry` field names are a contract other apps query in their tests: keep them. An entry is
INSERTed by `audit.record()` inside the business transaction and never updated; the sequencer
later INSERTs its `Leaf` (seq, prev_hash, leaf_hash, canonical bytes), see `audit.sequencer`.
Inserting instead of updating keeps the sequencer cheap (no index churn, no dead tuples).
Database triggers (migration 0002, `audit.db_guards`) refuse UPDATE, DELETE and TRUNCATE on
every journal table, except the RGPD erasure of `personal`/`personal_salt`, only allowed once a
PERSONAL_DATA_ERASED entry about the same usager has been written.
"""

import json

from django.db import models
from django.db.models.functions import Now

from audit.events import EventType


class AppendOnlyError(RuntimeError):
    """Journal rows are never changed or deleted through the ORM."""


class _AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only")


class CurrentTransactionId(models.Func):
    """PostgreSQL's 64-bit id of the inserting transaction (`txid_current()`); NULL on SQLite.

    The sequencer takes only rows of transactions older than every running one
    (`txid_snapshot_xmin`), so a transaction committing late is never skipped.
    """

    template = "txid_current()"
    output_field = models.BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return "NULL", []


class EntryQuerySet(models.QuerySet):
    def sequenced(self):
        return self.filter(leaf__isnull=False)

    def pending(self):
        return self.filter(leaf__isnull=True)

    def delete(self):
        raise AppendOnlyError("journal entries are append-only")

    def update(self, **kwargs):
        raise AppendOnlyError("journal entries are append-only")


class Entry(_AppendOnly):
    created_at = models.DateTimeField(db_default=Now(), editable=False)
    event_type = models.CharField(max_length=64, choices=EventType.choices)
    actor_kind = models.CharField(max_length=16)
    actor_name = models.CharField(max_length=64, blank=True)
    actor_aidant_id = models.BigIntegerField(null=True)
    actor_structure_id = models.BigIntegerField(null=True)
    structure_id = models.BigIntegerField(null=True)
    usager_id = models.BigIntegerField(null=True)
    mandate_id = models.BigIntegerField(null=True)
    authorisation_id = models.BigIntegerField(null=True)
    oidc_client_id = models.CharField(max_length=128, blank=True)
    demarche = models.CharField(max_length=32, blank=True)
    # Non-personal facts, stored with canonical key order (see audit.canonical).
    payload = models.JSONField(default=dict)
    # Personal payload: canonical JSON text, erasable (RGPD); committed by `personal_hash`.
    personal = models.TextField(null=True, editable=False)  # noqa: DJ001 - NULL = none or erased
    personal_salt = models.BinaryField(null=True, editable=False)
    personal_hash = models.CharField(max_length=64, blank=True, editable=False)
    xid = models.BigIntegerField(null=True, editable=False, db_default=CurrentTransactionId())

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = "entrée du journal"
        verbose_name_plural = "entrées du journal"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["xid", "id"], name="audit_entry_xid"),
            models.Index(fields=["structure_id", "created_at"], name="audit_entry_structure"),
            models.Index(fields=["usager_id"], name="audit_entry_usager"),
            models.Index(fields=["actor_aidant_id"], name="audit_entry_actor"),
            models.Index(fields=["mandate_id"], name="audit_entry_mandate"),
        ]

    def __str__(self) -> str:
        return f"{self.seq if self.seq is not None else '…'} {self.event_type}"

    @property
    def seq(self) -> int | None:
        """Position in the log, None while the entry waits for the sequencer."""
        try:
            return self.leaf.seq
        except Leaf.DoesNotExist:
            return None

    @property
    def personal_data(self) -> dict | None:
        """The personal payload, or None when there was none or it was erased."""
        return json.loads(self.personal) if self.personal is not None else None

    @property
    def personal_erased(self) -> bool:
        return bool(self.personal_hash) and self.personal is None


class Leaf(_AppendOnly):
    """An entry's place in the log: RFC 9162 leaf `seq`, written once by the sequencer."""

    seq = models.BigIntegerField(primary_key=True)
    # No database foreign key: the log's integrity is cryptographic, and a verifier must be able
    # to report an entry deleted behind its back rather than be stopped by a constraint.
    entry = models.OneToOneField(Entry, on_delete=models.DO_NOTHING, db_constraint=False,
                                 related_name="leaf")
    prev_hash = models.BinaryField()
    leaf_hash = models.BinaryField()
    canonical = models.BinaryField()
    # When the sequencer took the entry (not hashed: operational, e.g. sequencer lag).
    sequenced_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        verbose_name = "feuille du journal"
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"leaf {self.seq}"


class Head(models.Model):
    """The sequencer's single row (pk=1): tree size, last leaf, root and compact range.

    Only the sequencer writes it, under `SELECT ... FOR UPDATE`: that lock is what makes two
    sequencers started by mistake take turns instead of forking the log.
    """

    size = models.BigIntegerField(default=0)
    last_leaf = models.BinaryField(null=True)
    root = models.BinaryField(null=True)
    frontier = models.BinaryField(default=b"")
    # Keyset of the last entry sequenced: (transaction id, id) on PostgreSQL, id on SQLite.
    last_xid = models.BigIntegerField(default=0)
    last_entry_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = "tête du journal"

    def __str__(self) -> str:
        return f"head {self.size}"


class Checkpoint(_AppendOnly):
    """A signed C2SP checkpoint (see `audit.note`); append-only like entries."""

    tree_size = models.BigIntegerField(unique=True)
    root_hash = models.BinaryField()
    note = models.TextField()
    created_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        verbose_name = "point de contrôle"
        verbose_name_plural = "points de contrôle"
        ordering = ["tree_size"]

    def __str__(self) -> str:
        return f"checkpoint {self.tree_size}"
