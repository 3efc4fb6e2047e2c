"""CSRF on every state-changing view: each URL pattern of the project is POSTed without a token
by a logged-in staff member (who may reach everything). Only the listed protocol endpoints may
accept it; SECURITY.md says why each one is exempt."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.reliability.support import Unchanged

# (namespace:name) -> reason. Changing this list is a security decision: update SECURITY.md.
EXPECTED_EXEMPT = {
    "oidc_bridge:provider_token",        # client_secret_post, server to server (RFC 6749 2.3.1)
    "oidc_bridge:provider_userinfo",     # Bearer token, no cookie used (RFC 6750)
    "oidc_bridge:provider_end_session",  # RP-Initiated Logout 1.0: cross-site by design
    "fc_simulator:fc_token", "fc_simulator:fc_userinfo",    # simulator, development only
    "fc_simulator:hub_token", "fc_simulator:hub_userinfo",  # simulator, development only
}
SAMPLE_ARGS = {"int": "1", "str": "abc", "slug": "approve", "path": "x", "uuid":
               "00000000-0000-0000-0000-000000000000"}


def _route_to_path(route: str) -> str:
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_ARGS.get(m.group(1) or "str", "x"), route)


def all_patterns(resolver=None, prefix="", namespace=""):
    """(full path, "namespace:name", callback) for every URL pattern, admin included."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = ":".join(filter(None, [namespace, entry.namespace]))
            yield from all_patterns(entry, prefix + route, ns)
        elif isinstance(entry, URLPattern):
            if "(?P" in route or route.startswith("^"):
                continue  # admin's regex catch-alls (r"^(?P<app_label>...)/$")
            name = f"{namespace}:{entry.name}" if entry.name else f"{namespace}:{route}"
            yield "/" + _route_to_path(prefix + route), name, entry.callback


def test_exempt_views_are_exactly_the_protocol_endpoints():
    exempt = {name for _path, name, callback in all_patterns()
              if getattr(callback, "csrf_exempt", False)}
    assert exempt == EXPECTED_EXEMPT


@pytest.mark.django_db
def test_every_other_view_refuses_a_post_without_token(staff, login):
    client = login(Client(enforce_csrf_checks=True), staff)
    patterns = [(p, n) for p, n, cb in all_patterns() if not getattr(cb, "csrf_exempt", False)]
    assert len(patterns) > 60, len(patterns)  # the enumeration really walked the project
    with Unchanged():
        for path, name in patterns:
            response = client.post(path, {"confirm": "True", "reason": "x", "code": "123456"})
            assert response.status_code == 403, (name, path, response.status_code)
            assert "Formulaire expiré" in response.content.decode(), (name, path)


@pytest.mark.django_db
def test_a_post_with_a_token_from_another_session_is_refused(aidant, login):
    """A token an attacker got from their own session does not work in the victim's."""
    attacker = Client(enforce_csrf_checks=True)
    attacker.get("/connexion/")
    stolen = attacker.cookies["csrftoken"].value
    victim = login(Client(enforce_csrf_checks=True), aidant)
    with Unchanged():
        response = victim.post("/deconnexion/", {"csrfmiddlewaretoken": stolen})
    assert response.status_code == 403
    assert victim.session.get("_auth_user_id") == str(aidant.pk)
