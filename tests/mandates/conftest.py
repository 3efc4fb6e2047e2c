"""Fixtures for the mandate tests."""

import pytest

from mandates import services


@pytest.fixture(autouse=True)
def habilitated(monkeypatch):
    """Treat active members as habilitated; tests of the refusal patch it to False.

    The habilitation workflow (its own app and tests) decides who is habilitated; here we test
    that mandate services ask it, and obey its answer.
    """
    calls = []

    def is_habilitated(*, aidant, organisation=None):
        calls.append((aidant.pk, getattr(organisation, "pk", None)))
        return aidant.is_active and aidant.is_member_of(organisation or aidant.current_structure)

    monkeypatch.setattr(services, "is_habilitated", is_habilitated)
    return calls
