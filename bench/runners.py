"""Writer processes and threads for the journal benchmark: closed loop, open loop, alternation.

Each runner returns (transactions/s, latencies in s) of `work(i)` run by `writers` writers for
`seconds`; see `bench.bench_audit` for what is measured with them.
"""

import gc
import multiprocessing
import random
import statistics
import threading
import time

from django.db import connections

# Untimed transactions per forked writer before its open-loop schedule starts: past psycopg's
# prepare_threshold (5 runs, config.settings), so measured statements run prepared, as in a
# long-running worker, rather than the first ones paying the PREPARE.
WARM_UP = 10


def closed_loop(work, stop: float, offset: int) -> list[float]:
    """`work(i)` back to back until the monotonic clock reaches `stop`; the latencies in s."""
    mine, i = [], offset * 10_000_000
    while time.monotonic() < stop:
        start = time.perf_counter()
        work(i)
        mine.append(time.perf_counter() - start)
        i += 1
    return mine


def run_threads(writers: int, seconds: float, work) -> tuple[float, list[float]]:
    """Run `work(i)` in a loop on `writers` threads; (transactions/s, latencies in s)."""
    latencies: list[float] = []
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def loop(offset: int) -> None:
        mine = closed_loop(work, stop, offset)
        with lock:
            latencies.extend(mine)
        connections.close_all()

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(writers)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies) / (time.monotonic() - began), latencies


def forked(writers: int, loop) -> list[float]:
    """Run `loop(offset) -> latencies` in `writers` forked processes; all their latencies."""
    context = multiprocessing.get_context("fork")
    results = context.SimpleQueue()
    connections.close_all()  # a forked child must never reuse the parent's socket

    def child(offset: int) -> None:
        gc.freeze()  # as config.gunicorn's workers do: no collection walks the inherited heap
        mine = loop(offset)
        connections.close_all()
        results.put(mine)

    processes = [context.Process(target=child, args=(n,)) for n in range(writers)]
    for process in processes:
        process.start()
    latencies = [x for _ in processes for x in results.get()]
    for process in processes:
        process.join()
    return latencies


def run_processes(writers: int, seconds: float, work) -> tuple[float, list[float]]:
    """`run_threads` with one forked process per writer, as production gunicorn workers run.

    The rate is writers / mean latency (Little's law: each writer is always in a transaction),
    which leaves out the time the processes take to fork and connect.
    """
    stop = time.monotonic() + seconds  # CLOCK_MONOTONIC is system-wide: same in every child
    latencies = forked(writers, lambda offset: closed_loop(work, stop, offset))
    return writers / statistics.fmean(latencies), latencies


def run_paced(writers: int, seconds: float, work, *, rate: float) -> tuple[float, list[float]]:
    """Open loop: `writers` forked processes start `rate` transactions/s between them.

    Writer n starts its k-th transaction at `t0 + phase_n + k * writers / rate` (t0: once every
    writer has warmed up; phase_n: random in one interval), on the monotonic clock, so a late
    start never shifts the schedule; its latency runs from that scheduled start, so time spent
    waiting behind a slow transaction counts. Returns (offered rate, latencies).
    """
    interval = writers / rate
    count = max(1, round(seconds / interval))
    context = multiprocessing.get_context("fork")
    ready, finished = context.Barrier(writers), context.Barrier(writers)

    def loop(offset: int) -> list[float]:
        base = offset * 10_000_000
        # Connecting, and the first transactions of a forked child (copy-on-write page faults,
        # first calls), are start-up, not the steady state a served request sees.
        for k in range(count, count + WARM_UP):
            work(base + k)
        ready.wait()
        first = time.monotonic() + random.Random(offset).uniform(0, interval)
        mine = []
        for k in range(count):
            scheduled = first + k * interval
            delay = scheduled - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            work(base + k)
            mine.append(time.monotonic() - scheduled)
        finished.wait()  # a writer exiting (freeing its copied pages) must not stall the others
        return mine

    return rate, forked(writers, loop)


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98] if len(samples) > 1 else samples[0]


def alternate(writers: int, seconds: float, first, second, slices: int = 3,
              runner=run_threads):
    """Run both workloads in alternating slices so load drift on a shared box hits both."""
    results = ([0.0, []], [0.0, []])
    for _ in range(slices):
        for result, work in zip(results, (first, second), strict=True):
            rate, latencies = runner(writers, seconds / slices, work)
            result[0] += rate / slices
            result[1].extend(latencies)
    return results
