"""`manage.py oidc_keys_rotate`: new development signing keys; old ones stay published a while."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from oidc_bridge import keys


class Command(BaseCommand):
    help = ("Crée de nouvelles clés de signature (ES256 et RS256) ; les anciennes restent publiées "
            "jusqu'à l'expiration des jetons qu'elles ont signés.")

    def add_arguments(self, parser):
        parser.add_argument("--alg", choices=["ES256", "RS256"], action="append", dest="algs")

    def handle(self, *args, **options):
        if settings.OIDC_SIGNING_KEYS:
            raise CommandError(
                "Les clés viennent de OIDC_SIGNING_KEYS : placez la nouvelle clé en tête de la "
                "liste et retirez l'ancienne après l'expiration de ses jetons.")
        new = keys.rotate_database_keys(algs=options["algs"] or ["ES256", "RS256"])
        for key in new:
            self.stdout.write(f"{key.alg} kid={key.kid}")
        lifetime = int(keys.max_token_lifetime().total_seconds())
        self.stdout.write(f"Anciennes clés publiées encore {lifetime} s.")
