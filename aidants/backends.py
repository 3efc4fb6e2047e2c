"""Authentication backend: Django's `ModelBackend`, with the per-request user load compiled once.

Why: `get_user()` runs on every request of a logged-in aidant, and the ORM spent longer
compiling `Aidant.objects.get(pk=...)` than PostgreSQL took to answer it (issue 5: a delegated
login in <= 20 ms of server time). The answer is the same instance (`aidants.prepared`); every
rule of `ModelBackend` (password check, `is_active`, permissions) is inherited unchanged.
"""

from django.contrib.auth.backends import ModelBackend

from aidants.models import Aidant
from aidants.prepared import Prepared, as_pk


def _aidant(*, pk):
    return Aidant.objects.filter(pk=pk)


_AIDANT = Prepared(_aidant, pk="int")


class AidantBackend(ModelBackend):
    def get_user(self, user_id):
        pk = as_pk(user_id)
        user = _AIDANT.one(pk=pk) if pk is not None else None
        return user if user is not None and self.user_can_authenticate(user) else None
