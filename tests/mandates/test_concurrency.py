"""Double submits racing on PostgreSQL (SQLite serialises writers, so the race cannot occur)."""

import threading

import pytest
from django.db import connection, connections

from mandates import services
from mandates.identity import VerifiedIdentity
from mandates.models import Authorisation, Mandate
from tests import factories

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="row locks only matter on PostgreSQL")


@pytest.mark.django_db(transaction=True)
def test_parallel_creations_leave_one_active_authorisation():
    organisation = factories.OrganisationFactory()
    aidants = [factories.AidantFactory(structure=organisation) for _ in range(4)]
    identity = VerifiedIdentity(issuer="http://testserver/fc", sub="d" * 64, given_name="Paul",
                                family_name="Roux", birthdate="1960-01-01")
    barrier, errors = threading.Barrier(len(aidants)), []

    def submit(aidant):
        try:
            barrier.wait()
            services.mandate_create(aidant=aidant, organisation=organisation, identity=identity,
                                    demarches=["social"], duration="1m", usager_consent=True,
                                    aidant_consent=True)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(a,)) for a in aidants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Mandate.objects.count() == len(aidants)
    assert Authorisation.objects.active().count() == 1  # each newer one superseded the others
    assert Authorisation.objects.filter(superseded_by__isnull=False).count() == len(aidants) - 1
