"""Identity provider benchmark (issue 5): one delegated login, and token-endpoint throughput.

Ours: gunicorn, 2 sync workers, on the PostgreSQL of DATABASE_URL, persistent DB connections.
Baseline: panva's `oidc-provider` (node, one process, in-memory adapter, minimal configuration,
interactions completed at once), started from tests/oidc_bridge/node in the same run. Figures:

- `oidc_flow_server_ms`: median server time of one full delegated login with the aidant already
  logged in: the sum, over the flow's requests, of the time the server itself took for each,
  by its own clock (ours: `bench/gunicorn_timed.py`, from gunicorn handing the parsed request to
  the worker until the worker is done with it; the baseline: from node's request event until the
  response finished). Our flow is authorize (which shows the usager page), the choice POST that
  issues the code, token and userinfo: 4 requests, the usager's mandate covering one démarche;
  oidc-provider's is authorize, interaction, resume, token, userinfo: 5, with no choice pages.
- `oidc_flow_client_ms`: the same flows as the Python client sees them (the summed latencies
  `requests` reports). It adds the client's own work and its share of the 2 cores, which the
  server waits behind when both want one: reported, no target.
- `oidc_token_rps`: token endpoint requests per second with 8 concurrent connections, each
  request a fresh code (codes are minted just before, untimed: ours in-process through the
  service, the baseline's through its own authorize flow), sent by `bench.loadgen` (raw
  sockets, prepared bytes). The load generator shares the 2 cores with the server: the
  `requests` client used before (8 threads) spent about a core of its own and capped any server
  near 450 req/s (discovery, which does nothing, measured 430-500 req/s with it and ~1,900 with
  wrk), so it measured itself.
- `oidc_token_rps_python_client`: the same with that `requests` client, kept as a reference.

The journal is sequenced by a separate process (`AUDIT_SEQUENCING=process`), as deployed.
`make bench` runs this after benchmarks that write millions of rows: PostgreSQL is checkpointed
and its autovacuum workers are let finish (60 s at most) before anything is measured.

If node or the baseline cannot run, our figures are printed with `baseline: null` and a note on
stderr.
"""

import bisect
import gc
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from bench import loadgen
from bench import oidc_baseline as baseline
from bench.common import emit, quiesce, small
from bench.load import CHOICE_FORM
from bench.oidc_baseline import REDIRECT_URI
from bench.servers import free_port, query_of, stop, wait_ready

ROOT = Path(__file__).resolve().parent.parent
CONCURRENCY = 8
WARM_UP = 20


# ---------------------------------------------------------------- ours: data and server

def _setup_data(issuer: str) -> dict:
    """A structure, a logged-in aidant (session in the DB), a usager with a mandate, a client."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.management import call_command
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY

    from aidants import auth_session
    from aidants.sessions import SessionStore
    from audit.actor import Actor
    from oidc_bridge.services import oidc_client_register
    from tests import factories

    call_command("migrate", verbosity=0)
    organisation = factories.OrganisationFactory(siret=factories.valid_siret())
    aidant = factories.AidantFactory(structure=organisation,
                                     email=f"bench-{secrets.token_hex(6)}@bench.example")
    device = factories.TOTPDeviceFactory(user=aidant)
    usager = factories.UsagerFactory(fc_sub=secrets.token_hex(32) + "v1")
    factories.MandateFactory(organisation=organisation, usager=usager, demarches=["social"],
                             created_by=aidant,
                             short_code=f"B{secrets.token_hex(5)}",
                             created_at=timezone.now())
    client_id = f"bench-{secrets.token_hex(4)}"
    client, secret = oidc_client_register(client_id=client_id, redirect_uris=[REDIRECT_URI],
                                          actor=Actor.system("bench"))
    session = SessionStore()
    session[SESSION_KEY] = str(aidant.pk)
    session[BACKEND_SESSION_KEY] = "aidants.backends.AidantBackend"
    session[HASH_SESSION_KEY] = aidant.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    auth_session.mark_login(session)
    session.create()
    return {"aidant": aidant, "usager": usager, "client": client, "secret": secret,
            "session": session.session_key}


def _start_gunicorn(port: int, timings: str) -> subprocess.Popen:
    # AUDIT_SEQUENCING=process: as deployed, a separate `audit_sequencer` chains journal entries
    # in batches; the request only inserts its entry in the business transaction.
    env = {**os.environ, "OIDC_ISSUER": f"http://127.0.0.1:{port}", "DB_CONN_MAX_AGE": "60",
           "DEBUG": "false", "LOG_LEVEL": "WARNING", "AUDIT_SEQUENCING": "process",
           "BENCH_TIMINGS_DIR": timings}
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    # The production configuration (config/gunicorn.py: sync workers, gc.freeze after load)
    # with the server's clock added (bench/gunicorn_timed.py), and the 2 workers the issue states.
    return subprocess.Popen(
        [gunicorn, "config.wsgi:application", "-c", str(ROOT / "bench" / "gunicorn_timed.py"),
         "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL)


def _gunicorn_timings(folder: str) -> list[tuple[int, int]]:
    """(start, duration) in ns of every request the workers logged (bench/gunicorn_timed.py)."""
    records = []
    for name in os.listdir(folder):
        with open(os.path.join(folder, name), encoding="ascii") as log:
            records += [(int(start), int(duration)) for start, duration, _ in
                        (line.split(" ", 2) for line in log if line.strip())]
    return records


def _authorize_query(client_id: str) -> str:
    return urlencode({"response_type": "code", "client_id": client_id,
                      "redirect_uri": REDIRECT_URI, "scope": "openid profile email birth",
                      "state": secrets.token_hex(32), "nonce": secrets.token_hex(32),
                      "acr_values": "eidas1"})


def _our_flow(base: str, data: dict) -> float:
    """One delegated login; returns the summed request latencies in milliseconds."""
    elapsed = 0.0
    with requests.Session() as http:
        http.cookies.set("sessionid", data["session"])

        def call(method, url, *, browser=True, **kwargs):
            # The relying party calls token and userinfo itself, without the aidant's cookies.
            nonlocal elapsed
            response = (http if browser else requests).request(
                method, base + url if url.startswith("/") else url, allow_redirects=False,
                **kwargs)
            elapsed += response.elapsed.total_seconds()
            return response

        page = call("GET", f"/oidc/authorize?{_authorize_query(data['client'].client_id)}")
        url = CHOICE_FORM.search(page.text).group(1)  # authorize shows the usager page
        csrf = {"csrfmiddlewaretoken": http.cookies["csrftoken"]}
        # The usager's mandate covers one démarche: choosing the usager issues the code.
        code = query_of(call("POST", url, data={**csrf, "usager": data["usager"].pk})
                      .headers["location"])["code"]
        token = call("POST", "/oidc/token", browser=False, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
            "client_id": data["client"].client_id, "client_secret": data["secret"]}).json()
        info = call("GET", "/oidc/userinfo", browser=False,
                    headers={"Authorization": f"Bearer {token['access_token']}"})
        assert info.status_code == 200, info.text
    return elapsed * 1000


def _mint_our_codes(data: dict, count: int) -> list[str]:
    from django.utils import timezone

    from oidc_bridge.protocol.validation import parse_authorization_request
    from oidc_bridge.services import delegated_login_start

    codes = []
    for _ in range(count):
        params = dict(parse_qs(_authorize_query(data["client"].client_id)))
        request = parse_authorization_request({k: v[0] for k, v in params.items()}, REDIRECT_URI)
        code, _ = delegated_login_start(
            aidant=data["aidant"], client=data["client"], request=request,
            usager_id=data["usager"].pk, demarche="social", auth_time=timezone.now(),
            acr="eidas1", amr=["pwd", "otp"])
        codes.append(code)
    return codes


# ---------------------------------------------------------------- measurements

def _throughput(url: str, mint, total: int, client: dict, chunk: int = 100) -> float:
    """Token requests per second, CONCURRENCY at a time, each on a fresh code; all must succeed.

    Codes are minted in chunks just before they are redeemed (they live 60 s); only the
    redemption is timed.
    """
    duration = 0.0
    for start in range(0, total, chunk):
        forms = _token_forms(mint(min(chunk, total - start)), client)
        duration += _post_all(url, forms)
    return total / duration


def _post_all(url: str, forms: list[dict]) -> float:
    failures = []
    local = threading.local()

    def post(form):
        if not hasattr(local, "http"):
            local.http = requests.Session()
        response = local.http.post(url, data=form, timeout=30)
        if response.status_code != 200:
            failures.append(response.text[:200])

    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(post, forms))
    duration = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} token requests failed: {failures[0]}")
    return duration


def _lean_throughput(base: str, path: str, mint, total: int, client: dict,
                     chunk: int = 100) -> float:
    """Token requests per second through `bench.loadgen` (8 connections), each code redeemed
    once; all must succeed. Codes live 60 s, so they are minted (untimed) and redeemed in
    chunks; the rate is the codes over the summed redemption time."""
    parts = urlsplit(base)
    duration = 0.0
    for start in range(0, total, chunk):
        forms = _token_forms(mint(min(chunk, total - start)), client)
        elapsed, answers = loadgen.post_each(parts.hostname, parts.port, path,
                                             [urlencode(form).encode() for form in forms],
                                             concurrency=CONCURRENCY)
        failed = [body[:200] for status, body in answers if status != 200]
        if failed or len(answers) != len(forms):
            raise RuntimeError(f"{len(failed)} token requests failed: {failed[:1]}")
        duration += elapsed
    return total / duration


def _token_forms(codes, client: dict) -> list[dict]:
    return [{"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
             **client} for code in codes]


def _timed_flows(flow, count: int) -> list[tuple[int, int, float]]:
    """Run `flow()` `count` times: each run's monotonic window (ns) and client-side ms."""
    windows = []
    for _ in range(count):
        start = time.monotonic_ns()
        client_ms = flow()
        windows.append((start, time.monotonic_ns(), client_ms))
    return windows


def _server_ms(windows, records, per_flow: int) -> list[float]:
    """Per flow, the summed server durations (ms) of the requests that started in its window.

    Every flow must own exactly `per_flow` requests: anything else means the attribution (or
    the server's clock) is wrong, and no figure is better than a wrong one.
    """
    starts = [start for start, _, _ in windows]
    sums, counts = [0] * len(windows), [0] * len(windows)
    for start, duration in records:
        index = bisect.bisect_right(starts, start) - 1
        if index >= 0 and start <= windows[index][1]:
            sums[index] += duration
            counts[index] += 1
    if set(counts) != {per_flow}:
        raise RuntimeError(f"server timings: {sorted(set(counts))} requests per flow, "
                           f"expected {per_flow}")
    return [total / 1e6 for total in sums]


def _flow_figures(windows, records, per_flow: int) -> tuple[float, float]:
    """(median server ms, median client ms) of the measured flows."""
    server = statistics.median(_server_ms(windows, records, per_flow))
    return server, statistics.median(client for _, _, client in windows)


def _measure_ours(flows: int, tokens: int) -> tuple[float, ...]:
    port = free_port()
    data = _setup_data(f"http://127.0.0.1:{port}")
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as timings:
        server = _start_gunicorn(port, timings)
        try:
            wait_ready(f"{base}/.well-known/openid-configuration", server)
            # Warm-up to steady state, as a server that has been up a while: imports, keys,
            # each worker's connection and its prepared statements (psycopg prepares a
            # statement the 5th time a connection runs it; the 2 workers share the requests).
            for _ in range(WARM_UP):
                _our_flow(base, data)
            windows = _timed_flows(lambda: _our_flow(base, data), flows)
            client = {"client_id": data["client"].client_id, "client_secret": data["secret"]}
            python_rps = _throughput(f"{base}/oidc/token", lambda n: _mint_our_codes(data, n),
                                     tokens // 4, client)
            rps = _lean_throughput(base, "/oidc/token", lambda n: _mint_our_codes(data, n),
                                   tokens, client)
        finally:
            stop(server)
        server_ms, client_ms = _flow_figures(windows, _gunicorn_timings(timings), per_flow=4)
    return server_ms, client_ms, rps, python_rps


def _measure_baseline(flows: int, tokens: int) -> tuple[float | None, ...]:
    port = free_port()
    try:
        server = baseline.start(port)
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        print(f"bench_oidc: baseline oidc-provider unavailable ({exc}); baseline null",
              file=sys.stderr)
        return None, None, None, None
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(WARM_UP):
            baseline.flow(base)
        windows = _timed_flows(lambda: baseline.flow(base), flows)
        server_ms, client_ms = _flow_figures(windows, baseline.timings(base), per_flow=5)
        python_rps = _throughput(f"{base}/token", lambda n: baseline.mint_codes(base, n),
                                 tokens // 4, baseline.CLIENT)
        rps = _lean_throughput(base, "/token", lambda n: baseline.mint_codes(base, n), tokens,
                               baseline.CLIENT)
    except (requests.RequestException, RuntimeError, KeyError, AssertionError,
            OSError, subprocess.SubprocessError) as exc:
        print(f"bench_oidc: baseline run failed ({exc}); baseline null", file=sys.stderr)
        return None, None, None, None
    finally:
        stop(server)
    return server_ms, client_ms, rps, python_rps


def run() -> None:
    from django.db import connection

    flows, tokens = (100, 1000) if small() else (200, 3000)
    if connection.vendor == "postgresql":
        quiesce(connection.settings_dict)
    # The load generator runs in this process, after the benchmarks before it in `make bench`
    # filled its heap: keep the cycle collector from pausing it over objects that will not die
    # (Python's gc.freeze docs). The baseline is driven by the same client.
    gc.collect()
    gc.freeze()
    server_ms, client_ms, rps, python_rps = _measure_ours(flows, tokens)
    base_server_ms, base_client_ms, base_rps, base_python_rps = _measure_baseline(flows, tokens)
    emit("oidc_flow_server_ms", server_ms, "ms", "<= 20", baseline=base_server_ms)
    emit("oidc_flow_client_ms", client_ms, "ms", "report (adds the Python client's own time)",
         baseline=base_client_ms)
    emit("oidc_token_rps", rps, "req/s", ">= 400", baseline=base_rps)
    emit("oidc_token_rps_python_client", python_rps, "req/s", "report (client-bound)",
         baseline=base_python_rps)
