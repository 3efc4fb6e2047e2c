"""`manage.py oidc_purge_expired [--dry-run]`: delete expired authorization codes and tokens.

Codes and access tokens live 60 s; their rows (SHA-256 hashes, and which aidant acted for which
usager through which site) are deleted `settings.OIDC_GRANT_RETENTION` (default 7 days) after
they expired, in one transaction journaled as GRANTS_PURGED. Meant for a daily cron; prints one
summary line.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit.actor import Actor
from oidc_bridge.selectors import purgeable_codes
from oidc_bridge.services import expired_grants_purge

ACTOR = Actor.system("oidc_purge_expired")


class Command(BaseCommand):
    help = ("Supprime les codes d'autorisation et jetons OIDC expirés depuis la durée de "
            "conservation.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="Compter les codes concernés sans rien supprimer.")

    def handle(self, *args, dry_run=False, **options):
        retention = settings.OIDC_GRANT_RETENTION
        if retention.total_seconds() <= 0:
            raise CommandError("OIDC_GRANT_RETENTION doit être une durée positive.")
        before = timezone.now() - retention
        if dry_run:
            due = purgeable_codes(before=before).count()
            self.stdout.write(f"{due} code(s) expiré(s) avant le {before:%d/%m/%Y %H:%M} seraient "
                              f"supprimé(s) ; rien n'a été modifié.")
            return
        codes, tokens = expired_grants_purge(before=before, actor=ACTOR)
        self.stdout.write(f"{codes} code(s) et {tokens} jeton(s) supprimé(s) "
                          f"(expirés depuis plus de {retention.days} jours).")
