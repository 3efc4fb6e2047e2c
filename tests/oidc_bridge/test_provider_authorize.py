"""The authorization endpoint and the aidant's choices: every refusal rule."""

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aidants import auth_session
from audit.events import EventType
from audit.models import Entry
from oidc_bridge.models import AuthorizationCode
from oidc_bridge.provider_views.authorize import REAUTH_MARKER
from tests import factories
from tests.oidc_bridge import provider_kit as kit
from tests.oidc_bridge.provider_kit import fresh_keyring  # noqa: F401  (autouse fixture)


def assert_error_page(response):
    assert response.status_code == 400
    assert not response.has_header("Location")
    assert "pas enregistrée" in response.content.decode()


@pytest.mark.parametrize("redirect_uri", [
    kit.REDIRECT_URI + "/", kit.REDIRECT_URI.upper(), kit.REDIRECT_URI + "?x=1",
    kit.REDIRECT_URI.replace("caf.example", "caf.example.evil.test"),
    "https://evil.example/oidc/callback", "", None,
])
def test_bad_redirect_uri_gets_a_page_never_a_redirect(aidant_client, rp, mandate,
                                                       redirect_uri):
    response = aidant_client.get(kit.authorize_url(kit.authorize_params(
        redirect_uri=redirect_uri)))
    assert_error_page(response)
    assert not AuthorizationCode.objects.exists()


def test_unknown_or_inactive_client_gets_a_page(aidant_client, rp, mandate):
    assert_error_page(aidant_client.get(kit.authorize_url(kit.authorize_params("inconnu"))))
    rp.is_active = False
    rp.save(update_fields=["is_active"])
    assert_error_page(aidant_client.get(kit.authorize_url(kit.authorize_params())))


@pytest.mark.parametrize("missing, error", [
    ("nonce", "invalid_request"), ("state", "invalid_request"),
    ("scope", "invalid_scope"), ("response_type", "unsupported_response_type"),
])
def test_other_errors_redirect_back_with_state(aidant_client, rp, missing, error):
    params = kit.authorize_params(**{missing: None})
    response = aidant_client.get(kit.authorize_url(params))
    assert response.status_code == 302
    answer = kit.query_of(response["Location"])
    assert response["Location"].startswith(kit.REDIRECT_URI + "?")
    assert answer["error"] == error and answer["error_description"]
    assert answer.get("state") == params.get("state")


def test_pkce_plain_is_refused(aidant_client, rp):
    params = kit.authorize_params(code_challenge="a" * 43, code_challenge_method="plain")
    answer = kit.query_of(aidant_client.get(kit.authorize_url(params))["Location"])
    assert answer["error"] == "invalid_request" and "S256" in answer["error_description"]


def test_anonymous_aidant_is_sent_to_login_and_back(client, rp, mandate):
    response = client.get(kit.authorize_url(kit.authorize_params()))
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("aidants:login")
    assert parse_qs(location.query)["next"][0].startswith(reverse("oidc_bridge:provider_authorize"))


def test_prompt_none_cannot_be_satisfied(aidant_client, rp):
    response = aidant_client.get(kit.authorize_url(kit.authorize_params(prompt="none")))
    assert kit.query_of(response["Location"])["error"] == "interaction_required"


def test_prompt_login_logs_out_then_terminates(aidant, aidant_client, rp, mandate, usager,
                                               login, time_machine):
    time_machine.move_to(timezone.now())
    params = kit.authorize_params(prompt="login")
    response = aidant_client.get(kit.authorize_url(params))
    location = urlsplit(response["Location"])
    assert location.path == reverse("aidants:login")
    next_url = parse_qs(location.query)["next"][0]
    next_query = {k: v[0] for k, v in parse_qs(urlsplit(next_url).query).items()}
    assert "prompt" not in next_query and REAUTH_MARKER in next_query
    assert "_auth_user_id" not in aidant_client.session  # logged out, and journaled
    assert Entry.objects.filter(event_type=EventType.LOGOUT, actor_aidant_id=aidant.pk).exists()
    # Not logged in yet: the marked URL sends to the login page, not into a loop.
    assert urlsplit(aidant_client.get(next_url)["Location"]).path == reverse("aidants:login")
    time_machine.shift(timedelta(seconds=5))
    login(aidant_client, aidant)
    response = aidant_client.get(next_url)
    assert "Agir pour cet usager" in response.content.decode()
    code = kit.code_from(kit.choose(aidant_client, next_query, usager=usager,
                                    demarche="social"))
    row = AuthorizationCode.objects.get()
    assert abs(row.auth_time.timestamp() - timezone.now().timestamp()) < 2
    assert code


def test_marker_without_a_new_login_answers_login_required(aidant, rp, login, time_machine):
    time_machine.move_to(timezone.now())
    http = login(Client(), aidant)
    response = http.get(kit.authorize_url(kit.authorize_params(prompt="login")))
    next_url = parse_qs(urlsplit(response["Location"]).query)["next"][0]
    # Someone replays the marked URL from a session whose login predates the marker.
    other = login(Client(), aidant)
    session = other.session
    session[auth_session.LOGIN_AT] = (timezone.now() - timedelta(hours=1)).isoformat()
    session.save()
    answer = kit.query_of(other.get(next_url)["Location"])
    assert answer["error"] == "login_required"


def test_max_age_exceeded_forces_a_new_login(aidant_client, rp, time_machine):
    time_machine.move_to(timezone.now() + timedelta(minutes=10))
    response = aidant_client.get(kit.authorize_url(kit.authorize_params(max_age="60")))
    assert urlsplit(response["Location"]).path == reverse("aidants:login")


def test_stale_otp_asks_for_a_new_code(aidant_client, rp, mandate, time_machine):
    time_machine.move_to(timezone.now() + timedelta(minutes=16))
    authorize = kit.authorize_url(kit.authorize_params())
    response = aidant_client.get(authorize)
    assert urlsplit(response["Location"]).path == reverse("aidants:reauthenticate")
    # After the new code, the aidant comes back to the same authorization request.
    assert parse_qs(urlsplit(response["Location"]).query)["next"] == [authorize]
    assert not AuthorizationCode.objects.exists()


def refusal_entry():
    return Entry.objects.get(event_type=EventType.DELEGATED_LOGIN_REFUSED)


def arrive(http):
    """The authorize request: the usager page, or the refusal page, right away."""
    return http.get(kit.authorize_url(kit.authorize_params()))


def start(http):
    """The usager page's form URL (the parked request)."""
    return kit.choice_url(arrive(http))


def test_rep_scope_mismatch_is_refused_and_journaled(aidant_client, rp, organisation):
    factories.MandateFactory(organisation=organisation, demarches=["papiers"])
    response = arrive(aidant_client)
    assert response.status_code == 403
    page = response.content.decode()
    assert "de mandat actif dans votre structure" in page
    back = response.context["back_url"]
    assert kit.query_of(back)["error"] == "access_denied"
    assert refusal_entry().payload["reason"] == "no_usable_mandate"
    assert refusal_entry().payload["rep_scope_requested"] == ["social", "logement"]


@pytest.mark.parametrize("state", kit.UNUSABLE_STATES)
def test_inactive_mandates_are_not_offered(aidant_client, rp, organisation, mandate, usager,
                                           state):
    kit.make_unusable(state, mandate=mandate, usager=usager, now=timezone.now())
    response = arrive(aidant_client)
    assert response.status_code == 403
    assert refusal_entry().payload["reason"] == "no_usable_mandate"


def test_usager_of_another_structure_cannot_be_posted(aidant_client, rp, mandate):
    foreign = factories.MandateFactory(demarches=["social"])  # another structure
    url = start(aidant_client)
    response = aidant_client.post(url, {"usager": str(foreign.usager_id)})
    assert response.status_code == 200
    assert "Choisissez un usager de la liste" in response.content.decode()
    assert foreign.usager.family_name not in response.content.decode()


def test_demarche_outside_the_mandate_cannot_be_posted(aidant_client, rp, mandate, usager):
    response = aidant_client.post(start(aidant_client), {"usager": str(usager.pk)})
    response = aidant_client.post(response["Location"], {"demarche": "justice"})
    assert response.status_code == 200
    assert "Choisissez une démarche de la liste" in response.content.decode()
    assert not AuthorizationCode.objects.exists()


def test_mandate_revoked_before_the_choice_is_refused(aidant_client, rp, mandate, usager):
    response = aidant_client.post(start(aidant_client), {"usager": str(usager.pk)})
    choice = response["Location"]
    page = aidant_client.get(choice).content.decode()
    assert f"Quelle démarche pour {usager.display_name}" in page
    assert "le site recevra son identité" in page
    mandate.revoked_at = timezone.now()
    mandate.save()
    response = aidant_client.post(choice, {"demarche": "social"})
    assert response.status_code == 403
    assert not AuthorizationCode.objects.exists()
    assert refusal_entry().payload["reason"] == "no_usable_authorisation"
    assert not Entry.objects.filter(event_type=EventType.DELEGATED_LOGIN).exists()


def test_non_habilitated_aidant_is_refused(aidant_client, rp, mandate, monkeypatch):
    monkeypatch.setattr("oidc_bridge.provider_views.authorize.is_habilitated",
                        lambda **kwargs: False)
    response = arrive(aidant_client)
    assert response.status_code == 403
    assert "pas habilité" in response.context["message"]
    assert refusal_entry().payload["reason"] == "not_habilitated"


def test_service_rechecks_habilitation(aidant, rp, mandate, usager, monkeypatch):
    from oidc_bridge import services
    from oidc_bridge.protocol.validation import parse_authorization_request

    monkeypatch.setattr("oidc_bridge.services.is_habilitated", lambda **kwargs: False)
    request = parse_authorization_request(kit.authorize_params(), kit.REDIRECT_URI)
    with pytest.raises(services.DelegationRefused, match="not_habilitated"):
        services.delegated_login_start(aidant=aidant, client=rp, request=request,
                                       usager_id=usager.pk, demarche="social",
                                       auth_time=timezone.now(), acr="eidas1", amr=["pwd"])


def test_service_refuses_demarche_outside_rep_scope(aidant, rp, organisation, usager):
    from oidc_bridge import services
    from oidc_bridge.protocol.validation import parse_authorization_request

    factories.MandateFactory(organisation=organisation, usager=usager, demarches=["papiers"])
    request = parse_authorization_request(kit.authorize_params(), kit.REDIRECT_URI)
    with pytest.raises(services.DelegationRefused):
        services.delegated_login_start(aidant=aidant, client=rp, request=request,
                                       usager_id=usager.pk, demarche="papiers",
                                       auth_time=timezone.now(), acr="eidas1", amr=["pwd"])


def test_rep_scope_narrows_the_demarches_offered(aidant_client, rp, organisation, usager):
    factories.MandateFactory(organisation=organisation, usager=usager,
                             demarches=["social", "logement", "papiers"])
    params = kit.authorize_params(claims=kit.rep_scope_claims("social", "logement"))
    page = aidant_client.get(kit.authorize_url(params))
    response = aidant_client.post(kit.choice_url(page), {"usager": str(usager.pk)})
    page = aidant_client.get(response["Location"]).content.decode()
    assert "Logement" in page and "Social" in page and "Papiers" not in page
    response = aidant_client.post(response["Location"], {"demarche": "papiers"})
    assert "Choisissez une démarche de la liste" in response.content.decode()
    assert not AuthorizationCode.objects.exists()


def test_single_usable_demarche_issues_the_code_on_the_usager_click(aidant_client, rp, mandate,
                                                                     usager):
    """rep_scope leaves one démarche: the usager page is the confirmation, no démarche page."""
    params = kit.authorize_params(claims=kit.rep_scope_claims("logement"))
    page = aidant_client.get(kit.authorize_url(params))
    assert "pour le compte de l'usager choisi" in page.content.decode()
    url = kit.choice_url(page)
    response = aidant_client.post(url, {"usager": str(usager.pk)})
    assert kit.query_of(response["Location"])["state"] == params["state"]
    row = AuthorizationCode.objects.get()
    assert (row.usager_id, row.demarche, row.mandate_id) == (usager.pk, "logement", mandate.pk)
    entry = Entry.objects.get(event_type=EventType.DELEGATED_LOGIN)
    assert (entry.usager_id, entry.demarche) == (usager.pk, "logement")
    # The parked request is single use: posting the choice again finds nothing.
    again = aidant_client.post(url, {"usager": str(usager.pk)})
    assert again.status_code == 404 and AuthorizationCode.objects.count() == 1


def test_cancel_redirects_access_denied_and_journals(aidant_client, rp, mandate):
    url = start(aidant_client)
    txn = url.rstrip("/").split("/")[-2]
    response = aidant_client.post(reverse("oidc_bridge:provider_cancel", args=[txn]))
    answer = kit.query_of(response["Location"])
    assert answer["error"] == "access_denied" and answer["state"]
    assert refusal_entry().payload["reason"] == "cancelled"


def test_one_audit_entry_per_delegated_use_without_secrets(aidant_client, rp, mandate, usager):
    params = kit.authorize_params()
    code = kit.code_from(kit.choose(aidant_client, params, usager=usager, demarche="logement"))
    entries = Entry.objects.filter(event_type=EventType.DELEGATED_LOGIN)
    assert entries.count() == 1
    dumped = json.dumps(entries.get().payload)
    assert code not in dumped and params["nonce"] not in dumped and params["state"] not in dumped


def test_habilitation_lost_before_the_choice_is_refused(aidant_client, rp, mandate, usager,
                                                         monkeypatch):
    response = aidant_client.post(start(aidant_client), {"usager": str(usager.pk)})
    monkeypatch.setattr("oidc_bridge.services.is_habilitated", lambda **kwargs: False)
    response = aidant_client.post(response["Location"], {"demarche": "social"})
    assert response.status_code == 403 and not AuthorizationCode.objects.exists()
    assert refusal_entry().payload["reason"] == "not_habilitated"


def test_mandate_revoked_before_the_usager_click_shows_the_list_again(aidant_client, rp,
                                                                      mandate, usager):
    url = start(aidant_client)
    mandate.revoked_at = timezone.now()
    mandate.save()
    other = factories.MandateFactory(organisation=mandate.organisation, demarches=["social"])
    response = aidant_client.post(url, {"usager": str(usager.pk)})
    page = response.content.decode()
    assert response.status_code == 200 and "Choisissez un usager de la liste" in page
    assert other.usager.family_name in page and usager.family_name not in page
    assert not AuthorizationCode.objects.exists()
    assert not Entry.objects.filter(event_type=EventType.DELEGATED_LOGIN).exists()


def test_parked_request_is_bound_to_the_session_and_expires(aidant, aidant_client, rp, mandate,
                                                            usager, login, time_machine):
    time_machine.move_to(timezone.now())
    url = start(aidant_client)
    # Another session of the same aidant (a new login changes the key) cannot use it.
    other = login(Client(), aidant)
    assert other.post(url, {"usager": str(usager.pk)}).status_code == 404
    # A tampered token is refused.
    txn = url.rstrip("/").split("/")[-2]
    forged = url.replace(txn, txn[:-2] + ("AA" if not txn.endswith("AA") else "BB"))
    assert aidant_client.post(forged, {"usager": str(usager.pk)}).status_code == 404
    # Ten minutes later the request has expired.
    time_machine.shift(timedelta(minutes=10, seconds=1))
    assert aidant_client.post(url, {"usager": str(usager.pk)}).status_code == 404
    assert not AuthorizationCode.objects.exists()


def test_showing_the_choice_and_issuing_the_code_rewrite_no_session(aidant_client, rp, organisation,
                                                                    usager):
    from aidants.sessions import SessionStore

    factories.MandateFactory(organisation=organisation, usager=usager, demarches=["social"])
    model = SessionStore.get_model_class()
    key = aidant_client.session.session_key
    before = model.objects.get(session_key=key).session_data
    code = kit.code_from(kit.choose(aidant_client, kit.authorize_params(), usager=usager,
                                    demarche="social"))
    assert code and model.objects.get(session_key=key).session_data == before
