from datetime import UTC, datetime, timedelta

import pytest

from mandates.durations import PARIS, DurationError, add_months, compute_expiry
from mandates.models import MAX_MANDATE_SPAN, Mandate

D = Mandate.Duration


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(("created", "expected"), [
    # Ordinary day: 14:00 -> next midnight (Paris), i.e. 23:00 UTC in winter.
    (paris(2026, 1, 15, 14, 0), paris(2026, 1, 16, 0, 0)),
    # 23:59 still ends at the midnight one minute later.
    (paris(2026, 1, 15, 23, 59), paris(2026, 1, 16, 0, 0)),
    # Spring DST day (29 March 2026 has 23 hours): created 01:00 CET, ends midnight CEST.
    (paris(2026, 3, 29, 1, 0), paris(2026, 3, 30, 0, 0)),
    # Autumn DST day (25 October 2026 has 25 hours).
    (paris(2026, 10, 25, 1, 30), paris(2026, 10, 26, 0, 0)),
    # New Year's Eve.
    (paris(2026, 12, 31, 20, 0), paris(2027, 1, 1, 0, 0)),
])
def test_one_day_ends_at_next_paris_midnight(created, expected):
    end = compute_expiry(created.astimezone(UTC), D.ONE_DAY)
    assert end == expected
    local = end.astimezone(PARIS)
    assert (local.hour, local.minute) == (0, 0)


def test_one_day_dst_exact_utc_values():
    # 29 March 2026 Paris: midnight the next day is 22:00 UTC (CEST, UTC+2), not 23:00.
    assert compute_expiry(datetime(2026, 3, 29, 0, 30, tzinfo=UTC), D.ONE_DAY) == datetime(
        2026, 3, 29, 22, 0, tzinfo=UTC)
    # Created 23:30 UTC on 28 March = 00:30 Paris on the 29th: ends the NEXT midnight.
    assert compute_expiry(datetime(2026, 3, 28, 23, 30, tzinfo=UTC), D.ONE_DAY) == datetime(
        2026, 3, 29, 22, 0, tzinfo=UTC)
    # 25 October 2026: the day has 25 hours; ends 23:00 UTC (CET).
    assert compute_expiry(datetime(2026, 10, 25, 0, 30, tzinfo=UTC), D.ONE_DAY) == datetime(
        2026, 10, 25, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(("created", "duration", "expected"), [
    (paris(2026, 1, 31, 10, 0), D.ONE_MONTH, paris(2026, 2, 28, 10, 0)),
    (paris(2027, 12, 31, 10, 0), D.TWELVE_MONTHS, paris(2028, 12, 31, 10, 0)),
    (paris(2028, 1, 31, 10, 0), D.ONE_MONTH, paris(2028, 2, 29, 10, 0)),  # leap year
    (paris(2026, 8, 31, 9, 0), D.SIX_MONTHS, paris(2027, 2, 28, 9, 0)),
    (paris(2028, 2, 29, 9, 0), D.TWELVE_MONTHS, paris(2029, 2, 28, 9, 0)),
    (paris(2026, 11, 15, 9, 0), D.ONE_MONTH, paris(2026, 12, 15, 9, 0)),
    # Across DST: the wall-clock time is kept (10:00 winter -> 10:00 summer).
    (paris(2026, 3, 1, 10, 0), D.ONE_MONTH, paris(2026, 4, 1, 10, 0)),
    (paris(2026, 10, 1, 10, 0), D.ONE_MONTH, paris(2026, 11, 1, 10, 0)),
])
def test_months_by_calendar_clamped(created, duration, expected):
    assert compute_expiry(created.astimezone(UTC), duration) == expected


def test_month_end_landing_on_skipped_hour_goes_forward():
    # 28 Feb 2027 02:30 + 1 month = 28 March 2027 02:30, a time skipped by the DST change.
    end = compute_expiry(paris(2027, 2, 28, 2, 30).astimezone(UTC), D.ONE_MONTH)
    assert end == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # 03:30 CEST


def test_twelve_months_never_exceed_cap():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for hours in range(0, 24 * 366 * 2, 7):
        created = start + timedelta(hours=hours)
        end = compute_expiry(created, D.TWELVE_MONTHS)
        assert created < end <= created + MAX_MANDATE_SPAN
        assert end - created >= timedelta(days=365) - timedelta(hours=1)


def test_unknown_duration_refused():
    with pytest.raises(DurationError):
        compute_expiry(datetime(2026, 1, 1, tzinfo=UTC), "24m")


def test_add_months_keeps_zone():
    assert add_months(paris(2026, 5, 31, 12), 1) == paris(2026, 6, 30, 12)
