"""Journal tables: entries (append-only), the sequencer's head row, signed checkpoints.

`Entry` field names are a contract other apps query in their tests: keep them. An entry is
INSERTed by `audit.record()` inside the business transaction with `seq` NULL; the sequencer
later fills `seq`, `prev_hash`, `leaf_hash` and `canonical` exactly once (see
`audit.sequencer`). Database triggers (migration 0002, `audit.db_guards`) refuse every other
UPDATE, DELETE and TRUNCATE, except the RGPD erasure of `personal`/`personal_salt`, which is only
allowed once a PERSONAL_DATA_ERASED entry about the same usager has been written.
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


class EntryQuerySet(models.QuerySet):
    def sequenced(self):
        return self.filter(seq__isnull=False)

    def pending(self):
        return self.filter(seq__isnull=True)

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
    personal = models.TextField(null=True, editable=False)
    personal_salt = models.BinaryField(null=True, editable=False)
    personal_hash = models.CharField(max_length=64, blank=True, editable=False)
    # Filled once by the sequencer.
    seq = models.BigIntegerField(null=True, unique=True, editable=False)
    prev_hash = models.BinaryField(null=True, editable=False)
    leaf_hash = models.BinaryField(null=True, editable=False)
    canonical = models.BinaryField(null=True, editable=False)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = "entrée du journal"
        verbose_name_plural = "entrées du journal"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["id"], condition=models.Q(seq__isnull=True),
                         name="audit_entry_pending"),
            models.Index(fields=["structure_id", "created_at"], name="audit_entry_structure"),
            models.Index(fields=["usager_id"], name="audit_entry_usager"),
            models.Index(fields=["actor_aidant_id"], name="audit_entry_actor"),
            models.Index(fields=["mandate_id"], name="audit_entry_mandate"),
        ]

    def __str__(self) -> str:
        return f"{self.seq if self.seq is not None else '…'} {self.event_type}"

    @property
    def personal_data(self) -> dict | None:
        """The personal payload, or None when there was none or it was erased."""
        return json.loads(self.personal) if self.personal is not None else None

    @property
    def personal_erased(self) -> bool:
        return bool(self.personal_hash) and self.personal is None


class Head(models.Model):
    """The sequencer's single row (pk=1): tree size, last leaf, root and compact range.

    Only the sequencer writes it, under `SELECT ... FOR UPDATE`: that lock is what makes two
    sequencers started by mistake take turns instead of forking the log.
    """

    size = models.BigIntegerField(default=0)
    last_leaf = models.BinaryField(null=True)
    root = models.BinaryField(null=True)
    frontier = models.BinaryField(default=b"")
    updated_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = "tête du journal"


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
