"""`python manage.py seed_demo`: idempotent demo data for the whole desk scenario.

Each app that has demo data exposes `<app>.demo.seed(*, stdout) -> list[str]`, returning French
lines telling the person at the keyboard what they can do with it. Apps are seeded from the bottom
layer up so each can use what the previous one created.
"""

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

SEEDED_APPS = ["aidants", "habilitation", "mandates", "oidc_bridge"]


class Command(BaseCommand):
    help = "Crée (ou complète) les données de démonstration. Peut être relancée sans risque."

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
                lines.extend(module.seed(stdout=self.stdout))
        self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes."))
        for line in lines:
            self.stdout.write(line)
