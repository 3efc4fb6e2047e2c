"""Who may act on a structure's habilitation: its active référents, and national staff."""

from audit.actor import Actor
from habilitation.errors import NotAllowedError


def is_manager(aidant, organisation) -> bool:
    """Staff, or an active référent of `organisation` (an active structure)."""
    if not getattr(aidant, "is_active", False):
        return False
    if aidant.is_staff:
        return True
    return organisation.is_active and aidant.memberships.active().filter(
        organisation=organisation, role="referent").exists()


def require_manager(aidant, organisation) -> None:
    if not is_manager(aidant, organisation):
        raise NotAllowedError("Seuls les référents de cette structure et l'équipe nationale "
                              "peuvent faire cette action.")


def require_referent(aidant, organisation) -> None:
    """A référent of `organisation` (staff included only if they are one)."""
    if not (getattr(aidant, "is_active", False) and organisation.is_active
            and aidant.memberships.active().filter(organisation=organisation,
                                                   role="referent").exists()):
        raise NotAllowedError("Seuls les référents de cette structure peuvent faire cette "
                              "action.")


def require_staff(aidant) -> None:
    if not (getattr(aidant, "is_active", False) and getattr(aidant, "is_staff", False)):
        raise NotAllowedError("Seule l'équipe nationale peut faire cette action.")


def audit_actor(aidant, organisation=None) -> Actor:
    """The journal's actor: a référent acts in `organisation`, staff act nationally."""
    if isinstance(aidant, Actor):
        return aidant
    if organisation is not None and not aidant.is_staff:
        return Actor.aidant(aidant, organisation)
    return Actor.coerce(aidant)
