from habilitation.models.cards import TOTPCard
from habilitation.models.charter import Charter, CharterAcceptance
from habilitation.models.requests import HabilitationRequest, HabilitationStatus
from habilitation.models.structures import StructureRequest

__all__ = [
    "Charter",
    "CharterAcceptance",
    "HabilitationRequest",
    "HabilitationStatus",
    "StructureRequest",
    "TOTPCard",
]
