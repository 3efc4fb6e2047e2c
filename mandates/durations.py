"""When a mandate ends, from its creation time and the chosen duration.

Rules (issue 4): "1 jour" ends at the next midnight in Europe/Paris; 1, 6 and 12 months add
calendar months to the creation's local date and wall-clock time, clamping to the last day of a
shorter month (31 January + 1 month = 28/29 February). Arithmetic happens on the Paris wall
clock so a mandate created at 10:00 ends at 10:00 even across a daylight-saving change, and a
day is never assumed to be 24 hours (23 or 25 on change days). Never more than 12 months
(`Mandate.Meta` also holds a CheckConstraint).
"""

import calendar
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mandates.models import MAX_MANDATE_SPAN, Mandate

PARIS = ZoneInfo("Europe/Paris")
MONTHS = {Mandate.Duration.ONE_MONTH: 1, Mandate.Duration.SIX_MONTHS: 6,
          Mandate.Duration.TWELVE_MONTHS: 12}


class DurationError(ValueError):
    """Unknown duration code."""


def add_months(moment: datetime, months: int) -> datetime:
    """`moment` (aware, any zone) plus calendar months, on its own wall clock, clamped."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _to_utc(local: datetime) -> datetime:
    # A wall-clock time skipped by the spring change (02:30 on the last Sunday of March) is
    # read with the pre-change offset (PEP 495, fold=0): it lands one hour later, never earlier.
    return local.astimezone(UTC)


def next_paris_midnight(moment: datetime) -> datetime:
    local = moment.astimezone(PARIS)
    tomorrow = local.date() + timedelta(days=1)
    return _to_utc(datetime.combine(tomorrow, time(0, 0), tzinfo=PARIS))


def compute_expiry(created_at: datetime, duration: str) -> datetime:
    """The exact end (UTC) of a mandate created at `created_at` for `duration`."""
    if duration == Mandate.Duration.ONE_DAY:
        return next_paris_midnight(created_at)
    if duration not in MONTHS:
        raise DurationError(f"unknown duration {duration!r}")
    end = _to_utc(add_months(created_at.astimezone(PARIS), MONTHS[duration]))
    return min(end, created_at + MAX_MANDATE_SPAN)
