"""The simulator never runs in production: refused at start-up, and not mounted when off."""

import importlib

import pytest
from django.core.checks import run_checks
from django.urls import NoReverseMatch, Resolver404, clear_url_caches, resolve, reverse

import config.urls


def reload_urls():
    clear_url_caches()
    importlib.reload(config.urls)
    clear_url_caches()


def test_production_with_simulator_fails_the_system_check(settings):
    settings.PRODUCTION = True
    settings.FRANCECONNECT_SIMULATOR = True
    ids = {message.id for message in run_checks()}
    assert "procuration.E003" in ids
    settings.FRANCECONNECT_SIMULATOR = False
    assert "procuration.E003" not in {message.id for message in run_checks()}


def test_simulator_urls_absent_when_off(settings):
    settings.FRANCECONNECT_SIMULATOR = False
    try:
        reload_urls()
        for path in ("/simulateur/caf/", "/simulateur/franceconnect/api/v2/token",
                     "/simulateur/hub/api/v2/authorize"):
            with pytest.raises(Resolver404):
                resolve(path)
        with pytest.raises(NoReverseMatch):
            reverse("fc_simulator:caf_index")
        # Our FranceConnect client stays: it talks to the real FranceConnect then.
        assert resolve("/franceconnect/retour/").view_name == "oidc_bridge:fc_callback"
    finally:
        settings.FRANCECONNECT_SIMULATOR = True
        reload_urls()
    assert resolve("/simulateur/caf/").view_name == "fc_simulator:caf_index"
