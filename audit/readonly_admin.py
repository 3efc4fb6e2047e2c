"""`ReadOnlyAdmin`: a ModelAdmin that can list and show, never add, change or delete.

Journaled state changes only through services (house style), so the admin of every app shows
such models read-only. It lives in `audit`, the bottom layer, so every app can import it.
"""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}
