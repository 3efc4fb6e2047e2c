"""Read-only admin for national staff: mandates go through the desk services, never the admin.

Editing here would bypass the services' permission checks and journal entries, so add, change
and delete are refused. Usager identities are reduced to initials (data minimisation, RGPD):
support needs dates and statuses, not names.
"""

from django.contrib import admin

from audit.readonly_admin import ReadOnlyAdmin
from mandates.models import Authorisation, Mandate, Usager


@admin.register(Usager)
class UsagerAdmin(ReadOnlyAdmin):
    list_display = ("pk", "initials", "created_at", "erased_at")
    list_filter = ("erased_at",)
    fields = ("initials", "created_at", "erased_at")
    readonly_fields = fields
    search_fields = ("=pk",)


class AuthorisationInline(admin.TabularInline):
    model = Authorisation
    fields = ("demarche", "revoked_at", "superseded_by")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Mandate)
class MandateAdmin(ReadOnlyAdmin):
    list_display = ("short_code", "organisation", "usager_id", "created_at", "expires_at",
                    "status_label")
    list_filter = ("duration",)
    search_fields = ("=short_code", "=pk")
    list_select_related = ("organisation",)
    fields = ("short_code", "organisation", "usager_id", "created_by", "created_at", "duration",
              "expires_at", "renewed_from", "receipt_version", "receipt_sha256", "revoked_at")
    readonly_fields = fields
    inlines = [AuthorisationInline]

    @admin.display(description="état")
    def status_label(self, obj):
        return {"active": "actif", "expired": "expiré", "revoked": "révoqué"}[obj.status()]
