"""Reads for the auditor pages."""

from datetime import datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from audit.models import Entry


def entries_filtered(*, structure=None, aidant=None, usager=None, event_type="",
                     date_from=None, date_to=None):
    """Entries (newest first) matching the auditor's filters; a structure matches both the
    entry's structure and the acting aidant's structure."""
    query = Entry.objects.select_related("leaf")
    if structure is not None:
        query = query.filter(Q(structure_id=structure) | Q(actor_structure_id=structure))
    if aidant is not None:
        query = query.filter(actor_aidant_id=aidant)
    if usager is not None:
        query = query.filter(usager_id=usager)
    if event_type:
        query = query.filter(event_type=event_type)
    if date_from:
        query = query.filter(created_at__gte=start_of(date_from))
    if date_to:
        query = query.filter(created_at__lt=start_of(date_to) + timedelta(days=1))
    return query.order_by("-id")


def start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
