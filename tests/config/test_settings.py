"""The production profile: secure defaults, and start-up refused with unsafe values."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = ("import json, config.settings as s; print(json.dumps({k: getattr(s, k) for k in ["
         "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', "
         "'SECURE_SSL_REDIRECT', 'FRANCECONNECT_SIMULATOR', 'X_FRAME_OPTIONS']}))")


def run(args, **env):
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update(env)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_production_profile_is_secure_by_default():
    result = run(["-c", PROBE], PROCURATION_ENV="production")
    values = json.loads(result.stdout)
    assert values == {"DEBUG": False, "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True,
                      "SECURE_HSTS_SECONDS": 31536000, "SECURE_SSL_REDIRECT": True,
                      "FRANCECONNECT_SIMULATOR": False, "X_FRAME_OPTIONS": "DENY"}


def test_production_start_up_refuses_the_default_secret_key_and_debug():
    result = run(["manage.py", "check"], PROCURATION_ENV="production", DEBUG="true",
                 DATABASE_URL="sqlite:///:memory:")
    assert result.returncode != 0
    assert "procuration.E001" in result.stderr and "procuration.E002" in result.stderr
