"""Read-mostly admin: every change of state goes through the pages and their services."""

from django.contrib import admin

from audit.readonly_admin import ReadOnlyAdmin
from habilitation.models import (
    Charter,
    CharterAcceptance,
    HabilitationRequest,
    StructureRequest,
    TOTPCard,
)


@admin.register(StructureRequest)
class StructureRequestAdmin(ReadOnlyAdmin):
    list_display = ["name", "siret", "status", "created_at"]
    list_filter = ["status", "type"]
    search_fields = ["name", "siret"]


@admin.register(HabilitationRequest)
class HabilitationRequestAdmin(ReadOnlyAdmin):
    list_display = ["last_name", "first_name", "organisation", "status", "updated_at"]
    list_filter = ["status"]
    search_fields = ["last_name", "email"]


@admin.register(Charter)
class CharterAdmin(ReadOnlyAdmin):
    list_display = ["version", "published_at"]


@admin.register(CharterAcceptance)
class CharterAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ["aidant", "charter", "accepted_at"]


@admin.register(TOTPCard)
class TOTPCardAdmin(ReadOnlyAdmin):
    list_display = ["serial", "organisation", "status", "aidant", "step"]
    list_filter = ["status"]
    search_fields = ["serial"]
    exclude = ["encrypted_key"]
