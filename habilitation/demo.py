"""Demo data for the habilitation workflow (called by `manage.py seed_demo`, idempotent).

Makes the aidants of "France Services de Démoville" (created by `aidants.demo`) habilitated with
an accepted charter v1, stocks a few TOTP cards there, and files one pending habilitation request
so national staff can walk through the workflow.
"""

from django.db import transaction
from django.utils import timezone

import audit
from aidants.models import Aidant, Membership, Organisation
from audit.actor import Actor
from audit.events import EventType
from habilitation.models import (
    Charter,
    CharterAcceptance,
    HabilitationRequest,
    HabilitationStatus,
    TOTPCard,
)
from habilitation.services import cards_import, charter_publish, habilitation_request_create

DEMO_STRUCTURE = "France Services de Démoville"
DEMO_ACTOR = Actor.system("seed_demo")
CHARTER_V1 = """Charte déontologique des aidants – version 1

1. J'agis uniquement dans l'intérêt de l'usager, avec son accord, et dans le cadre des démarches \
qu'il m'a confiées par mandat.
2. Je n'utilise jamais les identifiants de l'usager : je me connecte pour lui par Procuration.
3. Je ne gère jamais son argent et ne fais aucun paiement à sa place.
4. Je garde confidentielles les informations que j'apprends.
5. Je ne prête jamais ma carte TOTP ni mon compte ; je signale sans attendre leur perte.
6. J'explique à l'usager qu'il peut révoquer le mandat à tout moment.
"""
# Demo-only keys (RFC 6238 test seed style); never reuse in production.
DEMO_CARDS_CSV = "\n".join(
    f"DEMO-{n:04d},{(b'demo-card-secret-' + bytes([48 + n])).hex()},60" for n in range(1, 6))


def _charter(staff) -> Charter:
    charter = Charter.objects.current()
    if charter is None:
        charter = charter_publish(text=CHARTER_V1, actor=staff or DEMO_ACTOR)
    return charter


@transaction.atomic
def _habilitate(aidant: Aidant, organisation: Organisation, charter: Charter) -> bool:
    """Demo shortcut: record a completed habilitation without the e-mails of the real path."""
    CharterAcceptance.objects.get_or_create(aidant=aidant, charter=charter)
    request, created = HabilitationRequest.objects.get_or_create(
        organisation=organisation, email=aidant.email,
        defaults={"first_name": aidant.first_name, "last_name": aidant.last_name,
                  "profession": aidant.profession or "Conseiller numérique",
                  "aidant": aidant, "status": HabilitationStatus.HABILITATED,
                  "training_date": timezone.localdate(),
                  "training_organisation": "Formation Aidants (démo)",
                  "habilitated_at": timezone.now()})
    if created:
        audit.record(EventType.HABILITATION_COMPLETED, actor=DEMO_ACTOR, structure=organisation,
                     payload={"habilitation_request_id": request.pk, "aidant_id": aidant.pk,
                              "status": request.status, "demo": True})
    return created


def seed(*, stdout) -> list[str]:
    organisation = Organisation.objects.filter(name=DEMO_STRUCTURE).first()
    if organisation is None:
        return ["Habilitation : structure de démonstration absente, rien à préparer."]
    staff = Aidant.objects.filter(is_staff=True, is_active=True).order_by("pk").first()
    charter = _charter(staff)
    members = Aidant.objects.filter(memberships__organisation=organisation,
                                    memberships__is_active=True, is_active=True).distinct()
    for aidant in members:
        _habilitate(aidant, organisation, charter)
    if not TOTPCard.objects.filter(serial__startswith="DEMO-").exists() and staff is not None:
        cards_import(organisation=organisation, csv_text=DEMO_CARDS_CSV, actor=staff)
    referent = members.filter(memberships__role=Membership.Role.REFERENT).first()
    pending_email = "camille.nouvelle@demoville.example"
    if referent and not HabilitationRequest.objects.filter(email=pending_email).exists():
        habilitation_request_create(organisation=organisation, first_name="Camille",
                                    last_name="Nouvelle", email=pending_email,
                                    profession="Agente d'accueil", actor=referent)
    names = ", ".join(a.get_full_name() for a in members) or "aucun aidant"
    return [
        f"Habilitation : charte déontologique version {charter.version} publiée et acceptée "
        f"par les aidants de {DEMO_STRUCTURE} ({names}), tous habilités.",
        "Habilitation : cartes TOTP de démonstration DEMO-0001 à DEMO-0005 en stock "
        "(/habilitation/cartes/).",
        "Habilitation : une demande en attente (Camille Nouvelle) à valider par l'équipe "
        "nationale sur /habilitation/demandes/ ; inscription d'une structure sur "
        "/habilitation/structure/inscription/.",
    ]
