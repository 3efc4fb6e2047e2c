"""`python -m bench [NAME ...]`: run every benchmark module `bench/bench_*.py` (or those named).

Each module exposes `run()`, which prints its figures through `bench.common.emit`. Benchmarks use
the database in DATABASE_URL (PostgreSQL for `make bench`) and create their own tables/data.
"""

import importlib
import os
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])
                   if m.name.startswith("bench_"))
    wanted = [n for n in names if not argv or any(a in n for a in argv)]
    for name in wanted:
        importlib.import_module(f"bench.{name}").run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
