"""Fixtures shared by the identity-provider tests (modules may override them)."""

import pytest

from tests import factories
from tests.oidc_bridge import provider_kit as kit


@pytest.fixture
def rp(db):
    """A relying party registered like the FranceConnect hub (see provider_kit.register)."""
    return kit.register()


@pytest.fixture
def usager(db):
    return factories.UsagerFactory()


@pytest.fixture
def mandate(organisation, usager):
    """An active mandate of the aidant's structure covering social and logement."""
    return factories.MandateFactory(organisation=organisation, usager=usager,
                                    demarches=["social", "logement"])
