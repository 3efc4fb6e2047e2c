"""Client registration (service, command, admin), signing keys from settings, system checks."""

import hashlib

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse
from joserfc.jwk import ECKey, RSAKey

from audit.actor import Actor
from audit.events import EventType
from audit.models import Entry
from oidc_bridge import keys
from oidc_bridge.models import OIDCClient
from oidc_bridge.services import ClientRegistrationError, oidc_client_register
from tests.oidc_bridge.provider_kit import fresh_keyring  # noqa: F401  (autouse fixture)


def test_register_stores_only_the_hash_and_is_idempotent_with_a_given_secret(db):
    client, secret = oidc_client_register(client_id="hub", redirect_uris=["https://h.example/cb"],
                                          actor=Actor.system("t"))
    assert len(secret) >= 43 and client.secret_sha256 == hashlib.sha256(
        secret.encode()).hexdigest()
    again, same = oidc_client_register(client_id="hub", redirect_uris=["https://h.example/cb2"],
                                       secret="demo-secret", alg="RS256", actor=Actor.system("t"))
    assert again.pk == client.pk and same == "demo-secret"
    assert again.redirect_uris == ["https://h.example/cb2"] and again.alg == "RS256"
    assert Entry.objects.filter(event_type=EventType.CLIENT_REGISTERED,
                                oidc_client_id="hub").count() == 2
    assert "demo-secret" not in str(list(Entry.objects.values_list("payload", flat=True)))


@pytest.mark.parametrize("kwargs", [
    {"client_id": ""}, {"redirect_uris": []}, {"redirect_uris": ["/relative"]},
    {"redirect_uris": ["https://h.example/cb#frag"]}, {"alg": "HS256"}, {"alg": "none"},
    {"userinfo_format": "xml"},
])
def test_register_rejects_bad_input(db, kwargs):
    arguments = {"client_id": "hub", "redirect_uris": ["https://h.example/cb"], **kwargs}
    with pytest.raises(ClientRegistrationError):
        oidc_client_register(actor=Actor.system("t"), **arguments)
    assert not OIDCClient.objects.exists()


def test_oidc_client_add_prints_the_secret_once(db, capsys):
    call_command("oidc_client_add", "--client-id", "caf-demo", "--redirect-uri",
                 "https://caf.example/cb", "--post-logout-redirect-uri", "https://caf.example/",
                 "--alg", "RS256", "--userinfo", "jwt", "--actor-claim")
    out = capsys.readouterr().out
    secret = out.split("client_secret=")[1].strip()
    client = OIDCClient.objects.get(client_id="caf-demo")
    assert client.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert (client.alg, client.userinfo_format, client.actor_claim) == ("RS256", "jwt", True)
    assert client.post_logout_redirect_uris == ["https://caf.example/"]


@pytest.mark.parametrize("argv", [
    ["--client-id", "x", "--redirect-uri", "pas-une-url"],
    ["--client-id", "x", "--redirect-uri", "https://a.example/cb", "--alg", "HS256"],
    ["--redirect-uri", "https://a.example/cb"],
])
def test_oidc_client_add_bad_input_fails(db, argv):
    with pytest.raises((CommandError, SystemExit)):
        call_command("oidc_client_add", *argv)
    assert not OIDCClient.objects.exists()


def test_oidc_keys_rotate(db, capsys):
    before = {k["kid"] for k in keys.keyring().jwks()["keys"]}
    call_command("oidc_keys_rotate")
    ring = keys.keyring()
    assert {key.kid for key in ring.signing.values()}.isdisjoint(before)
    assert before < {k["kid"] for k in ring.jwks()["keys"]}
    assert "ES256 kid=" in capsys.readouterr().out


def _pems(rsa_bits=2048):
    ec = ECKey.generate_key("P-256").as_pem(private=True).decode()
    rsa = RSAKey.generate_key(rsa_bits).as_pem(private=True).decode()
    return [ec, rsa]


def test_settings_keys_sign_and_are_published(db, client):
    new_ec, rsa = _pems()
    old_ec = ECKey.generate_key("P-256").as_pem(private=True).decode()
    with override_settings(OIDC_SIGNING_KEYS=[new_ec, rsa, old_ec]):
        ring = keys.keyring()
        published = client.get(reverse("oidc_bridge:provider_jwks")).json()["keys"]
        with pytest.raises(CommandError):
            call_command("oidc_keys_rotate")
    assert ring.signing_key("ES256").kid == ECKey.import_key(new_ec).thumbprint()
    assert len(published) == 3 and all("d" not in k for k in published)
    assert not keys.SigningKey.objects.exists()


@pytest.mark.filterwarnings("ignore:Key size should be")  # the weak key is the point
def test_system_check_refuses_missing_or_weak_production_keys(db):
    with override_settings(PRODUCTION=True, OIDC_SIGNING_KEYS=[], OIDC_PAIRWISE_SECRET=None,
                           OIDC_ISSUER="http://procuration.example"):
        ids = {e.id for e in keys.signing_keys_check()}
        messages = " ".join(e.msg for e in keys.signing_keys_check())
    assert ids == {"oidc_bridge.E001", "oidc_bridge.E002", "oidc_bridge.E003"}
    assert "aucune clé ES256" in messages and "aucune clé RS256" in messages
    ec, weak_rsa = _pems(rsa_bits=1024)
    with override_settings(PRODUCTION=True, OIDC_SIGNING_KEYS=[ec, weak_rsa, "garbage"],
                           OIDC_PAIRWISE_SECRET="s" * 40, OIDC_ISSUER="https://p.example"):
        messages = [e.msg for e in keys.signing_keys_check()]
    assert any("2048" in m for m in messages) and any("illisible" in m for m in messages)
    with override_settings(PRODUCTION=True, OIDC_SIGNING_KEYS=_pems(),
                           OIDC_PAIRWISE_SECRET="s" * 40, OIDC_ISSUER="https://p.example"):
        assert keys.signing_keys_check() == []


def test_admin_registers_a_client_and_rotates_its_secret(staff_client):
    url = reverse("admin:oidc_bridge_oidcclient_add")
    response = staff_client.post(url, {
        "client_id": "hub-admin", "name": "Hub", "redirect_uris": "https://h.example/cb\n",
        "post_logout_redirect_uris": "", "alg": "ES256", "userinfo_format": "json",
        "is_active": "on"}, follow=True)
    assert response.status_code == 200
    client = OIDCClient.objects.get(client_id="hub-admin")
    shown = [str(m) for m in response.context["messages"]]
    secret = shown[0].split(" : ")[1].split(" ")[0]
    assert client.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    change = staff_client.get(reverse("admin:oidc_bridge_oidcclient_change", args=[client.pk]))
    assert client.secret_sha256 not in change.content.decode()
    response = staff_client.post(reverse("admin:oidc_bridge_oidcclient_changelist"), {
        "action": "rotate_secret", "_selected_action": [client.pk]}, follow=True)
    client.refresh_from_db()
    assert client.secret_rotated_at is not None
    assert Entry.objects.filter(event_type=EventType.CLIENT_SECRET_ROTATED).count() == 1


def test_admin_refuses_a_bad_redirect_uri(staff_client):
    response = staff_client.post(reverse("admin:oidc_bridge_oidcclient_add"), {
        "client_id": "hub-admin", "redirect_uris": "https://h.example/cb#x", "alg": "ES256",
        "userinfo_format": "json"})
    assert response.status_code == 200 and "fragment" in response.content.decode()
    assert not OIDCClient.objects.exists()
