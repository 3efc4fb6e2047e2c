"""`manage.py audit_verify [--checkpoint FILE]`: verify the journal in the database.

One line: `OK <n> entries, root <hex>` (exit 0) or `FAIL seq <n>: <kind> (<detail>)` (exit 1).
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.checkpoints import CheckpointKeyError
from audit.verification import verify_database


class Command(BaseCommand):
    help = "Vérifie tout le journal : empreintes, chaînage, arbre de Merkle, signatures."

    def add_arguments(self, parser):
        parser.add_argument("--checkpoint", action="append", default=[],
                            help="point de contrôle signé conservé hors de la base")

    def handle(self, *args, checkpoint=(), **options):
        try:
            extra = [Path(p).read_text(encoding="utf-8") for p in checkpoint]
            verdict = verify_database(extra)
        except (OSError, CheckpointKeyError) as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stdout.write(verdict.line())
        if not verdict.ok:
            sys.exit(1)
