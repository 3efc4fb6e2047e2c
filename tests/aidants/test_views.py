"""The two-step login (e-mail + password, then a one-time code): success and every refusal."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.utils.html import escape

from aidants import services
from aidants.forms import GENERIC_LOGIN_ERROR
from aidants.login_flow import PENDING_KEY
from aidants.models import AidantSession, TOTPDevice
from aidants.views import NO_DEVICE_ERROR, THROTTLED_ERROR, WRONG_CODE_ERROR
from audit.events import EventType
from audit.models import Entry
from tests import factories
from tests.aidants.helpers import full_login, post_code, post_password, totp_code

NOW = datetime(2026, 11, 23, 9, 0, 5, tzinfo=UTC)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


def entries(event_type):
    return list(Entry.objects.filter(event_type=event_type))


def page(response) -> str:
    return response.content.decode()


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def personal(entry) -> dict:
    """The entry's personal part (stored apart by the Merkle journal, inline before it)."""
    data = getattr(entry, "personal_data", None)
    return data if data is not None else entry.payload.get("personal", {})


def test_login_page_is_french_accessible_and_not_cached(client, db):
    response = client.get("/connexion/")
    html = page(response)
    assert response.status_code == 200
    assert '<label for="id_username">Adresse e-mail' in html
    assert 'autocomplete="current-password"' in html
    assert "no-store" in response["Cache-Control"]


def test_login_success_in_two_steps(client, aidant, clock):
    response = post_password(client, aidant.email.upper())  # e-mail is case-insensitive
    assert response.status_code == 302 and response["Location"] == "/connexion/code/"
    assert SESSION_KEY not in client.session  # not logged in after the password alone
    assert client.session[PENDING_KEY]["aidant_id"] == aidant.pk
    pending_key = client.session.session_key

    response = post_code(client, totp_code())
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session.session_key != pending_key  # rotated at login
    assert PENDING_KEY not in client.session
    assert AidantSession.objects.get(session_key=client.session.session_key).aidant == aidant
    home = client.get("/")
    assert home.status_code == 200 and aidant.first_name in page(home)
    [entry] = entries(EventType.LOGIN_SUCCEEDED)
    assert entry.actor_aidant_id == aidant.pk
    assert entry.payload["device_kind"] == TOTPDevice.Kind.APP
    assert not AccessAttempt.objects.exists()


def test_wrong_password_and_unknown_account_get_the_same_answer(client, aidant, clock):
    wrong = post_password(client, aidant.email, "pas-le-bon-mot-de-passe")
    unknown = post_password(client, "personne@nulle-part.example")
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert GENERIC_LOGIN_ERROR in page(response)
        assert PENDING_KEY not in client.session
    assert without_csrf(page(wrong)).replace(aidant.email, "personne@nulle-part.example") == \
        without_csrf(page(unknown))
    reasons = [e.payload["reason"] for e in entries(EventType.LOGIN_FAILED)]
    assert reasons == ["password", "unknown_account"]
    entry = entries(EventType.LOGIN_FAILED)[0]
    assert entry.payload["aidant_id"] == aidant.pk
    # The e-mail is personal data: only in the erasable `personal` part, never elsewhere.
    outside = {k: v for k, v in entry.payload.items() if k != "personal"}
    assert aidant.email not in str(outside)
    assert personal(entry)["username"] == aidant.email


def test_deactivated_aidant_gets_the_generic_refusal(client, aidant, clock):
    services.aidant_deactivate(aidant=aidant, actor=None, reason="départ")
    response = post_password(client, aidant.email)
    assert GENERIC_LOGIN_ERROR in page(response)
    assert PENDING_KEY not in client.session
    assert entries(EventType.LOGIN_FAILED)[0].payload["reason"] == "deactivated"


def test_aidant_deactivated_between_the_two_steps_is_refused(client, aidant, clock):
    post_password(client, aidant.email)
    services.aidant_deactivate(aidant=aidant, actor=None, reason="départ")
    response = post_code(client, totp_code())
    assert response.status_code == 302 and response["Location"] == "/connexion/"
    assert SESSION_KEY not in client.session
    assert not entries(EventType.LOGIN_SUCCEEDED)


def test_account_without_second_factor_is_told_to_ask_the_referent(client, db, clock):
    aidant = factories.AidantFactory()
    response = post_password(client, aidant.email)
    assert escape(NO_DEVICE_ERROR) in page(response)
    assert entries(EventType.LOGIN_FAILED)[0].payload["reason"] == "no_device"


def test_wrong_code_is_refused_counted_and_journaled(client, aidant, clock):
    post_password(client, aidant.email)
    response = post_code(client, "000000" if totp_code() != "000000" else "111111")
    assert response.status_code == 200
    assert WRONG_CODE_ERROR in page(response)
    assert 'aria-invalid="true"' in page(response)
    # RGAA 11.10: the error and the hint are tied to the field.
    assert 'aria-describedby="id_code_helptext id_code_error"' in page(response)
    assert 'id="id_code_error"' in page(response)
    assert SESSION_KEY not in client.session
    [entry] = entries(EventType.OTP_FAILED)
    assert entry.payload["aidant_id"] == aidant.pk and entry.payload["reason"] == "invalid"
    assert personal(entry) == {"ip_address": "127.0.0.1"}
    assert AccessAttempt.objects.get(username=aidant.email).failures_since_start == 1
    assert TOTPDevice.objects.get(user=aidant).throttling_failure_count == 1


def test_code_right_after_a_failure_is_throttled(client, aidant, clock):
    post_password(client, aidant.email)
    post_code(client, "999999" if totp_code() != "999999" else "888888")
    response = post_code(client, totp_code())  # within django-otp's 1 s back-off
    assert THROTTLED_ERROR in page(response)
    assert SESSION_KEY not in client.session
    assert entries(EventType.OTP_FAILED)[-1].payload["reason"] == "throttled"
    clock.shift(timedelta(seconds=2))
    response = post_code(client, totp_code())
    assert response.status_code == 302 and SESSION_KEY in client.session


def test_replayed_code_is_refused(client, aidant, clock):
    code = totp_code()
    full_login(client, aidant, code)
    client.post("/deconnexion/")
    post_password(client, aidant.email)
    response = post_code(client, code)  # same 30 s window, already used
    assert WRONG_CODE_ERROR in page(response)
    assert SESSION_KEY not in client.session
    clock.shift(timedelta(seconds=30))
    assert post_code(client, totp_code()).status_code == 302  # the next code works


def test_backup_code_works_once(client, aidant, clock):
    codes = services.backup_codes_generate(aidant=aidant, actor=aidant)
    response = full_login(client, aidant, codes[0].upper())
    assert response.status_code == 302 and SESSION_KEY in client.session
    assert entries(EventType.LOGIN_SUCCEEDED)[0].payload["device_kind"] == "backup"
    client.post("/deconnexion/")
    post_password(client, aidant.email)
    assert WRONG_CODE_ERROR in page(post_code(client, codes[0]))
    clock.shift(timedelta(seconds=5))
    assert post_code(client, codes[1]).status_code == 302


def test_lockout_after_five_password_failures_then_unlock(client, aidant, clock):
    for _ in range(4):
        assert post_password(client, aidant.email, "mauvais-mot-de-passe").status_code == 200
    response = post_password(client, aidant.email, "mauvais-mot-de-passe")
    assert response.status_code == 429
    assert "Connexion bloquée pendant 15 minutes" in page(response)
    assert len(entries(EventType.LOCKED_OUT)) == 1

    response = post_password(client, aidant.email)  # the right password, while locked
    assert response.status_code == 429
    assert PENDING_KEY not in client.session
    assert len(entries(EventType.LOCKED_OUT)) == 2

    clock.shift(timedelta(minutes=14))
    assert post_password(client, aidant.email).status_code == 429
    clock.shift(timedelta(minutes=2))
    response = post_password(client, aidant.email)
    assert response.status_code == 302 and response["Location"] == "/connexion/code/"
    assert post_code(client, totp_code()).status_code == 302
    assert not AccessAttempt.objects.exists()  # reset on success


def test_lockout_by_wrong_codes_counts_with_passwords(client, aidant, clock):
    for _ in range(2):
        post_password(client, aidant.email, "mauvais-mot-de-passe")
    post_password(client, aidant.email)
    wrong = "123456" if totp_code() != "123456" else "654321"
    for _ in range(2):
        assert WRONG_CODE_ERROR in page(post_code(client, wrong))
        clock.shift(timedelta(seconds=10))  # past django-otp's back-off
    response = post_code(client, wrong)
    assert response.status_code == 429
    assert "Connexion bloquée" in page(response)
    assert PENDING_KEY not in client.session
    assert post_password(client, aidant.email).status_code == 429
    assert entries(EventType.LOCKED_OUT)


def test_lockout_is_per_username_and_ip(client, aidant, clock):
    for _ in range(5):
        post_password(client, aidant.email, "mauvais-mot-de-passe")
    other_ip = client.post("/connexion/", {"username": aidant.email,
                                           "password": factories.DEFAULT_PASSWORD},
                           REMOTE_ADDR="10.0.0.7")
    assert other_ip.status_code == 302


@pytest.mark.parametrize("target", [
    "/compte/securite/?onglet=1",
    # What the OIDC provider sends after logout() for prompt=login.
    "/oidc/authorize/?client_id=demarche&scope=openid&prompt=login&state=x%26y",
])
def test_next_is_honoured_through_both_steps(client, aidant, clock, target):
    form = client.get("/connexion/", {"next": target})
    assert f'value="{escape(target)}"' in page(form)
    response = full_login(client, aidant, next_url=target)
    assert response["Location"] == target


def test_foreign_next_is_ignored(client, aidant, clock):
    response = full_login(client, aidant, next_url="https://evil.example/voler")
    assert response["Location"] == "/"


def test_pending_login_expires(client, aidant, clock):
    post_password(client, aidant.email)
    clock.shift(timedelta(minutes=11))
    response = post_code(client, totp_code())
    assert response["Location"] == "/connexion/"
    assert SESSION_KEY not in client.session


def test_code_page_without_password_step_goes_back_to_login(client, db):
    assert client.get("/connexion/code/")["Location"] == "/connexion/"


def test_logged_in_aidant_skips_the_login_page(aidant_client):
    response = aidant_client.get("/connexion/", {"next": "/structure/"})
    assert response.status_code == 302 and response["Location"] == "/structure/"


def test_hardware_card_code_logs_in(client, db, clock):
    aidant = factories.AidantFactory()
    key = bytes(range(100, 120))
    services.totp_device_create(aidant=aidant, kind=TOTPDevice.Kind.CARD, key=key, step=60,
                                card_serial="GZ-001", confirmed=True, actor=None)
    response = full_login(client, aidant, totp_code(key, step=60))
    assert response.status_code == 302 and SESSION_KEY in client.session
    assert entries(EventType.LOGIN_SUCCEEDED)[0].payload["device_kind"] == "card"
