"""Sessions: rotation, 8-hour absolute lifetime, 15-minute re-authentication, logout and
deactivation ending sessions server-side."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from aidants import services
from aidants.models import AidantSession
from audit.events import EventType
from audit.models import Entry
from tests.aidants.helpers import full_login, totp_code

NOW = datetime(2026, 11, 23, 9, 0, 5, tzinfo=UTC)
SENSITIVE = "/compte/securite/codes-de-secours/"  # fresh_two_factor_required


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def logged_in(client, aidant, clock):
    full_login(client, aidant)
    return client


def test_absolute_lifetime_is_eight_hours_whatever_the_activity(logged_in, clock):
    for _ in range(15):  # active every 30 minutes for 7.5 hours
        clock.shift(timedelta(minutes=30))
        assert logged_in.get("/").status_code == 200
    clock.shift(timedelta(minutes=31))
    response = logged_in.get("/")
    assert response.status_code == 302 and response["Location"] == "/connexion/"
    assert SESSION_KEY not in logged_in.session
    assert "Votre session a expiré" in logged_in.get("/connexion/").content.decode()


def test_sensitive_page_is_open_while_fresh(logged_in, clock):
    clock.shift(timedelta(minutes=14))
    assert logged_in.get(SENSITIVE).status_code == 200


def test_reauthentication_after_fifteen_idle_minutes(logged_in, aidant, clock):
    clock.shift(timedelta(minutes=16))
    response = logged_in.get(SENSITIVE)
    assert response.status_code == 302
    assert response["Location"] == (
        "/connexion/verification/?next=%2Fcompte%2Fsecurite%2Fcodes-de-secours%2F")
    page = logged_in.get(response["Location"])
    assert 'value="/compte/securite/codes-de-secours/"' in page.content.decode()
    assert "plus de 15 minutes" in page.content.decode()
    assert "no-store" in page["Cache-Control"]

    response = logged_in.post("/connexion/verification/", {"code": totp_code(), "next": SENSITIVE})
    assert response.status_code == 302 and response["Location"] == SENSITIVE
    assert logged_in.get(SENSITIVE).status_code == 200
    [entry] = Entry.objects.filter(event_type=EventType.REAUTHENTICATED)
    assert entry.actor_aidant_id == aidant.pk


def test_reauthentication_refuses_a_wrong_code_and_locks_out(logged_in, aidant, clock):
    clock.shift(timedelta(minutes=16))
    wrong = "000000" if totp_code() != "000000" else "111111"
    for _ in range(4):
        response = logged_in.post("/connexion/verification/", {"code": wrong, "next": SENSITIVE})
        assert response.status_code == 200
        clock.shift(timedelta(seconds=20))
    assert logged_in.get(SENSITIVE).status_code == 302  # still not fresh
    response = logged_in.post("/connexion/verification/", {"code": wrong, "next": SENSITIVE})
    assert response.status_code == 429
    # Someone guessing codes on an open session: the session is gone server-side.
    assert not AidantSession.objects.filter(aidant=aidant).exists()
    assert Entry.objects.filter(event_type=EventType.OTP_FAILED).count() == 5


def test_reauthentication_page_refuses_foreign_next(logged_in, clock):
    clock.shift(timedelta(seconds=30))  # the login code cannot be replayed: use the next one
    response = logged_in.post("/connexion/verification/",
                              {"code": totp_code(), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_logout_is_post_only_and_ends_the_session_server_side(logged_in, aidant):
    session_key = logged_in.session.session_key
    assert logged_in.get("/deconnexion/").status_code == 405
    response = logged_in.post("/deconnexion/")
    assert response.status_code == 302 and response["Location"] == "/connexion/"
    assert not AidantSession.objects.filter(session_key=session_key).exists()
    assert logged_in.get("/")["Location"].startswith("/connexion/")
    assert Entry.objects.filter(event_type=EventType.LOGOUT, actor_aidant_id=aidant.pk).exists()


def test_deactivation_ends_every_session(client, aidant, clock):
    other = Client()
    full_login(client, aidant)
    clock.shift(timedelta(seconds=30))
    full_login(other, aidant)
    assert AidantSession.objects.filter(aidant=aidant).count() == 2
    services.aidant_deactivate(aidant=aidant, actor=None, reason="a quitté la structure")
    assert not AidantSession.objects.filter(aidant=aidant).exists()
    for browser in (client, other):
        response = browser.get("/")
        assert response.status_code == 302 and response["Location"].startswith("/connexion/")
    [entry] = Entry.objects.filter(event_type=EventType.AIDANT_DEACTIVATED)
    assert entry.payload["sessions_ended"] == 2


def test_aidant_sessions_end_service(client, aidant, clock):
    full_login(client, aidant)
    assert services.aidant_sessions_end(aidant=aidant, actor=None) == 1
    assert client.get("/").status_code == 302
    assert Entry.objects.get(event_type=EventType.SESSIONS_ENDED).payload["sessions"] == 1


def test_reauthentication_while_locked_ends_the_session(logged_in, aidant, clock):
    for _ in range(5):  # someone fails the password step for this e-mail from this address
        Client().post("/connexion/", {"username": aidant.email, "password": "mauvais-mot"})
    clock.shift(timedelta(seconds=30))  # a new code, still within the 15-minute lockout
    response = logged_in.post("/connexion/verification/", {"code": totp_code(), "next": "/"})
    assert response.status_code == 429
    assert not AidantSession.objects.filter(aidant=aidant).exists()
    assert Entry.objects.filter(event_type=EventType.LOCKED_OUT).count() == 2
    assert not Entry.objects.filter(event_type=EventType.REAUTHENTICATED).exists()
