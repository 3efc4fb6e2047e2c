"""Production refuses unsafe settings at start-up (system checks)."""

import pytest
from django.test import override_settings

from config.checks import production_settings_check

SAFE = {
    "PRODUCTION": True,
    "DEBUG": False,
    "SECRET_KEY": "p" * 64,
    "FRANCECONNECT_SIMULATOR": False,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SECURE_HSTS_SECONDS": 31536000,
    "AUDIT_CHECKPOINT_KEY": "a-real-key",
}


def ids(**overrides) -> set[str]:
    with override_settings(**{**SAFE, **overrides}):
        return {error.id for error in production_settings_check()}


def test_safe_production_settings_pass():
    assert ids() == set()


@pytest.mark.parametrize("overrides,error_id", [
    ({"DEBUG": True}, "procuration.E001"),
    ({"SECRET_KEY": "django-insecure-procuration-development-key-do-not-use-in-production"},
     "procuration.E002"),
    ({"SECRET_KEY": "short"}, "procuration.E002"),
    ({"FRANCECONNECT_SIMULATOR": True}, "procuration.E003"),
    ({"SESSION_COOKIE_SECURE": False}, "procuration.E004"),
    ({"CSRF_COOKIE_SECURE": False}, "procuration.E004"),
    ({"SECURE_HSTS_SECONDS": 0}, "procuration.E005"),
    ({"AUDIT_CHECKPOINT_KEY": "dev"}, "procuration.E006"),
])
def test_each_unsafe_setting_is_refused(overrides, error_id):
    assert error_id in ids(**overrides)


def test_development_is_not_checked():
    with override_settings(PRODUCTION=False, DEBUG=True):
        assert production_settings_check() == []


def test_check_is_registered_with_django():
    from django.core import checks

    assert production_settings_check in checks.registry.registry.get_checks()
