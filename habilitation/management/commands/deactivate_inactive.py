"""`python manage.py deactivate_inactive [--dry-run]`: deactivate aidants idle for six months.

One journal entry per deactivation (actor: system "deactivate_inactive"); prints one summary
line. Meant for a daily cron.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from habilitation.selectors import INACTIVITY_LIMIT
from habilitation.services import inactive_aidants_deactivate


class Command(BaseCommand):
    help = "Désactive les aidants sans connexion depuis six mois (--dry-run : simulation)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="Afficher les aidants concernés sans rien modifier.")

    def handle(self, *args, dry_run: bool = False, **options):
        cutoff = timezone.localdate() - INACTIVITY_LIMIT
        aidants = inactive_aidants_deactivate(dry_run=dry_run)
        if options["verbosity"] > 1:
            for aidant in aidants:
                self.stdout.write(f"- {aidant.get_full_name()} (n° {aidant.pk})")
        since = cutoff.strftime("%d/%m/%Y")
        if dry_run:
            self.stdout.write(f"Simulation : {len(aidants)} aidant(s) sans connexion depuis le "
                              f"{since} seraient désactivé(s) ; rien n'a été modifié.")
        else:
            self.stdout.write(f"{len(aidants)} aidant(s) sans connexion depuis le {since} "
                              "désactivé(s).")
