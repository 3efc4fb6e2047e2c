"""The catalogue of démarches (the scopes a mandate can cover).

It lives in `aidants`, the lowest domain layer, because structures declare which démarches they
offer; `mandates`, `habilitation` and `oidc_bridge` all read it from here. Codes are stable
identifiers (they appear in the journal and in the `rep_scope` claim): never rename one.
"""

from dataclasses import dataclass

from django.db import models


class Demarche(models.TextChoices):
    PAPIERS = "papiers", "Papiers – Citoyenneté"
    FAMILLE = "famille", "Famille – Scolarité"
    SOCIAL = "social", "Social – Santé"
    TRAVAIL = "travail", "Travail"
    LOGEMENT = "logement", "Logement"
    TRANSPORTS = "transports", "Transports"
    ARGENT = "argent", "Argent – Impôts – Consommation"
    JUSTICE = "justice", "Justice"
    ETRANGER = "etranger", "Étranger – Europe"
    LOISIRS = "loisirs", "Loisirs – Sports – Culture"


@dataclass(frozen=True)
class DemarcheInfo:
    code: str
    label: str
    description: str
    examples: str
    warning: str = ""


CATALOGUE: dict[str, DemarcheInfo] = {
    info.code: info
    for info in [
        DemarcheInfo("papiers", Demarche.PAPIERS.label,
                     "Carte d'identité, passeport, permis de conduire, état civil.",
                     "ANTS, service-public.fr, mairie"),
        DemarcheInfo("famille", Demarche.FAMILLE.label,
                     "Allocations familiales, garde d'enfants, inscriptions scolaires.",
                     "CAF, école, cantine"),
        DemarcheInfo("social", Demarche.SOCIAL.label,
                     "Aides sociales, RSA, prime d'activité, assurance maladie.",
                     "CAF, CPAM (ameli), MSA"),
        DemarcheInfo("travail", Demarche.TRAVAIL.label,
                     "Recherche d'emploi, inscription et actualisation, retraite.",
                     "France Travail, Info Retraite"),
        DemarcheInfo("logement", Demarche.LOGEMENT.label,
                     "Aide au logement, demande de logement social, énergie.",
                     "CAF, demande de logement social, chèque énergie"),
        DemarcheInfo("transports", Demarche.TRANSPORTS.label,
                     "Carte grise, amendes, transports en commun.",
                     "ANTS, ANTAI"),
        DemarcheInfo("argent", Demarche.ARGENT.label,
                     "Impôts, crédits, litiges de consommation.",
                     "impots.gouv.fr, Banque de France",
                     warning="Attention : l'aidant ne doit jamais gérer l'argent de l'usager "
                             "ni faire de paiement à sa place."),
        DemarcheInfo("justice", Demarche.JUSTICE.label,
                     "Casier judiciaire, aide juridictionnelle, plaintes.",
                     "justice.fr, casier judiciaire"),
        DemarcheInfo("etranger", Demarche.ETRANGER.label,
                     "Titre de séjour, naturalisation, démarches en Europe.",
                     "ANEF, préfecture"),
        DemarcheInfo("loisirs", Demarche.LOISIRS.label,
                     "Activités sportives et culturelles, Pass Culture.",
                     "Pass Culture, Pass'Sport"),
    ]
}


def validate_demarche_codes(codes) -> None:
    from django.core.exceptions import ValidationError

    unknown = sorted(set(codes) - set(CATALOGUE))
    if unknown:
        raise ValidationError("Démarche inconnue : %(codes)s", params={"codes": ", ".join(unknown)})
