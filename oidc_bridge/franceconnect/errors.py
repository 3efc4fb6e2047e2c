"""Why a FranceConnect login failed: a stable reason code (journal) and a French message (page)."""

from enum import StrEnum


class Reason(StrEnum):
    """Reason codes written to the journal (`payload["reason"]`): stable, never renamed."""

    CANCELLED = "user_cancelled"
    PROVIDER_ERROR = "provider_error"
    STATE_MISSING = "state_missing"
    STATE_MISMATCH = "state_mismatch"
    STATE_REUSED = "state_reused"
    STATE_EXPIRED = "state_expired"
    CODE_MISSING = "code_missing"
    UNREACHABLE = "provider_unreachable"
    DISCOVERY_INVALID = "discovery_invalid"
    TOKEN_REFUSED = "token_refused"
    ALG_NOT_ALLOWED = "alg_not_allowed"
    UNKNOWN_KID = "unknown_kid"
    BAD_SIGNATURE = "bad_signature"
    MALFORMED_TOKEN = "malformed_token"
    WRONG_ISSUER = "wrong_issuer"
    WRONG_AUDIENCE = "wrong_audience"
    EXPIRED = "token_expired"
    WRONG_NONCE = "wrong_nonce"
    ACR_TOO_LOW = "acr_too_low"
    USERINFO_NOT_SIGNED = "userinfo_not_signed"
    SUB_MISMATCH = "sub_mismatch"
    IDENTITY_INVALID = "identity_invalid"


_CANCELLED = "L'identification FranceConnect a été annulée. Aucune donnée n'a été enregistrée."
_RETRY = ("La connexion avec FranceConnect n'a pas pu être vérifiée. Par sécurité, aucune donnée "
          "n'a été enregistrée. Recommencez l'identification.")
_STATE = ("Cette réponse de FranceConnect ne correspond à aucune identification en cours (lien "
          "déjà utilisé, expiré ou ouvert dans un autre onglet). Recommencez l'identification.")

MESSAGES: dict[Reason, str] = {
    Reason.CANCELLED: _CANCELLED,
    Reason.PROVIDER_ERROR: "FranceConnect a signalé une erreur. Recommencez l'identification.",
    Reason.STATE_MISSING: _STATE,
    Reason.STATE_MISMATCH: _STATE,
    Reason.STATE_REUSED: _STATE,
    Reason.STATE_EXPIRED: _STATE,
    Reason.UNREACHABLE: ("FranceConnect ne répond pas pour le moment. Réessayez dans quelques "
                         "minutes."),
    Reason.IDENTITY_INVALID: ("L'identité transmise par FranceConnect est incomplète ou dans un "
                              "format inattendu. Aucune donnée n'a été enregistrée."),
    Reason.ACR_TOO_LOW: ("Le niveau de sécurité de la connexion FranceConnect est insuffisant "
                         "pour créer un mandat. Aucune donnée n'a été enregistrée."),
}


def message_for(reason: Reason) -> str:
    return MESSAGES.get(reason, _RETRY)


class FranceConnectError(Exception):
    """A login that must stop; `reason` goes to the journal, never any token or identity."""

    def __init__(self, reason: Reason, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = reason
        self.detail = detail
