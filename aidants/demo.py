"""Demo accounts (called by `manage.py seed_demo`; idempotent).

One validated structure and four people with a known password and a phone-app TOTP device whose
key is fixed (derived from the e-mail), so `manage.py demo_code EMAIL` can print their current
code. Development only: `demo_code` refuses to run in production.
"""

import hashlib
from base64 import b32encode

from django.db import transaction

from aidants.models import Aidant, Membership, Organisation, OrganisationType, TOTPDevice
from aidants.services import totp_device_create
from audit.actor import Actor

DEMO_STRUCTURE = "France Services de Démoville"
DEMO_SIRET = "21350001800014"
DEMO_PASSWORD = "Demoville-2026!"
DEMO_ACTOR = Actor.system("seed_demo")

# e-mail -> (first name, last name, profession, role in the structure or "", staff, auditor)
DEMO_ACCOUNTS = {
    "equipe.nationale@demoville.example": ("Paul", "Lefèvre", "Équipe nationale", "", True,
                                           False),
    "referente@demoville.example": ("Sophie", "Bernard", "Responsable France Services",
                                    Membership.Role.REFERENT, False, False),
    "aidant@demoville.example": ("Karim", "Dubois", "Conseiller numérique",
                                 Membership.Role.AIDANT, False, False),
    "auditrice@demoville.example": ("Agnès", "Laurent", "Auditrice", "", False, True),
}
ROLE_LABELS = {
    "equipe.nationale@demoville.example": "équipe nationale (administration : /admin/)",
    "referente@demoville.example": "référente de la structure",
    "aidant@demoville.example": "aidant",
    "auditrice@demoville.example": "auditrice (lecture du journal)",
}


def demo_key(email: str) -> bytes:
    """The fixed TOTP key of a demo account (160 bits, RFC 4226 §4). Demo only."""
    return hashlib.sha256(f"procuration-demo-totp:{email}".encode()).digest()[:20]


def _structure() -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(
        siret=DEMO_SIRET,
        defaults={"name": DEMO_STRUCTURE, "type": OrganisationType.FRANCE_SERVICES,
                  "address": "1 place de la République", "postal_code": "35000",
                  "city": "Démoville", "contact_email": "contact@demoville.example",
                  "allowed_demarches": ["papiers", "famille", "social", "travail", "logement",
                                        "transports", "argent", "justice", "etranger",
                                        "loisirs"],
                  "is_active": True})
    return organisation


def _account(email: str, organisation: Organisation) -> Aidant:
    first, last, profession, role, staff, auditor = DEMO_ACCOUNTS[email]
    aidant = Aidant.objects.filter(email__iexact=email).first()
    if aidant is None:
        aidant = Aidant.objects.create_user(
            email, DEMO_PASSWORD, first_name=first, last_name=last, profession=profession,
            is_staff=staff, is_superuser=staff, is_auditor=auditor,
            current_structure=organisation if role else None)
    if role:
        Membership.objects.get_or_create(aidant=aidant, organisation=organisation,
                                         defaults={"role": role})
    if not TOTPDevice.objects.filter(user=aidant, kind=TOTPDevice.Kind.APP,
                                     confirmed=True).exists():
        totp_device_create(aidant=aidant, kind=TOTPDevice.Kind.APP, key=demo_key(email),
                           step=30, confirmed=True, actor=DEMO_ACTOR)
    return aidant


@transaction.atomic
def seed(*, stdout) -> list[str]:
    organisation = _structure()
    for email in DEMO_ACCOUNTS:
        _account(email, organisation)
    lines = [
        f"Structure de démonstration : {DEMO_STRUCTURE} (SIRET {DEMO_SIRET}).",
        f"Comptes de démonstration (mot de passe pour tous : {DEMO_PASSWORD}) :",
    ]
    lines += [f"  - {email} : {label}" for email, label in ROLE_LABELS.items()]
    lines += [
        "Code à usage unique : lancez « .venv/bin/python manage.py demo_code "
        "aidant@demoville.example » (il change toutes les 30 secondes),",
        "  ou ajoutez la clé du compte dans une application d'authentification, par exemple "
        f"pour l'aidant : {b32encode(demo_key('aidant@demoville.example')).decode()}.",
        "Connexion : http://127.0.0.1:8000/connexion/",
    ]
    return lines
