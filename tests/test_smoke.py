import pytest

from aidants.models import Membership


@pytest.mark.django_db
def test_aidant_fixture_is_member_of_current_structure(aidant, organisation):
    assert aidant.current_structure == organisation
    assert Membership.objects.get(aidant=aidant).role == Membership.Role.AIDANT


def test_home_requires_two_factors(client, aidant):
    client.force_login(aidant)  # password only: not OTP-verified
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")


def test_home_for_verified_aidant(aidant_client, aidant):
    response = aidant_client.get("/")
    assert response.status_code == 200
    assert aidant.first_name in response.content.decode()


def test_home_links_follow_the_roles(referent_client, auditor_client, staff_client, aidant_client):
    aidant_home = aidant_client.get("/").content.decode()
    assert "/mandats/statistiques/" not in aidant_home  # référents only
    referent_home = referent_client.get("/").content.decode()
    assert "Les aidants de la structure" in referent_home
    assert 'href="/mandats/statistiques/"' in referent_home
    assert 'href="/habilitation/cartes/"' in referent_home
    assert "journal d'audit" not in referent_home
    assert "journal d'audit" in auditor_client.get("/").content.decode()
    assert "Administration nationale" in staff_client.get("/").content.decode()
