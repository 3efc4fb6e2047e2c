"""`manage.py audit_pubkey`: the verifier key for `python -m audit.verify --pubkey`."""

from django.core.management.base import BaseCommand, CommandError

from audit.checkpoints import CheckpointKeyError, public_vkey


class Command(BaseCommand):
    help = "Affiche la clé publique de vérification des points de contrôle (format C2SP vkey)."

    def handle(self, *args, **options):
        try:
            self.stdout.write(public_vkey())
        except CheckpointKeyError as exc:
            raise CommandError(str(exc)) from exc
