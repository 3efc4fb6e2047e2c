"""Session engine (`SESSION_ENGINE = "aidants.sessions"`) recording the aidant of each session."""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DBStore


class SessionStore(DBStore):
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
