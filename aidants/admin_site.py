"""The Django admin behind the same two factors as the rest of the service.

`OTPAdminSite` refuses anyone whose session is not OTP-verified. Its own login form is not
used: the admin login sends people to our two-step login (lockout, journal, generic errors),
and the admin logout goes through our logout (server-side session end, journal).
"""

from urllib.parse import urlencode

from django.contrib.admin.actions import delete_selected
from django.contrib.admin.models import DELETION, LogEntry
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.admin import OTPAdminSite

from aidants import services
from aidants.views import logout_view


def journaled_delete_selected(modeladmin, request, queryset):
    """Django's bulk delete action, plus one journal entry per deleted object.

    Deleting several objects writes their admin LogEntries with `bulk_create`, which sends no
    `post_save` (so `aidants.signals` cannot see them): journal those here, in the deletion's
    transaction. A single deletion is saved normally and journaled by the signal.
    """
    with transaction.atomic():
        last = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        response = delete_selected(modeladmin, request, queryset)
        entries = list(LogEntry.objects.filter(pk__gt=last, user=request.user,
                                               action_flag=DELETION).order_by("pk"))
        if len(entries) > 1:
            for entry in entries:
                services.admin_change_record(log_entry=entry)
    return response


journaled_delete_selected.allowed_permissions = delete_selected.allowed_permissions
journaled_delete_selected.short_description = delete_selected.short_description


class ProcurationAdminSite(OTPAdminSite):
    site_header = "Procuration – administration nationale"
    site_title = "Administration Procuration"
    index_title = "Administration"

    def __init__(self, name="admin"):
        super().__init__(name)
        self.add_action(journaled_delete_selected, "delete_selected")

    def login(self, request, extra_context=None):
        user = request.user
        if user.is_authenticated and user.is_verified():
            # Logged in with both factors but not staff: sending them to the login page would
            # loop back here.
            raise PermissionDenied("Réservé à l'équipe nationale.")
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect(f"{reverse('aidants:login')}?{urlencode({'next': next_url})}")

    def logout(self, request, extra_context=None):
        return logout_view(request)
