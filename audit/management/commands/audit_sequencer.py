"""`manage.py audit_sequencer [--once]`: sequence committed entries and sign checkpoints."""

import signal
import time

from django.core.management.base import BaseCommand

from audit.checkpoints import checkpoint_if_due
from audit.sequencer import BATCH, sequence_pending


class Command(BaseCommand):
    help = "Séquence les entrées du journal (en continu, ou une fois avec --once)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true",
                            help="séquence ce qui est en attente puis s'arrête")
        parser.add_argument("--poll", type=float, default=0.1,
                            help="attente entre deux passes sans travail (secondes)")
        parser.add_argument("--batch", type=int, default=BATCH)

    def handle(self, *args, once=False, poll=0.1, batch=BATCH, **options):
        if once:
            count = sequence_pending(batch)
            checkpoint_if_due()
            self.stdout.write(f"{count} entries sequenced")
            return
        stop = {"now": False}
        signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
        try:
            while not stop["now"]:
                count = sequence_pending(batch)
                checkpoint_if_due()
                if not count:
                    time.sleep(poll)
        except KeyboardInterrupt:
            pass
