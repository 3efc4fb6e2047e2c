"""RGPD retention: erase usager identities after the retention delay (issue 4).

Kept apart from `services` because it depends on the audit app's erasure of personal data
in journal entries (`audit.services.personal_data_erase`).
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

import audit
from audit.events import EventType
from audit.services import personal_data_erase
from mandates.models import Usager
from mandates.selectors import usagers_due_for_erasure

ERASED_FIELDS = {"given_name": "", "family_name": "", "preferred_username": "", "birthdate": "",
                 "gender": "", "birthplace": "", "birthcountry": "", "email": ""}


@transaction.atomic
def usager_erase(*, usager: Usager, actor, now=None) -> bool:
    """Erase a usager's identity if still due (RGPD retention); False if no longer due.

    The row stays (the journal refers to it) with blank identity fields, `erased_at` set and the
    FranceConnect `sub` (a pseudonymous identifier) replaced. The row is locked and eligibility
    re-checked, so a mandate created meanwhile wins. Journal: USAGER_ERASED, then the audit
    app erases the personal parts of this usager's entries (`personal_data_erase`).
    """
    now = now or timezone.now()
    usager = Usager.objects.select_for_update().get(pk=usager.pk)
    due = usagers_due_for_erasure(now=now).filter(pk=usager.pk).first()
    if due is None:
        return False
    for name, value in ERASED_FIELDS.items():
        setattr(usager, name, value)
    usager.fc_sub, usager.erased_at = f"erased:{usager.pk}", now
    usager.save(update_fields=[*ERASED_FIELDS, "fc_sub", "erased_at"])
    audit.record(EventType.USAGER_ERASED, actor=actor, usager=usager,
                 payload={"last_mandate_end": due.last_end.isoformat(),
                          "retention_days": settings.USAGER_RETENTION.days})
    personal_data_erase(usager_id=usager.pk, actor=actor)
    return True
