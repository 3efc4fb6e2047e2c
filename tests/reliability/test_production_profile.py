"""The production profile: `manage.py check --deploy` in a subprocess, with the secrets
`make serve` generates. No error; the only warnings are those SECURITY.md explains."""

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from config import production_env, serve

ROOT = Path(__file__).resolve().parent.parent.parent
# Each one is explained in SECURITY.md, "Production profile" (the test checks it is there).
EXPLAINED_WARNINGS = {"security.W021"}           # HSTS preload: a deliberate choice
LOOPBACK_WARNINGS = EXPLAINED_WARNINGS | {"security.W008"}  # + no https redirect on loopback


def _check_deploy(environ: dict) -> tuple[int, set[str], str]:
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT,
                            env=environ, capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    return result.returncode, set(re.findall(r"\(([\w.]+\.[EW]\d{3})\)", output)), output


@pytest.fixture
def secrets_file(tmp_path):
    return tmp_path / "production.env"


@pytest.fixture
def base_environ(tmp_path):
    environ = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "PROCURATION_ENV", "DEBUG", "SECRET_KEY")}
    # check --deploy does not touch the database: a throwaway SQLite path is enough.
    environ["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    return environ


def test_generated_secrets_file_is_private_and_stable(secrets_file):
    first, created = production_env.ensure(secrets_file)
    assert created
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    again, created_again = production_env.ensure(secrets_file)
    assert not created_again and again == first  # never regenerated over existing keys
    assert len(first["SECRET_KEY"]) >= 50
    assert first["OIDC_SIGNING_KEYS"].count("BEGIN PRIVATE KEY") == 2
    assert set(first) >= {"FIELD_ENCRYPTION_KEYS", "AUDIT_CHECKPOINT_KEY", "RECEIPT_SEAL_KEY",
                          "RECEIPT_SEAL_CERT", "OIDC_PAIRWISE_SECRET"}


def test_make_serve_environment_passes_check_deploy(secrets_file, base_environ):
    environ = serve.production_environ(8123, base_environ, secrets_file)
    environ["DATABASE_URL"] = base_environ["DATABASE_URL"]
    code, ids, output = _check_deploy(environ)
    assert code == 0, output
    assert not {i for i in ids if ".E" in i}, output
    assert ids == LOOPBACK_WARNINGS, output


def test_production_defaults_behind_tls_proxy_leave_only_explained_warnings(
        secrets_file, base_environ):
    """The real deployment: the loopback relaxation removed, every default as shipped."""
    environ = {**base_environ, **production_env.ensure(secrets_file)[0],
               "PROCURATION_ENV": "production", "ALLOWED_HOSTS": "procuration.example",
               "SITE_URL": "https://procuration.example",
               "OIDC_ISSUER": "https://procuration.example"}
    code, ids, output = _check_deploy(environ)
    assert code == 0, output
    assert ids == EXPLAINED_WARNINGS, output


def test_production_refuses_to_start_without_secrets(base_environ):
    environ = {**base_environ, "PROCURATION_ENV": "production"}
    code, ids, output = _check_deploy(environ)
    assert code != 0
    assert {"procuration.E002", "procuration.E006", "mandates.E001", "oidc_bridge.E001"} <= ids


def test_every_allowed_warning_is_explained_in_security_md():
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    for warning in LOOPBACK_WARNINGS:
        assert f"`{warning}`" in text, warning


def test_gunicorn_config_is_loopback_sync_and_redundant(monkeypatch):
    import runpy

    monkeypatch.setenv("PORT", "8765")
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    config = runpy.run_path(str(ROOT / "config" / "gunicorn.py"))
    assert config["bind"] == "127.0.0.1:8765"
    assert config["workers"] >= 2
    assert config["worker_class"] == "sync"  # WeasyPrint is not thread-safe
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    assert runpy.run_path(str(ROOT / "config" / "gunicorn.py"))["workers"] == 2


def test_serve_relaxes_only_the_https_redirect(secrets_file, base_environ):
    environ = serve.production_environ(8123, base_environ, secrets_file)
    assert environ["PROCURATION_ENV"] == "production"
    assert environ["SECURE_SSL_REDIRECT"] == "false"
    assert environ["OIDC_ISSUER"].startswith("https://")
    assert environ["DEBUG"] == "false"
    for name in ("SECURE_COOKIES", "SECURE_HSTS_SECONDS", "FRANCECONNECT_SIMULATOR",
                 "BEHIND_TLS_PROXY"):
        assert name not in environ, name  # the production defaults apply
