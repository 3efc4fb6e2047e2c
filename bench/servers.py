"""The servers a benchmark starts on loopback: a free port, waiting until one answers, stopping it.

Shared by `bench_oidc`, `load` and `faults`.
"""

import socket
import subprocess
import time
from urllib.parse import parse_qs, urlsplit

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    """Until GET `url` answers 200; fails at once if `process` exits, after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if requests.get(url, timeout=10).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise TimeoutError(url)


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM, then SIGKILL if it is still running after `timeout` s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def query_of(location: str) -> dict:
    """The query parameters of a redirect's `Location`, one value each."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
