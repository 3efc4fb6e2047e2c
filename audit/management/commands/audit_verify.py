"""`manage.py audit_verify [--checkpoint FILE]`: verify the journal in the database.

`--columns` also checks the queryable columns against the hashed bytes (see
audit.verification). One line: `OK <n> entries, root <hex>` (exit 0) or
`FAIL seq <n>: <kind> (<detail>)` (exit 1).
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
        parser.add_argument("--columns", action="store_true",
                            help="vérifie aussi que les colonnes affichées correspondent aux"
                                 " octets signés (plus lent)")

    def handle(self, *args, checkpoint=(), columns=False, **options):
        try:
            extra = [Path(p).read_text(encoding="utf-8") for p in checkpoint]
            verdict = verify_database(extra, columns=columns)
        except (OSError, CheckpointKeyError) as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stdout.write(verdict.line())
        if not verdict.ok:
            sys.exit(1)
