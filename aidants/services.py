"""Business actions on aidants and structures. Each is atomic and journals itself."""

from django.db import transaction

import audit
from audit.events import EventType
from aidants.models import Aidant, AidantSession


@transaction.atomic
def aidant_sessions_end(*, aidant: Aidant, actor) -> int:
    """Delete every server-side session of `aidant`; return how many were ended."""
    count, _ = AidantSession.objects.filter(aidant=aidant).delete()
    audit.record(EventType.SESSIONS_ENDED, actor=actor, payload={"aidant_id": aidant.pk,
                                                                   "sessions": count})
    return count


@transaction.atomic
def aidant_deactivate(*, aidant: Aidant, actor, reason: str) -> Aidant:
    """Deactivate `aidant`: they can no longer log in and all their sessions end now.

    Mandates stay with their structure. Permission checks are the caller's (référent of one of
    the aidant's structures, or staff).
    """
    aidant = Aidant.objects.select_for_update().get(pk=aidant.pk)
    aidant.is_active = False
    aidant.save(update_fields=["is_active"])
    audit.record(EventType.AIDANT_DEACTIVATED, actor=actor,
                 structure=aidant.current_structure_id,
                 payload={"aidant_id": aidant.pk, "reason": reason[:500]})
    AidantSession.objects.filter(aidant=aidant).delete()
    return aidant
