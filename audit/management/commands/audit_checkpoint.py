"""`manage.py audit_checkpoint [--output FILE]`: sequence what is pending, sign the head now."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.checkpoints import CheckpointKeyError, checkpoint_now
from audit.sequencer import sequence_pending


class Command(BaseCommand):
    help = "Signe un point de contrôle du journal et l'affiche (copiez-le hors de la base)."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="écrit aussi le point de contrôle dans ce fichier")

    def handle(self, *args, output=None, **options):
        sequence_pending()
        try:
            checkpoint = checkpoint_now()
        except CheckpointKeyError as exc:
            raise CommandError(str(exc)) from exc
        if checkpoint is None:
            raise CommandError("the journal is empty: nothing to sign")
        if output:
            Path(output).write_text(checkpoint.note, encoding="utf-8")
        self.stdout.write(checkpoint.note, ending="")
