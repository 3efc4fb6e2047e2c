"""The benchmark baseline of `bench_oidc`: panva's oidc-provider (tests/oidc_bridge/node).

`baseline_provider.mjs` registers one client, `CLIENT`, with `REDIRECT_URI` (our own benchmark
client uses the same URI), completes interactions at once and hands over its own per-request
timings at `/__bench/timings`.
"""

import secrets
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlencode

import requests

from bench.servers import query_of, stop

NODE_DIR = Path(__file__).resolve().parent.parent / "tests" / "oidc_bridge" / "node"
REDIRECT_URI = "https://rp.example/cb"
CLIENT = {"client_id": "bench", "client_secret": "bench-secret-bench-secret-bench-secret"}


def start(port: int) -> subprocess.Popen:
    if shutil.which("node") is None:
        raise FileNotFoundError("node is not on PATH")
    if not (NODE_DIR / "node_modules" / "oidc-provider").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True,
                       timeout=600, capture_output=True)
    process = subprocess.Popen(["node", "baseline_provider.mjs", str(port)], cwd=NODE_DIR,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if process.stdout.readline().strip() != "ready":
        stop(process)
        raise RuntimeError("oidc-provider did not start")
    return process


def _code(measure) -> str:
    query = urlencode({"response_type": "code", "client_id": "bench", "redirect_uri": REDIRECT_URI,
                       "scope": "openid profile", "state": secrets.token_hex(32),
                       "nonce": secrets.token_hex(32)})
    location = measure("GET", f"/auth?{query}").headers["location"]
    for _ in range(4):
        if location.startswith(REDIRECT_URI):
            return query_of(location)["code"]
        location = measure("GET", location).headers["location"]
    raise RuntimeError("oidc-provider did not return a code")


def flow(base: str) -> float:
    elapsed = 0.0
    with requests.Session() as http:
        def call(method, url, **kwargs):
            nonlocal elapsed
            response = http.request(method, base + url if url.startswith("/") else url,
                                    allow_redirects=False, **kwargs)
            elapsed += response.elapsed.total_seconds()
            return response

        code = _code(call)
        token = requests.post(base + "/token", data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
            **CLIENT})
        info = requests.get(base + "/me",
                            headers={"Authorization": f"Bearer {token.json()['access_token']}"})
        elapsed += token.elapsed.total_seconds() + info.elapsed.total_seconds()
        assert info.status_code == 200, info.text
    return elapsed * 1000


def mint_codes(base: str, count: int) -> list[str]:
    codes = []
    for _ in range(count):
        with requests.Session() as http:
            codes.append(_code(
                lambda method, url, _http=http: _http.request(
                    method, base + url if url.startswith("/") else url, allow_redirects=False)))
    return codes


def timings(base: str) -> list[tuple[int, int]]:
    """(start, duration) in ns of every request oidc-provider served (baseline_provider.mjs)."""
    text = requests.get(base + "/__bench/timings", timeout=30).text
    return [(int(start), int(duration)) for start, duration, _ in
            (line.split(" ", 2) for line in text.splitlines() if line.strip())]
