"""Shared helpers for benchmarks: scale, and the one JSON line each figure prints."""

import json
import os
import sys

SCALE = os.environ.get("BENCH_SCALE", "full")  # "small" must finish in under 5 minutes


def small() -> bool:
    return SCALE == "small"


def emit(name: str, value: float, unit: str, target: str, baseline: float | None = None) -> dict:
    """Print one figure as a JSON line; `ratio` = value / baseline when a baseline was measured."""
    line = {
        "name": name,
        "value": round(value, 3),
        "unit": unit,
        "baseline": round(baseline, 3) if baseline is not None else None,
        "ratio": round(value / baseline, 3) if baseline else None,
        "target": target,
    }
    print(json.dumps(line), flush=True)
    sys.stdout.flush()
    return line
