"""What the session remembers about an aidant's authentication, and the rules read from it.

- `LOGIN_AT`: when the two factors were completed; the session dies 8 hours later whatever the
  activity (absolute lifetime).
- `LAST_SEEN`: the last request, to the minute; after 15 minutes of inactivity `OTP_FRESH`
  drops to False and sensitive actions (create or revoke a mandate, act for a usager) ask a new
  TOTP code.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

LOGIN_AT = "procuration.login_at"
LAST_SEEN = "procuration.last_seen"
OTP_FRESH = "procuration.otp_fresh"
# LAST_SEEN is rewritten at most once a minute: otherwise every page view would rewrite the
# session row (an UPDATE and a commit per request). A LAST_SEEN up to a minute old only makes
# the measured inactivity longer, so the fresh code may be asked up to a minute early, never late.
TOUCH_EVERY = timedelta(minutes=1)


def _read(session, key) -> datetime | None:
    raw = session.get(key)
    return datetime.fromisoformat(raw) if raw else None


def mark_login(session) -> None:
    now = timezone.now().isoformat()
    session[LOGIN_AT] = now
    session[LAST_SEEN] = now
    session[OTP_FRESH] = True


def mark_fresh(session) -> None:
    session[LAST_SEEN] = timezone.now().isoformat()
    session[OTP_FRESH] = True


def is_expired(session) -> bool:
    login_at = _read(session, LOGIN_AT)
    return login_at is None or timezone.now() - login_at > settings.SESSION_ABSOLUTE_LIFETIME


def touch(session) -> None:
    """Record activity; drop freshness if the aidant was idle longer than the re-auth delay."""
    now = timezone.now()
    last_seen = _read(session, LAST_SEEN)
    idle = None if last_seen is None else now - last_seen
    if (idle is None or idle > settings.SESSION_IDLE_REAUTH) and session.get(OTP_FRESH, True):
        session[OTP_FRESH] = False
    if idle is None or idle >= TOUCH_EVERY:
        session[LAST_SEEN] = now.isoformat()


def is_fresh(session) -> bool:
    return bool(session.get(OTP_FRESH))
