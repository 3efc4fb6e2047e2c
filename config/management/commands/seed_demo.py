"""`python manage.py seed_demo`: idempotent demo data for the whole desk scenario.

Each app that has demo data exposes `<app>.demo.seed(*, stdout) -> list[str]`, returning French
lines telling the person at the keyboard what they can do with it. Apps are seeded from the bottom
layer up so each can use what the previous one created.
"""

import importlib

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

SEEDED_APPS = ["aidants", "habilitation", "mandates", "oidc_bridge"]


def _seed_kwargs(app: str) -> dict:
    """Wiring that no single app may do: demo usagers get the simulator's real identities."""
    if app == "mandates" and settings.FRANCECONNECT_SIMULATOR:
        from oidc_bridge.simulator.demo_identities import demo_identities

        return {"identities": demo_identities()}
    return {}


class Command(BaseCommand):
    help = "Crée (ou complète) les données de démonstration. Peut être relancée sans risque."

    # The workflow e-mails the seed triggers (invitations, card stock) would flood the console
    # the demo instructions are printed to; they go to memory instead.
    @override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    def handle(self, *args, **options):
        lines: list[str] = []
        for app in SEEDED_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            with transaction.atomic():
                lines.extend(module.seed(stdout=self.stdout, **_seed_kwargs(app)))
        self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes."))
        for line in lines:
            self.stdout.write(line)
