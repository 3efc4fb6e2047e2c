"""Accounts created by the workflow. Internal: called inside the approving service's transaction."""

from django.db import transaction

import audit
from aidants.models import Aidant, Membership, Organisation
from audit.actor import Actor
from audit.events import EventType
from habilitation import emails
from habilitation.errors import HabilitationError
from habilitation.permissions import audit_actor, require_manager
from habilitation.tokens import invitation_url


def aidant_invite_or_attach(*, organisation: Organisation, email: str, first_name: str,
                            last_name: str, profession: str, role: str
                            ) -> tuple[Aidant, str | None]:
    """Return the aidant for `email`, member of `organisation` with `role`, and an invite link.

    A new e-mail gets a new account with no usable password and a single-use link to set one.
    An existing account (an aidant may belong to several structures) gets a membership; it gets
    a link only if it never set a password. A deactivated account is not silently revived.
    """
    email = email.strip().lower()
    aidant = Aidant.objects.select_for_update().filter(email__iexact=email).first()
    if aidant is None:
        aidant = Aidant.objects.create_user(
            email, None, first_name=first_name, last_name=last_name, profession=profession,
            current_structure=organisation)
    elif not aidant.is_active:
        raise HabilitationError("Le compte lié à cette adresse e-mail est désactivé : "
                                "l'équipe nationale doit d'abord le réactiver.")
    membership, created = Membership.objects.get_or_create(
        aidant=aidant, organisation=organisation, defaults={"role": role})
    if not created:
        changed = ["is_active"]
        membership.is_active = True
        if role == Membership.Role.REFERENT and membership.role != role:
            membership.role = role
            changed.append("role")
        membership.save(update_fields=changed)
    if aidant.current_structure_id is None:
        aidant.current_structure = organisation
        aidant.save(update_fields=["current_structure"])
    link = None if aidant.has_usable_password() else invitation_url(aidant)
    return aidant, link


@transaction.atomic
def invitation_accept(*, aidant: Aidant, password: str) -> Aidant:
    """Set the invited aidant's first password (the link's token was checked by the view).

    Setting it changes the password hash, which invalidates the link (single use).
    """
    aidant = Aidant.objects.select_for_update().get(pk=aidant.pk)
    aidant.set_password(password)
    aidant.save(update_fields=["password"])
    audit.record(EventType.PASSWORD_CHANGED, actor=Actor.aidant(aidant),
                 payload={"aidant_id": aidant.pk, "via": "invitation"})
    return aidant


@transaction.atomic
def invitation_resend(*, aidant: Aidant, organisation: Organisation, actor) -> Aidant:
    """Send a fresh set-password link to a member of `organisation` who never set one.

    For a manager of the structure (référent or staff). Links expire after
    `PASSWORD_RESET_TIMEOUT`; a new one does not revive the old.
    """
    require_manager(actor, organisation)
    if not (aidant.is_active and aidant.memberships.filter(organisation=organisation,
                                                           is_active=True).exists()):
        raise HabilitationError("Cette personne n'est pas membre active de la structure.")
    if aidant.has_usable_password():
        raise HabilitationError("Cette personne a déjà créé son mot de passe.")
    audit.record(EventType.INVITATION_SENT, actor=audit_actor(actor, organisation),
                 structure=organisation, payload={"aidant_id": aidant.pk})
    emails.send_on_commit("invitation_resent", to=aidant.email, context={
        "aidant": aidant, "organisation": organisation, "invite_url": invitation_url(aidant)})
    return aidant
