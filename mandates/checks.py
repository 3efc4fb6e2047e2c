"""Start-up checks for mandates: production refuses to seal receipts without its own key."""

from django.conf import settings
from django.core.checks import Error

from mandates import seal


def receipt_seal_check(app_configs=None, **kwargs) -> list[Error]:
    """mandates.E001: seal key/certificate missing in production; E002: configured but unusable."""
    try:
        material = seal.configured_material()
    except seal.SealConfigurationError as exc:
        return [Error(f"Sceau des récépissés illisible : {exc}.", id="mandates.E002")]
    if material is None:
        if settings.PRODUCTION:
            return [Error("RECEIPT_SEAL_KEY et RECEIPT_SEAL_CERT sont obligatoires en production.",
                          hint="Clé ECDSA P-256 et son certificat, en PEM (contenu ou chemin).",
                          id="mandates.E001")]
        return []
    try:
        seal.load_signer(material)
    except seal.SealConfigurationError as exc:
        return [Error(f"Sceau des récépissés inutilisable : {exc}.", id="mandates.E002")]
    return []
