import io

from django.conf import settings
from django.core.management import call_command

from mandates.models import Mandate, Usager
from oidc_bridge.simulator.oidc import pairwise_sub


def test_seed_demo_is_idempotent_and_links_usagers_to_the_simulator(db):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    assert "Données de démonstration prêtes." in text
    assert "aidant@demoville.example" in text
    assert "Subject:" not in text  # seeding e-mails are not dumped on the console
    angela = Usager.objects.get(family_name="Dubois")
    # The simulator returns this pairwise sub to our FranceConnect client: same usager record.
    assert angela.fc_sub == pairwise_sub("angela", settings.FRANCECONNECT_CLIENT_ID)
    assert angela.fc_issuer == settings.FRANCECONNECT_ISSUER
    assert Mandate.objects.active().count() == 3

    call_command("seed_demo", stdout=io.StringIO())
    assert Usager.objects.count() == 3
    assert Mandate.objects.count() == 3
