"""`record()`: the single way to write to the journal.

Contract: `record()` runs inside the business service's `transaction.atomic()` and only
INSERTs one row (its place in the log, `Leaf`, comes later): no log-wide lock, so concurrent
services never wait on each other. A rolled-back service leaves no entry; a committed one is
picked up by the sequencer (`audit.sequencer`), inline after commit when
`settings.AUDIT_SEQUENCING == "inline"`, else by `manage.py audit_sequencer`. The sequencer,
not the writer, gives the entry its position, so two writers can never fork the chain."""

import os

from django.conf import settings
from django.db import connection, transaction

from audit import canonical
from audit.actor import Actor
from audit.events import EventType
from audit.models import Entry
from audit.sequencer import sequence_inline


class JournalError(RuntimeError):
    """The journal was asked to record outside a transaction or with forbidden content."""


def _pk(value):
    return getattr(value, "pk", value)


def _check(payload: dict, personal: dict | None) -> None:
    try:
        canonical.check_value(payload, "payload")
        if personal:
            canonical.check_value(personal, "personal")
    except canonical.CanonicalError as exc:
        raise JournalError(str(exc)) from exc


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
    primary key. `payload` holds non-personal facts (JSON: strings, integers, booleans, lists,
    objects) and is stored as given in `Entry.payload`; `personal` holds the minimum
    personal data the action needs, stored apart in `Entry.personal` (read it with
    `entry.personal_data`) and committed by a salted hash so it can be erased later (RGPD,
    `audit.services.personal_data_erase`). Keys that look like credentials (`*token`, `*password`,
    `*secret`, `code`, `otp`...) are refused: never pass a token, code, password or OTP secret.
    """
    if not connection.in_atomic_block:
        raise JournalError("audit.record() must run inside the service's transaction")
    event_type = EventType(event_type)
    actor = Actor.coerce(actor)
    payload = dict(payload or {})
    _check(payload, personal)
    personal_text = salt = None
    personal_hash = ""
    if personal:
        personal_bytes = canonical.dumps(personal)
        salt = os.urandom(16)
        personal_hash = canonical.personal_commitment(salt, personal_bytes)
        personal_text = personal_bytes.decode("utf-8")
    entry = Entry.objects.create(
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
        payload=payload,
        personal=personal_text,
        personal_salt=salt,
        personal_hash=personal_hash,
    )
    if settings.AUDIT_SEQUENCING == "inline":
        _sequence_after_commit()
    return entry


def _sequence_after_commit() -> None:
    # One callback per transaction, however many entries it records.
    if any(getattr(func, "_audit_sequence", False) for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(sequence_inline, robust=True)
