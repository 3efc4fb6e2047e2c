"""`python -m config.dbcheck URL`: exit 0 if the PostgreSQL server behind URL answers, else 1.

Used by `make test` to decide whether the PostgreSQL pass can run. It connects to the `postgres`
maintenance database, since the test database itself is created by the test runner.
"""

import sys

import dj_database_url
import psycopg


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m config.dbcheck DATABASE_URL", file=sys.stderr)
        return 2
    cfg = dj_database_url.parse(argv[1])
    try:
        psycopg.connect(host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432,
                        user=cfg["USER"] or "postgres", password=cfg["PASSWORD"] or None,
                        dbname="postgres", connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL injoignable : {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
