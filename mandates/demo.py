"""Demo usagers and mandates (called by `manage.py seed_demo` after aidants and habilitation).

Idempotent: a demo usager who already has an active mandate in the demo structure is left as
is. Mandates go through `services.mandate_create`, so they are journaled and their receipts
hashed like real ones; the demo aidant must therefore be habilitated first.
"""

from django.conf import settings

from aidants.demo import DEMO_SIRET
from aidants.models import Aidant, Organisation
from mandates import services
from mandates.identity import VerifiedIdentity
from mandates.models import Mandate

DEMO_AIDANT = "aidant@demoville.example"

# (sub, given name, family name, usage name, birthdate, démarches, duration, revoked démarche)
DEMO_USAGERS = [
    ("demo-usager-1", "Angela Claire Louise", "Dubois", "", "1962-08-24",
     ["social", "travail"], "12m", ""),
    ("demo-usager-2", "Jean-Pierre", "Martin", "", "1950-00-00",
     ["famille", "logement"], "1m", ""),
    ("demo-usager-3", "Élodie", "Lefèvre", "Moreau", "1978-11-03",
     ["papiers", "argent", "transports"], "6m", "argent"),
]


def _identity(sub, given, family, usage, birthdate) -> VerifiedIdentity:
    return VerifiedIdentity(issuer=settings.FRANCECONNECT_ISSUER, sub=sub, given_name=given,
                            family_name=family, preferred_username=usage, birthdate=birthdate,
                            gender="female" if given != "Jean-Pierre" else "male",
                            birthplace="75107", acr="eidas1")


def _seed_one(aidant, organisation, row) -> str:
    sub, given, family, usage, birthdate, demarches, duration, revoked = row
    if Mandate.objects.active().filter(organisation=organisation, usager__fc_sub=sub).exists():
        return f"  - {given} {family} : déjà présent(e)"
    mandate = services.mandate_create(
        aidant=aidant, organisation=organisation,
        identity=_identity(sub, given, family, usage, birthdate), demarches=demarches,
        duration=duration, usager_consent=True, aidant_consent=True)
    if revoked:
        services.authorisation_revoke(authorisation=mandate.authorisations.get(demarche=revoked),
                                      actor=aidant, reason="Démonstration : demande de l'usager")
    return f"  - {given} {family} : mandat {mandate.short_code} ({', '.join(demarches)})"


def seed(*, stdout) -> list[str]:
    organisation = Organisation.objects.filter(siret=DEMO_SIRET).first()
    aidant = Aidant.objects.filter(email__iexact=DEMO_AIDANT).first()
    if organisation is None or aidant is None:
        return ["Mandats de démonstration : structure ou aidant de démonstration absent "
                "(lancez d'abord le jeu de données des aidants)."]
    lines = ["Usagers de démonstration (espace aidant : http://127.0.0.1:8000/mandats/) :"]
    try:
        lines += [_seed_one(aidant, organisation, row) for row in DEMO_USAGERS]
    except services.MandateError as error:
        lines.append(f"  Mandats de démonstration non créés : {error}")
    return lines


