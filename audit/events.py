"""Every kind of journal entry, grouped by domain (`<domain>.<action>`).

Add a type here when a feature needs one; never rename or remove one that has been recorded:
old entries keep their type forever and the verifier reads them.
"""

from django.db import models


class EventType(models.TextChoices):
    # Aidant accounts and login
    LOGIN_SUCCEEDED = "aidant.login_succeeded", "Connexion réussie"
    LOGIN_FAILED = "aidant.login_failed", "Échec de connexion (mot de passe)"
    OTP_FAILED = "aidant.otp_failed", "Échec de connexion (code à usage unique)"
    LOCKED_OUT = "aidant.locked_out", "Compte bloqué temporairement"
    LOGOUT = "aidant.logout", "Déconnexion"
    REAUTHENTICATED = "aidant.reauthenticated", "Code redemandé après inactivité"
    STRUCTURE_SWITCHED = "aidant.structure_switched", "Changement de structure"
    DEVICE_ENROLLED = "aidant.device_enrolled", "Second facteur ajouté"
    DEVICE_REMOVED = "aidant.device_removed", "Second facteur retiré"
    DEVICE_CONFIRMED = "aidant.device_confirmed", "Second facteur confirmé par un code"
    BACKUP_CODES_GENERATED = "aidant.backup_codes_generated", "Codes de secours générés"
    PASSWORD_CHANGED = "aidant.password_changed", "Mot de passe changé"
    AIDANT_DEACTIVATED = "aidant.deactivated", "Aidant désactivé"
    AIDANT_REACTIVATED = "aidant.reactivated", "Aidant réactivé"
    SESSIONS_ENDED = "aidant.sessions_ended", "Sessions fermées"
    # Administration (national staff, Django admin)
    ADMIN_CREATED = "admin.created", "Objet créé (administration)"
    ADMIN_CHANGED = "admin.changed", "Objet modifié (administration)"
    ADMIN_DELETED = "admin.deleted", "Objet supprimé (administration)"
    # Habilitation
    STRUCTURE_REQUESTED = "habilitation.structure_requested", "Demande d'inscription de structure"
    STRUCTURE_APPROVED = "habilitation.structure_approved", "Structure validée"
    STRUCTURE_REFUSED = "habilitation.structure_refused", "Structure refusée"
    HABILITATION_REQUESTED = "habilitation.requested", "Demande d'habilitation"
    HABILITATION_VALIDATED = "habilitation.validated", "Habilitation validée"
    HABILITATION_REFUSED = "habilitation.refused", "Habilitation refusée"
    TRAINING_RECORDED = "habilitation.training_recorded", "Formation enregistrée"
    CHARTER_PUBLISHED = "habilitation.charter_published", "Charte publiée"
    CHARTER_SIGNED = "habilitation.charter_signed", "Charte signée"
    HABILITATION_COMPLETED = "habilitation.completed", "Aidant habilité"
    HABILITATION_SECOND_FACTOR_CHECKED = (
        "habilitation.second_factor_checked", "Second facteur de l'aidant vérifié")
    CARDS_IMPORTED = "habilitation.cards_imported", "Cartes TOTP importées"
    CARD_ASSIGNED = "habilitation.card_assigned", "Carte TOTP attribuée"
    CARD_CONFIRMED = "habilitation.card_confirmed", "Carte TOTP confirmée"
    CARD_LOST = "habilitation.card_lost", "Carte TOTP déclarée perdue"
    CARD_DEACTIVATED = "habilitation.card_deactivated", "Carte TOTP désactivée"
    INVITATION_SENT = "habilitation.invitation_sent", "Lien de création du mot de passe renvoyé"
    # Mandates
    USAGER_IDENTIFIED = "mandate.usager_identified", "Usager identifié (FranceConnect)"
    MANDATE_CREATED = "mandate.created", "Mandat créé"
    MANDATE_RENEWED = "mandate.renewed", "Mandat renouvelé"
    MANDATE_REVOKED = "mandate.revoked", "Mandat révoqué"
    AUTHORISATION_REVOKED = "mandate.authorisation_revoked", "Autorisation révoquée"
    AUTHORISATION_SUPERSEDED = "mandate.authorisation_superseded", "Autorisation remplacée"
    RECEIPT_PRINTED = "mandate.receipt_printed", "Récépissé imprimé"
    REVOCATION_RECEIPT_PRINTED = "mandate.revocation_receipt_printed", "Attestation de révocation"
    USAGER_ERASED = "mandate.usager_erased", "Données de l'usager effacées"
    # OIDC (FranceConnect client and our identity provider)
    FC_LOGIN_STARTED = "oidc.fc_login_started", "Connexion FranceConnect demandée"
    FC_LOGIN_SUCCEEDED = "oidc.fc_login_succeeded", "Identité FranceConnect reçue"
    FC_LOGIN_FAILED = "oidc.fc_login_failed", "Échec FranceConnect"
    DELEGATED_LOGIN = "oidc.delegated_login", "Connexion pour le compte d'un usager"
    DELEGATED_LOGIN_REFUSED = "oidc.delegated_login_refused", "Connexion déléguée refusée"
    TOKEN_ISSUED = "oidc.token_issued", "Jetons émis"
    CODE_REPLAYED = "oidc.code_replayed", "Code d'autorisation rejoué"
    SESSION_ENDED = "oidc.session_ended", "Déconnexion du fournisseur d'identité"
    CLIENT_REGISTERED = "oidc.client_registered", "Client OIDC enregistré"
    CLIENT_SECRET_ROTATED = "oidc.client_secret_rotated", "Secret de client renouvelé"
    GRANTS_PURGED = "oidc.grants_purged", "Codes et jetons expirés supprimés"
    # The journal itself
    CHECKPOINT_SIGNED = "audit.checkpoint_signed", "Point de contrôle signé"
    EXPORT_DOWNLOADED = "audit.export_downloaded", "Export du journal"
    PERSONAL_DATA_ERASED = "audit.personal_data_erased", "Données personnelles effacées du journal"

    @property
    def domain(self) -> str:
        return self.value.split(".", 1)[0]
