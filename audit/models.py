"""Journal entries. This is the provisional shape; the audit issue makes it a Merkle-tree log.

Field names below are a contract other apps query in their tests: keep them.
"""

from django.db import models
from django.db.models.functions import Now

from audit.events import EventType


class Entry(models.Model):
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
    payload = models.JSONField(default=dict)

    class Meta:
        verbose_name = "entrée du journal"
        verbose_name_plural = "entrées du journal"
        ordering = ["id"]
