"""`manage.py audit_sequencer [--once]`: sequence committed entries and sign checkpoints."""

import gc
import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import InterfaceError, OperationalError, connections

from audit.checkpoints import checkpoint_if_due
from audit.sequencer import BATCH, sequence_pending

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Séquence les entrées du journal (en continu, ou une fois avec --once)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true",
                            help="séquence ce qui est en attente puis s'arrête")
        parser.add_argument("--poll", type=float, default=0.1,
                            help="attente après chaque passe, une fois à jour (secondes)")
        parser.add_argument("--batch", type=int, default=BATCH)

    def handle(self, *args, once=False, poll=0.1, batch=BATCH, **options):
        if once:
            count = sequence_pending(batch)
            checkpoint_if_due()
            self.stdout.write(f"{count} entries sequenced")
            return
        # The objects loaded at start-up (Django, the apps) out of the collector's way, as
        # config.gunicorn does for workers: a full collection over them took ~40 ms of CPU, one
        # core's worth of stall for the requests sharing this machine (Python's gc.freeze docs).
        gc.freeze()
        stop = {"now": False}
        signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
        try:
            while not stop["now"]:
                self._pass(batch, poll)
        except KeyboardInterrupt:
            pass

    def _pass(self, batch: int, poll: float) -> None:
        try:
            sequence_pending(batch)
            checkpoint_if_due()
        except (OperationalError, InterfaceError):
            # Process boundary: the database restarted or is unreachable; try again shortly.
            logger.exception("audit sequencer: database unavailable, retrying")
            connections.close_all()
            time.sleep(max(poll, 1.0))
            return
        # Caught up: `sequence_pending` only returns once a batch came back short. Polling again
        # at once would take the one or two entries committed meanwhile, a whole pass (locked
        # head, batch read, head update, commit) each: five passes per poll under steady load
        # instead of one.
        time.sleep(poll)
