"""`python -m bench load`: the load test of issue 8 (see bench/load.py)."""

from bench.load import run

__all__ = ["run"]
