"""Printing a receipt is an audited action: the journal says who printed which text, when.

Both functions render the sealed PDF and record the journal entry in one transaction: if the
entry cannot be written, no PDF is handed out. The caller (a view) has already checked access
with `mandates.selectors.access_mandate`.
"""

from django.db import transaction

import audit
from audit.events import EventType
from mandates.models import Mandate
from mandates.receipts.pdf import render_receipt, render_revocation
from mandates.receipts.text import (
    has_revocation,
    receipt_sha256,
    revocation_sha256,
    version_of,
)


class NothingRevoked(ValueError):
    """A revocation receipt was asked for a mandate with no revoked démarche."""


@transaction.atomic
def receipt_print(*, mandate: Mandate, actor) -> bytes:
    """The sealed receipt PDF; records RECEIPT_PRINTED with the printed text's hash.

    `matches_recorded` tells an auditor whether the text is still the one hashed at creation
    (it is not after an RGPD erasure of the usager's identity).
    """
    digest = receipt_sha256(mandate)
    pdf = render_receipt(mandate)
    audit.record(EventType.RECEIPT_PRINTED, actor=actor, structure=mandate.organisation_id,
                 usager=mandate.usager_id, mandate=mandate,
                 payload={"receipt_sha256": digest, "version": version_of(mandate),
                          "matches_recorded": digest == mandate.receipt_sha256})
    return pdf


@transaction.atomic
def revocation_receipt_print(*, mandate: Mandate, actor) -> bytes:
    """The sealed revocation receipt PDF (whole mandate or some démarches revoked)."""
    if not has_revocation(mandate):
        raise NothingRevoked(mandate.pk)
    pdf = render_revocation(mandate)
    audit.record(EventType.REVOCATION_RECEIPT_PRINTED, actor=actor,
                 structure=mandate.organisation_id, usager=mandate.usager_id, mandate=mandate,
                 payload={"revocation_sha256": revocation_sha256(mandate),
                          "version": version_of(mandate)})
    return pdf
