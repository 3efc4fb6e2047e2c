"""`record()`: the single way to write to the journal."""

from django.db import connection

from audit.actor import Actor
from audit.events import EventType
from audit.models import Entry


class JournalError(RuntimeError):
    """The journal was asked to record outside a transaction or with forbidden content."""


def _pk(value):
    return getattr(value, "pk", value)


def record(
    event_type: EventType | str,
    *,
    actor,
    structure=None,
    usager=None,
    mandate=None,
    authorisation=None,
    oidc_client: str = "",
    demarche: str = "",
    payload: dict | None = None,
    personal: dict | None = None,
) -> Entry:
    """Append one entry inside the caller's transaction.

    Contract: must be called inside `transaction.atomic()` (the service's own), so a rolled-back
    action leaves no entry and a committed one is never lost. `actor` is an `Actor`, an Aidant
    (their current structure) or None (system). Model-valued references accept an instance or a
    primary key. `payload` holds non-personal facts; `personal` holds the minimum personal data
    the action needs, committed by its hash so it can be erased later (RGPD). Never pass a token,
    code, password or OTP secret.
    """
    if not connection.in_atomic_block:
        raise JournalError("audit.record() must run inside the service's transaction")
    event_type = EventType(event_type)
    actor = Actor.coerce(actor)
    merged = dict(payload or {})
    if personal:
        merged["personal"] = personal
    return Entry.objects.create(
        event_type=event_type,
        actor_kind=actor.kind,
        actor_name=actor.name,
        actor_aidant_id=actor.aidant_id,
        actor_structure_id=actor.structure_id,
        structure_id=_pk(structure),
        usager_id=_pk(usager),
        mandate_id=_pk(mandate),
        authorisation_id=_pk(authorisation),
        oidc_client_id=oidc_client or "",
        demarche=demarche or "",
        payload=merged,
    )
