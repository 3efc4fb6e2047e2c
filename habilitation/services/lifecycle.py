"""End of the road: a manager deactivates an aidant; long-inactive aidants are deactivated.

Both go through `aidants.services.aidant_deactivate` (one journal entry, sessions ended, login
refused). Mandates belong to structures, so they stay with the structure untouched.
"""

from django.db import transaction
from django.utils import timezone

from aidants.models import Aidant, Organisation
from aidants.services import aidant_deactivate
from audit.actor import Actor
from habilitation import emails
from habilitation.errors import NotAllowedError
from habilitation.permissions import audit_actor, require_manager
from habilitation.selectors import INACTIVITY_LIMIT, inactive_aidants

INACTIVITY_ACTOR = Actor.system("deactivate_inactive")


@transaction.atomic
def aidant_deactivate_in_structure(*, aidant: Aidant, organisation: Organisation, actor,
                                   reason: str) -> Aidant:
    """A référent of `organisation` (or staff) deactivates one of its aidants."""
    require_manager(actor, organisation)
    if aidant.pk == actor.pk:
        raise NotAllowedError("Vous ne pouvez pas désactiver votre propre compte.")
    if not aidant.memberships.filter(organisation=organisation).exists():
        raise NotAllowedError("Cet aidant n'appartient pas à cette structure.")
    if aidant.is_staff and not actor.is_staff:
        raise NotAllowedError("Un compte de l'équipe nationale ne peut être désactivé que par "
                              "l'équipe nationale.")
    aidant = aidant_deactivate(aidant=aidant, actor=audit_actor(actor, organisation),
                               reason=reason.strip() or "désactivé par un référent")
    emails.send_on_commit("aidant_deactivated", to=aidant.email, context={
        "aidant": aidant, "organisation": organisation, "inactivity": False})
    return aidant


def inactive_aidants_deactivate(*, dry_run: bool = False, now=None) -> list[Aidant]:
    """Deactivate every aidant without login for six months; return them (none when dry)."""
    now = now or timezone.now()
    candidates = list(inactive_aidants(now=now))
    if dry_run:
        return candidates
    days = INACTIVITY_LIMIT.days
    for aidant in candidates:
        with transaction.atomic():
            aidant_deactivate(aidant=aidant, actor=INACTIVITY_ACTOR,
                              reason=f"aucune connexion depuis {days} jours")
            emails.send_on_commit("aidant_deactivated", to=aidant.email, context={
                "aidant": aidant, "organisation": None, "inactivity": True})
    return candidates
