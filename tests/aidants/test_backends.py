"""`aidants.backends.AidantBackend`: ModelBackend's answers, with the user load compiled once."""

import pytest
from django.contrib.auth.backends import ModelBackend

from aidants.backends import AidantBackend
from tests import factories


def _values(user):
    return None if user is None else {
        f.attname: getattr(user, f.attname) for f in type(user)._meta.concrete_fields}


@pytest.mark.django_db
def test_get_user_gives_model_backends_answer_for_every_kind_of_id():
    active, inactive = factories.AidantFactory(), factories.AidantFactory(is_active=False)
    ids = [active.pk, str(active.pk), inactive.pk, active.pk + 10_000, "abc", None, 0, -1,
           2**63]
    for user_id in ids:
        ours = AidantBackend().get_user(user_id)
        try:
            django = ModelBackend().get_user(user_id)
        except (ValueError, TypeError, OverflowError):
            django = None  # Django lets a malformed session id raise; we answer "nobody"
        assert _values(ours) == _values(django), user_id
    assert AidantBackend().get_user(active.pk).pk == active.pk
    assert AidantBackend().get_user(inactive.pk) is None


@pytest.mark.django_db
def test_a_logged_in_session_resolves_to_the_aidant(aidant_client, aidant):
    response = aidant_client.get("/")
    assert response.wsgi_request.user.pk == aidant.pk
    assert response.wsgi_request.user.is_verified()
