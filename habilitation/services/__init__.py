"""Business actions of the habilitation workflow (one module per concept, re-exported here)."""

from habilitation.services.accounts import invitation_accept, invitation_resend
from habilitation.services.cards import (
    card_assign,
    card_confirm,
    card_deactivate,
    card_report_lost,
    cards_import,
)
from habilitation.services.charter import charter_accept, charter_publish
from habilitation.services.lifecycle import (
    aidant_deactivate_in_structure,
    inactive_aidants_deactivate,
)
from habilitation.services.requests import (
    habilitation_complete,
    habilitation_request_create,
    habilitation_request_refuse,
    habilitation_request_validate,
    habilitation_second_factor_check,
    habilitation_training_record,
)
from habilitation.services.structures import (
    siret_taken,
    structure_request_approve,
    structure_request_create,
    structure_request_refuse,
)

__all__ = [
    "aidant_deactivate_in_structure",
    "card_assign",
    "card_confirm",
    "card_deactivate",
    "card_report_lost",
    "cards_import",
    "charter_accept",
    "charter_publish",
    "habilitation_complete",
    "habilitation_request_create",
    "habilitation_request_refuse",
    "habilitation_request_validate",
    "habilitation_second_factor_check",
    "habilitation_training_record",
    "inactive_aidants_deactivate",
    "invitation_accept",
    "invitation_resend",
    "siret_taken",
    "structure_request_approve",
    "structure_request_create",
    "structure_request_refuse",
]
