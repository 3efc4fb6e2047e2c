"""Session engine (`SESSION_ENGINE = "aidants.sessions"`) recording the aidant of each session."""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.utils import timezone

from aidants.prepared import Prepared


def _live_session(*, session_key, now):
    from aidants.models import AidantSession

    return AidantSession.objects.filter(session_key=session_key,
                                        expire_date__gt=now).values_list("session_data")


# Read on every request of a logged-in aidant: compiled once (aidants.prepared).
_LIVE_SESSION = Prepared(_live_session, session_key="str", now="datetime")


class SessionStore(DBStore):
    def load(self):
        """The session's data, or {} (and no key) when it is missing or expired: Django's own
        rule (`DBStore.load`), with the query compiled once."""
        rows = _LIVE_SESSION.rows(session_key=self.session_key or "", now=timezone.now())
        if not rows:
            self._session_key = None
            return {}
        return self.decode(rows[0][0])

    @classmethod
    def get_model_class(cls):
        from aidants.models import AidantSession

        return AidantSession

    def create_model_instance(self, data):
        obj = super().create_model_instance(data)
        try:
            obj.aidant_id = int(data.get(SESSION_KEY))
        except (TypeError, ValueError):
            obj.aidant_id = None
        return obj
