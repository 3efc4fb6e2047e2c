"""Sessions that know their aidant, so deactivating an aidant can end all their sessions.

This is Django's documented way to extend the database session engine
("Extending database-backed session engines").
"""

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models


class AidantSession(AbstractBaseSession):
    aidant = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE,
                               related_name="sessions")

    class Meta:
        verbose_name = "session"

    @classmethod
    def get_session_store_class(cls):
        from aidants.sessions import SessionStore

        return SessionStore
