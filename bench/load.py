"""Load test (issue 8): simulated aidants against gunicorn + PostgreSQL, loopback only.

`python -m bench load` (wrapper `bench/bench_load.py`). A dedicated database
(`procuration_bench_load`, recreated each run, dropped unless BENCH_KEEP=1) holds structures of
3 aidants, each with a TOTP app (the factory key: codes are computed like the phone would) and
one mandate, and a relying party registered with our identity provider. gunicorn serves the app
and the FranceConnect simulator (4 sync workers, `config/gunicorn.py`); a second gunicorn
answers the app's server-to-server calls to the simulator (see `start_servers`); the journal's
`audit_sequencer` runs beside them.

Each simulated aidant logs in (password + TOTP code), then loops until the deadline or the
request budget, picking: create a mandate through the wizard with FranceConnect (the usager
picks a simulated identity), download a receipt, or do a delegated login (authorize, usager,
démarche when several, then token and userinfo as the relying party). Every ~35 s it logs out
and in again (a TOTP code is single use per time step).

Journal accounting, exact per successful action (checked after the run, see `ENTRIES`):
- login: `aidant.login_succeeded`; re-login adds `aidant.logout`;
- mandate creation: `oidc.fc_login_started`, `oidc.fc_login_succeeded`,
  `mandate.usager_identified`, `mandate.created` (each creation uses a (usager, démarche)
  pair new to its structure, so nothing is superseded);
- receipt: `mandate.receipt_printed`;
- delegated login: `oidc.delegated_login`, `oidc.token_issued`.
After the run: `audit_verify` must pass and the journal must hold exactly the sum.

Figures: throughput (requests/s, actions/s), p50/p95/p99 latency of single requests, errors.
BENCH_SCALE=small: 20 aidants for 15 s (well under 90 s with set-up); full: 60 aidants, 60 s.
"""

import itertools
import os
import random
import re
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import dj_database_url
import psycopg
import requests

from bench.common import emit, small
from bench.servers import free_port, stop, wait_ready

CHOICE_FORM = re.compile(r'<form method="post" action="([^"]+/usager)"')

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = os.environ.get("BENCH_LOAD_DB", "procuration_bench_load")
REDIRECT_URI = "https://rp.example/cb"
CITIZENS = ["angela", "jean-francois", "helene", "youssef", "marie-ange", "zoe"]
PER_STRUCTURE = 3
ENTRIES = {
    "login": ["aidant.login_succeeded"],
    "relogin": ["aidant.logout", "aidant.login_succeeded"],
    "mandate": ["oidc.fc_login_started", "oidc.fc_login_succeeded", "mandate.usager_identified",
                "mandate.created"],
    "receipt": ["mandate.receipt_printed"],
    "delegated": ["oidc.delegated_login", "oidc.token_issued"],
}
WEIGHTS = {"mandate": 2, "receipt": 3, "delegated": 3}
RELOGIN_AFTER = 35.0  # seconds: past one TOTP step, so the new code is accepted


class ActionFailed(RuntimeError):
    pass


@dataclass
class Recorder:
    """Thread-safe tallies: request latencies, successful and failed actions."""

    latencies: list = field(default_factory=list)
    done: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)
    failures: list = field(default_factory=list)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def request(self, seconds: float) -> int:
        with self.lock:
            self.latencies.append(seconds * 1000)
            self.requests += 1
            return self.requests

    def action(self, name: str, error: str | None = None) -> None:
        with self.lock:
            if error is None:
                self.done[name] += 1
            else:
                self.failed[name] += 1
                if len(self.failures) < 5:
                    self.failures.append(f"{name}: {error}")


class Combos:
    """Per structure, (usager, démarche) pairs not used yet: no creation supersedes another."""

    def __init__(self, demarches: list[str]):
        self._pairs: dict[int, list] = {}
        self._all = list(itertools.product(CITIZENS, demarches))
        self._lock = threading.Lock()

    def take(self, structure_id: int) -> tuple[str, str] | None:
        with self._lock:
            pairs = self._pairs.setdefault(structure_id, random.sample(self._all, len(self._all)))
            return pairs.pop() if pairs else None


# ---------------------------------------------------------------- database and servers

def _admin(url: str) -> psycopg.Connection:
    cfg = dj_database_url.parse(url)
    return psycopg.connect(host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432,
                           user=cfg["USER"] or "postgres", password=cfg["PASSWORD"] or None,
                           dbname="postgres", autocommit=True)


def _bench_url() -> str:
    from django.conf import settings

    default = settings.DATABASES["default"]
    if not default["ENGINE"].endswith("postgresql"):
        raise SystemExit("bench load: PostgreSQL required (DATABASE_URL=postgres://...)")
    return (f"postgres://{default['USER'] or 'postgres'}@{default['HOST'] or '127.0.0.1'}:"
            f"{default['PORT'] or 5432}/{BENCH_DB}")


def _use_database(url: str, *, recreate: bool) -> None:
    """Point this process's Django connection at `url` (recreating the database first)."""
    from django.db import connection

    connection.close()
    if recreate:
        with _admin(url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{BENCH_DB}"')
    connection.settings_dict["NAME"] = dj_database_url.parse(url)["NAME"]


@dataclass(frozen=True)
class Account:
    email: str
    structure_id: int
    mandate_id: int
    usager_id: int


def seed(aidants: int) -> tuple[list[Account], dict]:
    """Structures of PER_STRUCTURE aidants, one mandate each; a relying party."""
    from django.core.management import call_command
    from django.utils import timezone

    from audit.actor import Actor
    from oidc_bridge.services import oidc_client_register
    from tests import factories

    call_command("migrate", verbosity=0)
    accounts = []
    for index in range(aidants):
        if index % PER_STRUCTURE == 0:
            organisation = factories.OrganisationFactory()
        aidant = factories.AidantFactory(structure=organisation,
                                         email=f"charge{index}@bench.example")
        factories.TOTPDeviceFactory(user=aidant)
        mandate = factories.MandateFactory(
            organisation=organisation, created_by=aidant, demarches=["social"],
            usager=factories.UsagerFactory(fc_sub=secrets.token_hex(32) + "v1"),
            short_code=f"L{index:07d}", created_at=timezone.now())
        accounts.append(Account(aidant.email, organisation.pk, mandate.pk, mandate.usager_id))
    client, secret = oidc_client_register(client_id="bench-rp", redirect_uris=[REDIRECT_URI],
                                          actor=Actor.system("bench"))
    return accounts, {"client_id": client.client_id, "client_secret": secret}


def _server_env(url: str, port: int) -> dict:
    return {**os.environ, "DATABASE_URL": url, "SITE_URL": f"http://127.0.0.1:{port}",
            "OIDC_ISSUER": f"http://127.0.0.1:{port}", "DEBUG": "false", "LOG_LEVEL": "WARNING",
            "DB_CONN_MAX_AGE": os.environ.get("BENCH_DB_CONN_MAX_AGE", "60"),
            "AUDIT_SEQUENCING": "process", "PORT": str(port)}


def start_servers(url: str, port: int, simulator_port: int, *,
                  workers: int = 4) -> list[subprocess.Popen]:
    """The app on `port`; a second gunicorn (same settings) on `simulator_port` that receives the
    app's server-to-server calls to the FranceConnect simulator, through `HTTP_PROXY`.

    In production FranceConnect is another service; with the simulator inside the app, a sync
    worker calling its own gunicorn can wait for a worker that is itself waiting (all workers
    in the FranceConnect callback: deadlock until the 10 s timeout, measured). Threads are no
    way out: WeasyPrint is not thread-safe (a gthread worker printing receipts died of SIGABRT,
    "realloc(): invalid next size", in our first run).
    """
    env = _server_env(url, port)
    command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py",
               "config.wsgi:application"]
    simulator = subprocess.Popen(
        [*command, "--workers", "2", "--bind", f"127.0.0.1:{simulator_port}"], cwd=ROOT,
        env=env, stdout=subprocess.DEVNULL)
    # requests honours HTTP_PROXY for http:// URLs: the calls to 127.0.0.1:port/simulateur/...
    # go to the simulator's gunicorn in absolute form (Host unchanged, so SITE_URL matches).
    app_env = {**env, "HTTP_PROXY": f"http://127.0.0.1:{simulator_port}", "NO_PROXY": "",
               "http_proxy": f"http://127.0.0.1:{simulator_port}", "no_proxy": ""}
    server = subprocess.Popen([*command, "--workers", str(workers)], cwd=ROOT, env=app_env,
                              stdout=subprocess.DEVNULL)
    sequencer = subprocess.Popen([sys.executable, "manage.py", "audit_sequencer"], cwd=ROOT,
                                 env=env, stdout=subprocess.DEVNULL)
    return [server, simulator, sequencer]


def manage(url: str, port: int, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True,
                          text=True, env=_server_env(url, port), timeout=300)


# ---------------------------------------------------------------- one simulated aidant

def totp_now() -> str:
    from django_otp.oath import TOTP

    return f"{TOTP(bytes(range(20)), 30, 0, 6, 0).token():06d}"


def _query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


class VirtualAidant:
    def __init__(self, base: str, account: Account, rp: dict, recorder: Recorder,
                 combos: Combos, budget: int):
        self.base, self.account, self.rp = base, account, rp
        self.recorder, self.combos, self.budget = recorder, combos, budget
        self.http = requests.Session()
        self.logged_in_at = 0.0

    def call(self, method: str, url: str, *, expect=(200, 302), browser=True, **kwargs):
        url = self.base + url if url.startswith("/") else url
        started = time.perf_counter()
        response = (self.http if browser else requests).request(
            method, url, allow_redirects=False, timeout=30, **kwargs)
        count = self.recorder.request(time.perf_counter() - started)
        if count > self.budget:
            raise TimeoutError("request budget reached")
        if response.status_code not in expect:
            raise ActionFailed(f"{method} {urlsplit(url).path} -> {response.status_code}")
        return response

    def post(self, url: str, data: dict, **kwargs):
        return self.call("POST", url, data={**data, "csrfmiddlewaretoken":
                                            self.http.cookies.get("csrftoken", "")}, **kwargs)

    def login(self) -> None:
        self.call("GET", "/connexion/")
        step = self.post("/connexion/", {"username": self.account.email,
                                         "password": "motdepasse-de-test-2026"}, expect=(302,))
        if not step.headers["Location"].endswith("/connexion/code/"):
            raise ActionFailed("password refused")
        done = self.post("/connexion/code/", {"code": totp_now()}, expect=(302,))
        if "/connexion" in done.headers["Location"]:
            raise ActionFailed("code refused")
        self.logged_in_at = time.monotonic()

    def relogin(self) -> None:
        self.post("/deconnexion/", {}, expect=(302,))
        self.login()

    def mandate(self) -> bool:
        combo = self.combos.take(self.account.structure_id)
        if combo is None:
            return False
        citizen, demarche = combo
        self.call("GET", "/mandats/nouveau/")
        self.post("/mandats/nouveau/", {"demarches": demarche, "duration": "1m"}, expect=(302,))
        authorize = self.call("GET", "/franceconnect/connexion/", expect=(302,)).headers["Location"]
        self.call("GET", authorize)
        callback = self.post(urlsplit(authorize).path, {**_query(authorize), "citizen": citizen},
                             expect=(302,)).headers["Location"]
        end_session = self.call("GET", callback, expect=(302,)).headers["Location"]
        back = self.call("GET", end_session, expect=(302,)).headers["Location"]
        recap = self.call("GET", back, expect=(302,)).headers["Location"]
        if not recap.endswith("/mandats/nouveau/recapitulatif/"):
            raise ActionFailed(f"FranceConnect did not lead to the recap: {recap}")
        self.call("GET", recap)
        created = self.post(recap, {"usager_consent": "on", "aidant_consent": "on"},
                            expect=(302,)).headers["Location"]
        if not re.search(r"/mandats/\d+/$", created):
            raise ActionFailed(f"recap did not create: {created}")
        return True

    def receipt(self) -> bool:
        response = self.call("GET", f"/mandats/{self.account.mandate_id}/recepisse.pdf")
        if not response.content.startswith(b"%PDF"):
            raise ActionFailed("not a PDF")
        return True

    def delegated(self) -> bool:
        query = urlencode({"response_type": "code", "client_id": self.rp["client_id"],
                           "redirect_uri": REDIRECT_URI, "scope": "openid profile email birth",
                           "state": secrets.token_hex(32), "nonce": secrets.token_hex(32),
                           "acr_values": "eidas1"})
        page = self.call("GET", f"/oidc/authorize?{query}", expect=(200,)).text
        url = CHOICE_FORM.search(page).group(1)  # authorize shows the usager page itself
        url = self.post(url, {"usager": self.account.usager_id}, expect=(302,)).headers["Location"]
        if url.endswith("/demarche"):  # only when several démarches are usable
            self.call("GET", url)
            url = self.post(url, {"demarche": "social"}, expect=(302,)).headers["Location"]
        code = _query(url)["code"]
        token = self.call("POST", "/oidc/token", browser=False, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
            **self.rp}).json()
        self.call("GET", "/oidc/userinfo", browser=False,
                  headers={"Authorization": f"Bearer {token['access_token']}"})
        return True

    def run(self, deadline: float) -> None:
        names = [n for n, w in WEIGHTS.items() for _ in range(w)]
        if not self._attempt("login", self.login):
            return
        while time.monotonic() < deadline:
            if time.monotonic() - self.logged_in_at > RELOGIN_AFTER:
                if not self._attempt("relogin", self.relogin):
                    return
                continue
            self._attempt(random.choice(names))

    def _attempt(self, name: str, action=None) -> bool:
        try:
            ran = (action or getattr(self, name))()
        except TimeoutError:
            return False
        except (ActionFailed, requests.RequestException, KeyError, ValueError) as exc:
            self.recorder.action(name, f"{type(exc).__name__}: {exc}")
            return False
        if ran is not False:
            self.recorder.action(name)
        return True


# ---------------------------------------------------------------- run and report

def drive(base: str, accounts: list[Account], rp: dict, seconds: float, budget: int,
          demarches: list[str]) -> tuple[Recorder, float]:
    recorder, combos = Recorder(), Combos(demarches)
    deadline = time.monotonic() + seconds
    aidants = [VirtualAidant(base, a, rp, recorder, combos, budget) for a in accounts]
    threads = [threading.Thread(target=a.run, args=(deadline,), daemon=True) for a in aidants]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    return recorder, time.perf_counter() - started


def expected_entries(done: Counter) -> Counter:
    expected = Counter()
    for action, count in done.items():
        for event in ENTRIES[action]:
            expected[event] += count
    return expected


def journal_since(url: str, last_pk: int) -> Counter:
    with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
        rows = conn.execute("SELECT event_type, count(*) FROM audit_entry WHERE id > %s "
                            "GROUP BY event_type", [last_pk]).fetchall()
    return Counter(dict(rows))


def last_entry_pk(url: str) -> int:
    with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
        return conn.execute("SELECT coalesce(max(id), 0) FROM audit_entry").fetchone()[0]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else 0.0


def report(recorder: Recorder, elapsed: float, journal_ok: bool, expected: Counter,
           found: Counter) -> None:
    total_actions = sum(recorder.done.values())
    emit("load_aidants", float(LOAD_USERS), "users", ">= 50 (full)")
    emit("load_requests_per_s", recorder.requests / elapsed, "req/s", "informative")
    emit("load_actions_per_s", total_actions / elapsed, "actions/s", "informative")
    for q in (50, 95, 99):
        emit(f"load_latency_p{q}", percentile(recorder.latencies, q / 100), "ms",
             "p95 < 500 ms" if q == 95 else "informative")
    emit("load_errors", sum(recorder.failed.values()), "errors", "0")
    for action in ENTRIES:
        emit(f"load_done_{action}", recorder.done[action], "actions", "informative")
    emit("load_audit_verify_ok", 1.0 if journal_ok else 0.0, "bool", "1")
    emit("load_journal_entries", sum(found.values()), "entries",
         f"== {sum(expected.values())} (expected from successful actions)")
    emit("load_journal_matches_actions", 1.0 if found == expected else 0.0, "bool", "1")
    if recorder.failures:
        print("bench load: first failures: " + " | ".join(recorder.failures), file=sys.stderr)
    if found != expected:
        print(f"bench load: journal {dict(found)} != expected {dict(expected)}", file=sys.stderr)


LOAD_USERS = 20 if small() else 60


def run() -> None:
    from aidants.demarches import CATALOGUE

    seconds, budget = (15, 6000) if small() else (60, 60000)
    url = _bench_url()
    original = dj_database_url.parse(os.environ.get("DATABASE_URL", ""))["NAME"]
    _use_database(url, recreate=True)
    port, simulator_port = free_port(), free_port()
    try:
        accounts, rp = seed(LOAD_USERS)
        baseline = last_entry_pk(url)
        processes = start_servers(url, port, simulator_port)
        try:
            wait_ready(f"http://127.0.0.1:{port}/connexion/", processes[0])
            wait_ready(f"http://127.0.0.1:{simulator_port}/connexion/", processes[1])
            recorder, elapsed = drive(f"http://127.0.0.1:{port}", accounts, rp, seconds, budget,
                                      list(CATALOGUE))
        finally:
            for process in processes:
                stop(process)
        manage(url, port, "audit_sequencer", "--once")
        verdict = manage(url, port, "audit_verify")
        print(f"bench load: audit_verify: {verdict.stdout.strip()}", file=sys.stderr)
        found = journal_since(url, baseline)
        report(recorder, elapsed, verdict.returncode == 0, expected_entries(recorder.done),
               found)
    finally:
        _use_database(url.rsplit("/", 1)[0] + "/" + original, recreate=False)
        if not os.environ.get("BENCH_KEEP"):
            with _admin(url) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')

