"""gunicorn configuration for `bench_oidc`: the production one, plus the server's own clock.

Each worker appends one line per request to `$BENCH_TIMINGS_DIR/<pid>`: the monotonic time the
request reached the worker (after gunicorn parsed it), how long the worker took until it was
done with it (environ, Django, writing the response, closing it: from `pre_request` to
`post_request`), and the path, all in nanoseconds. CLOCK_MONOTONIC is system-wide, so the
benchmark assigns each line to the flow whose window holds its start. The line is written after
the duration is taken, so writing it is not counted.
"""

import os
import time

from config.gunicorn import *  # noqa: F403 - the production settings, unchanged

_DIR = os.environ["BENCH_TIMINGS_DIR"]


def pre_request(worker, req):
    worker.bench_started = time.monotonic_ns()


def post_request(worker, req, environ, resp):
    done = time.monotonic_ns()
    started = getattr(worker, "bench_started", done)
    if not hasattr(worker, "bench_log"):
        # One unbuffered append-only descriptor per worker: a line is one write(2), so it is on
        # disk however the worker ends (a stopped worker leaves no buffer behind).
        worker.bench_log = os.open(os.path.join(_DIR, str(os.getpid())),
                                   os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.write(worker.bench_log, f"{started} {done - started} {req.path}\n".encode("ascii"))
