"""The whole desk scenario of `make demo`, in one test and one browser session:

1. the aidant creates a mandate: démarches and duration, FranceConnect through the simulator
   (the usager picks her test identity), recap with both consents -> mandate and usager rows;
2. then does the CAF procedure for that usager: CAF – démo -> hub -> our identity provider ->
   CAF shows the usager's identity and the aidant who acted.
"""

import pytest
from django.urls import reverse
from django.utils.html import escape

from audit.events import EventType
from audit.models import Entry
from mandates.identity import SESSION_KEY
from mandates.models import Mandate, Usager
from tests.oidc_bridge import fc_support
from tests.oidc_bridge.fc_support import follow, location, query_of
from tests.oidc_bridge.test_end_to_end_delegated import (
    choose_usager,
    log_in_again,
    to_our_provider,
)
from tests.oidc_bridge.test_end_to_end_franceconnect import choose

pytestmark = pytest.mark.django_db
fc_http = fc_support.fc_http


def create_mandate(browser, citizen: str) -> Mandate:
    step2 = location(browser.post(reverse("mandates:create"),
                                  {"demarches": ["social", "logement"], "duration": "12m"}))
    assert step2 == reverse("mandates:create_identify")
    page = browser.get(step2).content.decode()
    assert reverse("oidc_bridge:fc_login") in page
    authorize_url = location(browser.get(reverse("oidc_bridge:fc_login")))
    callback_url = choose(browser, authorize_url, citizen)
    logout_url = location(follow(browser, callback_url))
    recap_url = location(follow(browser, location(follow(browser, logout_url))))
    assert recap_url == reverse("mandates:create_recap")
    recap = browser.get(recap_url)
    assert recap.status_code == 200
    done = browser.post(recap_url, {"usager_consent": "on", "aidant_consent": "on"})
    assert done.status_code == 302, done.content.decode()[:2000]
    assert SESSION_KEY not in browser.session
    return Mandate.objects.get()


def test_create_mandate_then_act_for_the_usager_on_caf(aidant_client, aidant, organisation,
                                                       fc_http):
    from oidc_bridge import demo

    demo.seed(stdout=None)
    mandate = create_mandate(aidant_client, "zoe")
    usager = Usager.objects.get()
    assert mandate.usager == usager and mandate.organisation == organisation
    assert (usager.given_name, usager.family_name, usager.birthdate, usager.birthplace,
            usager.birthcountry) == ("Zoé", "N'Diaye", "2001-12-00", "", "99341")
    assert len(usager.fc_sub) == 66
    assert Entry.objects.filter(event_type=EventType.FC_LOGIN_SUCCEEDED).count() == 1

    idp_url = to_our_provider(aidant_client)
    login_url = location(follow(aidant_client, idp_url))
    authorize_again = log_in_again(aidant_client, aidant, login_url)
    hub_callback = choose_usager(aidant_client, usager, authorize_again)
    caf_callback = location(follow(aidant_client, hub_callback))
    page = follow(aidant_client, caf_callback).content.decode()
    for shown in ("Zoé", "N'Diaye", "décembre 2001 (date présumée)", "valeur reçue : 2001-12-00",
                  "99341"):
        assert escape(shown) in page
    assert "né(e) à l'étranger" in page  # empty birthplace, as FranceConnect sends it
    assert escape(f"Démarche faite par un aidant : {aidant.get_full_name()}, "
                  f"{organisation.name}") in page
    assert "démarches : Social – Santé" in page
    assert query_of(caf_callback)["state"]
