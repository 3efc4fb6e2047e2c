"""`manage.py audit_export --output FILE [--since D] [--until D] [--structure ID]` (JSON Lines)."""

from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from audit.export import write_export


def _moment(value: str) -> datetime:
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise CommandError(f"not a date: {value!r} (use YYYY-MM-DD or ISO 8601)")
        moment = datetime.combine(day, time.min)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = "Exporte le journal (entrées puis points de contrôle) pour vérification hors ligne."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True)
        parser.add_argument("--since", help="à partir de cette date (incluse)")
        parser.add_argument("--until", help="jusqu'à cette date (exclue)")
        parser.add_argument("--structure", type=int, help="numéro de structure")

    def handle(self, *args, output, since=None, until=None, structure=None, **options):
        since_at = _moment(since) if since else None
        until_at = _moment(until) if until else None
        try:
            with open(output, "wb") as handle:
                count = write_export(handle, since=since_at, until=until_at, structure=structure)
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror}") from exc
        self.stdout.write(f"{count} entries exported to {output}")
