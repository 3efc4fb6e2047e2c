"""Hostile input on every public and aidant form: a clear French refusal, never a 500, and
nothing written but the expected failure entries (tests/reliability/support.py)."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from aidants.login_flow import PENDING_KEY
from audit.events import EventType
from habilitation.models import StructureRequest
from mandates.models import Mandate
from tests import factories
from tests.mandates.test_views import put_identity
from tests.reliability.support import (
    BOUNDED,
    HOSTILE,
    HOSTILE_TEXT,
    Unchanged,
    assert_clean_refusal,
    raw_get,
    raw_post,
    shows_error,
)

FAILED_LOGIN = (EventType.LOGIN_FAILED, EventType.LOCKED_OUT, EventType.OTP_FAILED)


def fields(names, values):
    """One hostile value per field, with each field possibly sent twice (duplicated)."""
    return st.lists(st.tuples(st.sampled_from(names), values), min_size=1, max_size=6)


@pytest.mark.django_db
@BOUNDED
@given(pairs=fields(["username", "password", "next", "csrfmiddlewaretoken"], HOSTILE_TEXT))
def test_login_form(aidant, pairs):
    client = Client()
    with Unchanged(*FAILED_LOGIN):
        response = raw_post(client, reverse("aidants:login"), pairs)
    assert_clean_refusal(response, allow=(200, 429))
    assert PENDING_KEY not in client.session


@pytest.mark.django_db
@BOUNDED
@given(pairs=fields(["code"], HOSTILE_TEXT))
def test_otp_form(aidant, pairs):
    client = Client()
    session = client.session
    session[PENDING_KEY] = {"aidant_id": aidant.pk,
                            "backend": "aidants.backends.AidantBackend",
                            "started_at": timezone.now().isoformat(), "next": ""}
    session.save()
    with Unchanged(*FAILED_LOGIN):
        response = raw_post(client, reverse("aidants:otp"), pairs)
    assert_clean_refusal(response, allow=(200, 429))
    if response.status_code == 200:
        assert shows_error(response), "no error shown"
    assert not client.session.get("_auth_user_id")


@pytest.mark.django_db
@BOUNDED
@given(pairs=fields(["code", "next"], HOSTILE_TEXT))
def test_reauthenticate_form(aidant, login, pairs):
    client = login(Client(), aidant)
    with Unchanged(*FAILED_LOGIN):
        response = raw_post(client, reverse("aidants:reauthenticate"), pairs)
    assert_clean_refusal(response, allow=(200, 302, 429))
    if response.status_code == 302:  # a session ended by the lockout sends back to login
        assert response["Location"].startswith("/")


SIGNUP_VALID = {"name": "Espace numérique de Testville", "type": "france_services",
                "siret": "", "address": "1 rue de la Paix", "postal_code": "35000",
                "city": "Rennes", "allowed_demarches": "social", "referent_first_name": "Anne",
                "referent_last_name": "Durand", "referent_email": "anne@structure.example",
                "referent_profession": "Conseillère numérique"}


@pytest.mark.django_db
@BOUNDED
@given(field=st.sampled_from(sorted(SIGNUP_VALID)), value=HOSTILE_TEXT, twice=st.booleans())
def test_structure_signup_one_hostile_field(field, value, twice):
    """Each field hostile in turn, the others valid: either refused with nothing written, or
    accepted and stored without NUL bytes (an odd but legal name, say)."""
    valid = {**SIGNUP_VALID, "siret": factories.valid_siret()}
    pairs = [(k, v) for k, v in valid.items() if k != field] + [(field, value)]
    if twice:
        pairs.append((field, valid[field]))
    before = StructureRequest.objects.count()
    response = raw_post(Client(), reverse("habilitation:structure_signup"), pairs)
    assert_clean_refusal(response, allow=(200, 302))
    if response.status_code == 302:
        assert response["Location"] == reverse("habilitation:structure_signup_done")
        created = StructureRequest.objects.order_by("-pk").first()
        assert StructureRequest.objects.count() == before + 1
        assert all("\x00" not in str(getattr(created, f)) for f in SIGNUP_VALID)
    else:
        assert StructureRequest.objects.count() == before
        assert shows_error(response), "no error shown"


@pytest.mark.django_db
@BOUNDED
@given(pairs=fields(list(SIGNUP_VALID), HOSTILE)
       .filter(lambda p: not any(k == "siret" and len(v) == 14 for k, v in p)))
def test_structure_signup_all_hostile(pairs):
    with Unchanged():
        response = raw_post(Client(), reverse("habilitation:structure_signup"), pairs)
    assert_clean_refusal(response, allow=(200,))


@pytest.mark.django_db
@BOUNDED
@given(code=HOSTILE_TEXT)
def test_verification_code_form_and_page(code):
    client = Client()
    with Unchanged():
        form = raw_get(client, reverse("mandates:verify_form"), [("code", code), ("code", "x")])
        assert_clean_refusal(form, allow=(200, 302, 400, 429))
        page = client.get(reverse("mandates:verify", args=["ABCD2345"]) .replace(
            "ABCD2345", _path_safe(code)))
        assert_clean_refusal(page, allow=(404, 429))


def _path_safe(code: str) -> str:
    from urllib.parse import quote_from_bytes

    from tests.reliability.support import encode

    return quote_from_bytes(encode(code), safe="") or "x"


@pytest.mark.django_db
@BOUNDED
@given(pairs=fields(["demarches", "duration"], HOSTILE))
def test_mandate_wizard_choice(aidant_client, pairs):
    with Unchanged():
        response = raw_post(aidant_client, reverse("mandates:create"), pairs)
    assert_clean_refusal(response, allow=(200,))
    assert shows_error(response), "no error shown"
    assert "mandates.draft" not in aidant_client.session


@pytest.mark.django_db
@BOUNDED
@given(value=HOSTILE, consent=st.sampled_from(["usager_consent", "aidant_consent"]))
def test_mandate_wizard_recap_without_both_consents(aidant_client, value, consent):
    """The recap with one consent (hostile value) and the other missing creates nothing."""
    session = aidant_client.session
    session["mandates.draft"] = {"demarches": ["social"], "duration": "1d"}
    session.save()
    put_identity(aidant_client)
    with Unchanged():
        response = raw_post(aidant_client, reverse("mandates:create_recap"),
                            [(consent, value), ("demarches", value), ("organisation", value)])
    assert_clean_refusal(response, allow=(200,))
    assert "obligatoire" in response.content.decode()
    assert not Mandate.objects.exists()


@pytest.mark.django_db
@BOUNDED
@given(pairs=fields(["reason", "confirm"], HOSTILE))
def test_revoke_form(aidant_client, organisation, pairs):
    mandate = Mandate.objects.first() or factories.MandateFactory(organisation=organisation)
    with Unchanged():
        response = raw_post(aidant_client, reverse("mandates:revoke", args=[mandate.pk]),
                            [*pairs, ("confirm", "True")])
    assert_clean_refusal(response, allow=(200,))
    mandate.refresh_from_db()
    assert mandate.revoked_at is None


@pytest.mark.django_db
@BOUNDED
@given(pairs=fields(["q", "ended", "page"], HOSTILE_TEXT))
def test_space_search(aidant_client, pairs):
    with Unchanged():
        response = raw_get(aidant_client, reverse("mandates:space"), pairs)
    assert_clean_refusal(response, allow=(200,))


@pytest.mark.django_db
def test_json_body_on_a_form_is_refused_cleanly(aidant):
    """Wrong type: a JSON document where a form is expected is an empty form, not a crash."""
    with Unchanged(*FAILED_LOGIN):
        response = Client().post(reverse("aidants:login"),
                                 {"username": ["a", "b"], "password": {"x": 1}},
                                 content_type="application/json")
    assert_clean_refusal(response, allow=(200,))
    # An empty POST is an unbound form: the login page again, nobody logged in.
    assert 'name="username"' in response.content.decode()
    assert PENDING_KEY not in response.wsgi_request.session


@pytest.mark.django_db
@BOUNDED
@given(uid=HOSTILE_TEXT, token=HOSTILE_TEXT, password=HOSTILE_TEXT)
def test_invitation_link_with_hostile_parts(aidant, uid, token, password):
    """The public set-password page: a forged or mangled link never sets a password."""
    url = f"/habilitation/invitation/{_path_safe(uid)}/{_path_safe(token)}/"
    client = Client()
    with Unchanged():
        assert_clean_refusal(client.get(url), allow=(200, 400, 404))
        response = raw_post(client, url, [("new_password1", password),
                                          ("new_password2", password)])
    assert_clean_refusal(response, allow=(200, 400, 404))
    aidant.refresh_from_db()
    assert aidant.check_password("motdepasse-de-test-2026")
