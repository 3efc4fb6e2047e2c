"""Demo data for the delegated login (called by `manage.py seed_demo`; idempotent).

Registers the simulated FranceConnect hub as a client of our identity provider, with a known
development secret and the aidant `act` claim on, so the "CAF – démo" site can be used at once.
Does nothing when the simulator is off (production refuses it anyway, config.checks E003).
"""

from django.conf import settings
from django.urls import reverse

from audit.actor import Actor
from oidc_bridge.models import OIDCClient
from oidc_bridge.services import oidc_client_register, sha256_hex
from oidc_bridge.simulator.views_hub import HUB_CLIENT_ID, HUB_CLIENT_SECRET

HUB_NAME = "FranceConnect (simulateur)"


def _hub_registration() -> dict:
    site = settings.SITE_URL
    return {
        "client_id": HUB_CLIENT_ID,
        "redirect_uris": [site + reverse("fc_simulator:hub_callback")],
        "post_logout_redirect_uris": [site + reverse("fc_simulator:hub_logout_return")],
        # FranceConnect accepts both; the signed form exercises the stricter path.
        "alg": "ES256", "userinfo_format": "jwt", "actor_claim": True,
    }


def _already_registered(wanted: dict) -> bool:
    client = OIDCClient.objects.filter(client_id=wanted["client_id"], is_active=True).first()
    return client is not None and client.secret_sha256 == sha256_hex(HUB_CLIENT_SECRET) and all(
        getattr(client, name) == value for name, value in wanted.items())


def seed(*, stdout) -> list[str]:
    if not settings.FRANCECONNECT_SIMULATOR:
        return []
    wanted = _hub_registration()
    if not _already_registered(wanted):
        oidc_client_register(**wanted, secret=HUB_CLIENT_SECRET, name=HUB_NAME,
                             actor=Actor.system("seed_demo"))
    site = settings.SITE_URL
    return [
        "",
        "FranceConnect (simulateur, aucune donnée réelle) :",
        f"  1. Créer un mandat : {site}{reverse('mandates:create')} – à l'étape FranceConnect, "
        "choisissez une personne fictive (ex. Hélène Martin, née le 1946-00-00 : date présumée).",
        f"  2. Agir pour l'usager : ouvrez le site « CAF – démo » {site}"
        f"{reverse('fc_simulator:caf_index')}, cliquez sur « Se connecter avec FranceConnect », "
        "choisissez « Procuration – aidants », reconnectez-vous (mot de passe puis code), "
        "choisissez l'usager et la démarche « Social – Santé ».",
        "     La CAF affiche l'identité de l'usager reçue et « Démarche faite par un aidant : "
        "<nom>, <structure> ».",
    ]
