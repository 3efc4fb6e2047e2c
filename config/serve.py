"""`python -m config.serve` (`make serve`): the production profile on loopback.

PostgreSQL (`DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/procuration), gunicorn
(`config/gunicorn.py`, 127.0.0.1:$PORT), the journal's sequencer next to it, secrets from the
environment or `var/production.env` (generated on first run, `config.production_env`). Start-up
fails with the system checks' message if anything production requires is missing.

Loopback has no TLS, so two settings are relaxed here and only here (SECURITY.md, "Production
profile"): `SECURE_SSL_REDIRECT=false` (no https listener to redirect to; behind the TLS proxy
of a real deployment keep the default, true) and `SITE_URL` in http. Nothing else changes:
cookies stay `Secure` (browsers accept them from 127.0.0.1/localhost), HSTS stays on, the
simulator stays off, the OIDC issuer stays https.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import dj_database_url
import psycopg

from config import production_env

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/procuration"


def production_environ(port: int, base: dict[str, str] | None = None,
                       secrets_file: Path = production_env.DEFAULT_PATH) -> dict[str, str]:
    """The environment of the production processes: secrets, then loopback defaults."""
    environ = dict(os.environ if base is None else base)
    secrets, _created = production_env.ensure(secrets_file)
    for name, value in secrets.items():
        environ.setdefault(name, value)
    loopback = {
        "PROCURATION_ENV": "production", "DEBUG": "false",
        "DATABASE_URL": DEFAULT_DATABASE_URL, "DB_CONN_MAX_AGE": "60",
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "SITE_URL": f"http://127.0.0.1:{port}",
        "OIDC_ISSUER": f"https://127.0.0.1:{port}", "SECURE_SSL_REDIRECT": "false",
        "AUDIT_SEQUENCING": "process", "PORT": str(port),
    }
    for name, value in loopback.items():
        environ.setdefault(name, value)
    return environ


def _ensure_database(url: str) -> None:
    cfg = dj_database_url.parse(url)
    with psycopg.connect(host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432,
                         user=cfg["USER"] or "postgres", password=cfg["PASSWORD"] or None,
                         dbname="postgres", autocommit=True, connect_timeout=5) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                               [cfg["NAME"]]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def _manage(environ: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environ, check=True)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    environ = production_environ(port)
    if production_env.DEFAULT_PATH.exists():
        print(f"Secrets : {production_env.DEFAULT_PATH} (mode 0600, à sauvegarder à part).")
    _ensure_database(environ["DATABASE_URL"])
    try:
        _manage(environ, "check", "--deploy", "--fail-level", "ERROR")
        _manage(environ, "migrate", "--noinput")
        _manage(environ, "collectstatic", "--noinput", "--verbosity", "0")
    except subprocess.CalledProcessError as exc:
        print(f"Démarrage refusé : `manage.py {exc.cmd[2]}` a échoué.", file=sys.stderr)
        return 1
    sequencer = subprocess.Popen([sys.executable, "manage.py", "audit_sequencer"], cwd=ROOT,
                                 env=environ)
    print(f"Procuration (production) sur http://127.0.0.1:{port}/ – Ctrl+C pour arrêter.")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py",
                               "config.wsgi:application"], cwd=ROOT, env=environ)
    # SIGTERM (a supervisor, `kill`) stops like Ctrl+C: gunicorn and the sequencer both end.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for process in (server, sequencer):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # graceful: finish requests in flight
        for process in (server, sequencer):
            process.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
