"""`manage.py purge_expired [--dry-run]`: erase usager identities past the retention delay.

RGPD storage limitation: identity data are kept `settings.USAGER_RETENTION` (default 365 days)
after the usager's last mandate ended, in any structure, and only if none is active. One
transaction per usager, so an interruption leaves every processed usager fully erased and
journaled. Meant for a daily cron; prints one summary line.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit.actor import Actor
from mandates.models import Usager
from mandates.retention import usager_erase
from mandates.selectors import usagers_due_for_erasure

ACTOR = Actor.system("purge_expired")


class Command(BaseCommand):
    help = "Efface l'identité des usagers dont le dernier mandat a pris fin depuis trop longtemps."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="Compter les usagers concernés sans rien effacer.")

    def handle(self, *args, dry_run=False, **options):
        retention = settings.USAGER_RETENTION
        if retention.total_seconds() <= 0:
            raise CommandError("USAGER_RETENTION doit être une durée positive.")
        now = timezone.now()
        due_ids = list(usagers_due_for_erasure(now=now).values_list("pk", flat=True))
        if dry_run:
            self.stdout.write(f"{len(due_ids)} usager(s) seraient effacé(s) "
                              f"(conservation : {retention.days} jours) ; rien n'a été modifié.")
            return
        erased = sum(usager_erase(usager=Usager(pk=pk), actor=ACTOR, now=now) for pk in due_ids)
        self.stdout.write(f"{erased} usager(s) effacé(s) sur {len(due_ids)} concerné(s) "
                          f"(conservation : {retention.days} jours).")

