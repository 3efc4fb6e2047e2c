"""Read-only admin for the journal: no add, change or delete, whoever asks."""

from django.contrib import admin

from audit.models import Checkpoint, Entry
from audit.readonly_admin import ReadOnlyAdmin


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("seq", "created_at", "event_type", "actor_kind", "actor_aidant_id",
                    "structure_id", "usager_id", "mandate_id")
    list_filter = ("event_type", "actor_kind")
    search_fields = ("=leaf__seq", "=usager_id", "=mandate_id", "=actor_aidant_id")
    exclude = ("personal", "personal_salt")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("leaf")


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ("tree_size", "created_at")
