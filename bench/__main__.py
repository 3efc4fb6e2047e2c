"""`python -m bench [NAME ...]`: run every benchmark module `bench/bench_*.py` (or those named).

Each module exposes `run()`, which prints its figures through `bench.common.emit`. Benchmarks use
the database in DATABASE_URL (PostgreSQL for `make bench`) and create their own tables/data.
"""

import importlib
import os
import pkgutil
import sys
from pathlib import Path


def _prepare_database() -> None:
    """Create and migrate the database of DATABASE_URL, so `make bench` works on a new machine.

    Modules that need a clean slate at scale (audit, desk, load) create their own databases.
    """
    from django.conf import settings
    from django.core.management import call_command

    from bench.common import ensure_database

    default = settings.DATABASES["default"]
    if default["ENGINE"].endswith("postgresql"):
        ensure_database(default)
    call_command("migrate", verbosity=0, interactive=False)


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Measure what production runs (the servers the OIDC and load benchmarks start already run
    # with DEBUG off): with DEBUG on, Django's debug cursor interpolates and logs every statement,
    # about 100 us of Python per query, more than the journal's whole INSERT.
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()
    _prepare_database()
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])
                   if m.name.startswith("bench_"))
    wanted = [n for n in names if not argv or any(a in n for a in argv)]
    for name in wanted:
        importlib.import_module(f"bench.{name}").run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
