"""Journal authentication events raised outside our views.

- django-axes' `user_locked_out`: sent when a (username, IP) pair gets locked and for every
  attempt refused while it is locked.
- the admin's `LogEntry`: every add/change/delete made in the Django admin. Saved inside the
  admin's own transaction (`changeform_view`, `delete_view`), so the journal entry commits or
  rolls back with the change.
"""

from axes.signals import user_locked_out
from django.contrib.admin.models import LogEntry
from django.db.models.signals import post_save
from django.dispatch import receiver

from aidants import services


@receiver(user_locked_out, dispatch_uid="aidants.journal_lockout")
def journal_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    services.locked_out(username=username or "", ip_address=ip_address)


@receiver(post_save, sender=LogEntry, dispatch_uid="aidants.journal_admin_change")
def journal_admin_change(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        services.admin_change_record(log_entry=instance)
