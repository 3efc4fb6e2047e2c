"""`manage.py audit_prove SEQ [--size N]` or `audit_prove --consistency OLD NEW`.

Prints the proof as JSON; `python -m audit.verify --proof FILE --pubkey KEY` checks it.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from audit import proofs


class Command(BaseCommand):
    help = "Affiche une preuve d'inclusion (SEQ) ou de cohérence (--consistency OLD NEW)."

    def add_arguments(self, parser):
        parser.add_argument("seq", nargs="?", type=int, help="numéro de l'entrée")
        parser.add_argument("--size", type=int, help="taille de l'arbre (défaut : dernier point"
                            " de contrôle couvrant l'entrée, sinon taille actuelle)")
        parser.add_argument("--consistency", nargs=2, type=int, metavar=("OLD", "NEW"))

    def handle(self, *args, seq=None, size=None, consistency=None, **options):
        try:
            if consistency:
                proof = proofs.consistency(*consistency)
            elif seq is not None:
                proof = proofs.inclusion(seq, size)
            else:
                raise CommandError("give ENTRY_SEQ or --consistency OLD NEW")
        except proofs.ProofError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(proof, indent=2))
