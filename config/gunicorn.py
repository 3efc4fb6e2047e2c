"""gunicorn configuration of the production profile (`make serve`).

Loopback only: a TLS-terminating proxy (or nothing, on a single machine) sits in front. Sync
workers: each request is short and holds one database connection; the journal's sequencer runs
as its own process (`audit_sequencer`), never inside a worker.
"""

import os

bind = f"127.0.0.1:{int(os.environ.get('PORT', '8000'))}"
# At least 2, so one worker killed or busy printing a receipt never stops the service.
workers = max(2, int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) + 1)))
# Sync only, never threads: WeasyPrint (receipts) is not thread-safe; under gthread workers a
# worker printing receipts died of SIGABRT ("realloc(): invalid next size") in the load test.
worker_class = "sync"
# A receipt PDF takes well under a second; 30 s means a stuck worker, which is killed and
# replaced (its transaction is rolled back by PostgreSQL when the connection drops).
timeout = 30
graceful_timeout = 20
# Recycle workers now and then: bounds the effect of any slow leak.
max_requests = 2000
max_requests_jitter = 200
# Requests larger than this are refused by gunicorn itself (400) before reaching Django.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# X-Forwarded-* are trusted only from the local proxy.
forwarded_allow_ips = "127.0.0.1"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
proc_name = "procuration"


def post_worker_init(worker):
    """Move the objects loaded at start-up (Django, WeasyPrint, fonts) out of the collector's way.

    A full garbage collection over them took ~100 ms about once every 10 receipts and made the
    receipt p95 twice its p50; frozen objects are never scanned again (Python's gc.freeze docs).
    """
    import gc

    gc.freeze()
