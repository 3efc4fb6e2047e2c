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

# (key, sub, given name, family name, usage name, birthdate, démarches, duration, revoked démarche)
# The keys match the FranceConnect simulator's test citizens: when the simulator is on,
# `seed_demo` passes their real identities (pairwise `sub` included), so identifying one of
# them again in the wizard finds the same usager instead of creating a second one.
DEMO_USAGERS = [
    ("angela", "demo-usager-1", "Angela Claire Louise", "Dubois", "", "1962-08-24",
     ["social", "travail"], "12m", ""),
    ("helene", "demo-usager-2", "Hélène Marie", "Martin", "Rousseau", "1946-00-00",
     ["famille", "logement"], "1m", ""),
    ("youssef", "demo-usager-3", "Youssef Karim", "El Amrani", "", "1979-04-12",
     ["papiers", "argent", "transports"], "6m", "argent"),
]


def _fallback_identity(row) -> VerifiedIdentity:
    _key, sub, given, family, usage, birthdate = row[:6]
    return VerifiedIdentity(issuer=settings.FRANCECONNECT_ISSUER, sub=sub, given_name=given,
                            family_name=family, preferred_username=usage, birthdate=birthdate,
                            gender="male" if given.startswith("Youssef") else "female",
                            birthplace="75107", acr="eidas1")


def _seed_one(aidant, organisation, identity: VerifiedIdentity, row) -> str:
    demarches, duration, revoked = row[6:]
    name = f"{identity.given_name} {identity.family_name}"
    if Mandate.objects.active().filter(organisation=organisation,
                                       usager__fc_sub=identity.sub).exists():
        return f"  - {name} : déjà présent(e)"
    mandate = services.mandate_create(
        aidant=aidant, organisation=organisation, identity=identity, demarches=demarches,
        duration=duration, usager_consent=True, aidant_consent=True)
    if revoked:
        services.authorisation_revoke(authorisation=mandate.authorisations.get(demarche=revoked),
                                      actor=aidant, reason="Démonstration : demande de l'usager")
    return f"  - {name} : mandat {mandate.short_code} ({', '.join(demarches)})"


def seed(*, stdout, identities: dict[str, VerifiedIdentity] | None = None) -> list[str]:
    """Create the demo mandates; `identities` maps DEMO_USAGERS keys to real identities."""
    organisation = Organisation.objects.filter(siret=DEMO_SIRET).first()
    aidant = Aidant.objects.filter(email__iexact=DEMO_AIDANT).first()
    if organisation is None or aidant is None:
        return ["Mandats de démonstration : structure ou aidant de démonstration absent "
                "(lancez d'abord le jeu de données des aidants)."]
    lines = ["Usagers de démonstration (espace aidant : http://127.0.0.1:8000/mandats/) :"]
    try:
        for row in DEMO_USAGERS:
            identity = (identities or {}).get(row[0]) or _fallback_identity(row)
            lines.append(_seed_one(aidant, organisation, identity, row))
    except services.MandateError as error:
        lines.append(f"  Mandats de démonstration non créés : {error}")
    return lines


