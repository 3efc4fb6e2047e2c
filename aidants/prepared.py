"""Querysets compiled once per process, run many times with new values.

Three ways to run one: `exists()`, `rows()` (a `values_list()` queryset's plain columns) and
`one()` (a model queryset on a unique key: its instance, built as the ORM builds it).

Why: on the delegated-login path (issue 5: a whole login in <= 20 ms of server time) the ORM
spent more time compiling some querysets than PostgreSQL spent answering them (3.5 ms of Python
for the nested EXISTS of `is_habilitated`, 0.1 ms in the database). A `Prepared` keeps the
queryset as the one definition of the query: it builds it once with sentinel values, compiles it,
finds where the sentinels landed among the parameters, and at each call only swaps in the real
values. Only integer, string and datetime parameters compared as they are (no lookup that
rewrites them, like `icontains`) are supported; anything else is refused when the query is first
compiled, never silently mis-bound.
"""

from collections.abc import Callable
from datetime import UTC, datetime

from django.db import connection
from django.db.models import QuerySet

_INT_BASE = -7_390_000_000_000  # never a primary key
_DATETIME_BASE = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)


def as_pk(value) -> int | None:
    """`value` (a session field, a form field, a URL part) as a primary key, or None when it is
    not one: a positive integer that fits a BIGINT (PostgreSQL refuses anything larger)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


class PreparedError(RuntimeError):
    """The queryset does not compile to a statement whose parameters can be swapped."""


class Prepared:
    """`build(**values)` compiled once: `exists(**values)` or `rows(**values)`.

    `kinds` names each parameter's type, "int", "str" or "datetime". The compiled statement is
    kept per database vendor (the test suite runs one engine per process).
    """

    def __init__(self, build: Callable[..., QuerySet], **kinds: str):
        self.build = build
        self.kinds = kinds
        self._compiled: dict[tuple[str, str], tuple[str, list, list]] = {}

    def _sentinels(self) -> dict[str, object]:
        values = {}
        for index, (name, kind) in enumerate(sorted(self.kinds.items())):
            if kind == "int":
                values[name] = _INT_BASE - index
            elif kind == "datetime":
                values[name] = _DATETIME_BASE.replace(microsecond=index + 1)
            elif kind == "str":
                values[name] = f"\x1f prepared sentinel {index} \x1f"
            else:
                raise PreparedError(f"unsupported parameter kind {kind!r}")
        return values

    def _adapt(self, name: str, value):
        kind = self.kinds[name]
        if kind == "datetime":
            return connection.ops.adapt_datetimefield_value(value)
        return str(value) if kind == "str" else int(value)

    def _compile(self, mode: str) -> tuple[str, list, list]:
        key = (connection.vendor, mode)
        if key not in self._compiled:
            sentinels = self._sentinels()
            query = self.build(**sentinels).query
            if mode == "exists":
                query = query.exists()
            elif mode == "one":
                query = query.chain()
                query.set_limits(high=1)
            sql, params = query.get_compiler(connection=connection).as_sql()
            slots = []
            for name, sentinel in sentinels.items():
                adapted = self._adapt(name, sentinel)
                found = [i for i, p in enumerate(params) if type(p) is type(adapted)
                         and p == adapted]
                if not found:
                    raise PreparedError(f"parameter {name!r} is not a plain statement parameter")
                slots += [(i, name) for i in found]
            self._compiled[key] = (sql, list(params), slots)
        return self._compiled[key]

    def _execute(self, mode: str, values: dict):
        sql, params, slots = self._compile(mode)
        params = list(params)
        for index, name in slots:
            params[index] = self._adapt(name, values[name])
        cursor = connection.cursor()
        cursor.execute(sql, params)
        return cursor

    def exists(self, **values) -> bool:
        with self._execute("exists", values) as cursor:
            return cursor.fetchone() is not None

    def rows(self, **values) -> list[tuple]:
        """The rows of a `values_list()` queryset (plain columns: no converters applied)."""
        with self._execute("rows", values) as cursor:
            return cursor.fetchall()

    def one(self, **values):
        """The instance that a plain model queryset filtered on a unique key matches, or None.

        Plain: no `select_related` and no annotations (`only()`/`defer()` defer as the ORM
        does). The instance is built as `ModelIterable` builds it, each column through its
        field's database converters, so it holds exactly what the ORM would give."""
        model, attnames, converters = self._instance_shape()
        with self._execute("one", values) as cursor:
            row = cursor.fetchone()
        if row is None:
            return None
        row = list(row)
        for index, (functions, expression) in converters:
            for convert in functions:
                row[index] = convert(row[index], expression, connection)
        return model.from_db(connection.alias, attnames, row)

    def _instance_shape(self):
        key = (connection.vendor, "shape")
        if key not in self._compiled:
            compiler = self.build(**self._sentinels()).query.get_compiler(connection=connection)
            compiler.setup_query()
            info = compiler.klass_info
            if info is None or info.get("related_klass_infos") or compiler.annotation_col_map:
                raise PreparedError("one() needs a plain model queryset")
            fields = info["select_fields"]
            if fields != list(range(len(compiler.select))):
                raise PreparedError("one() needs every selected column to be a model field")
            attnames = [column[0].target.attname for column in compiler.select]
            converters = compiler.get_converters([column[0] for column in compiler.select])
            self._compiled[key] = (info["model"], attnames, sorted(converters.items()))
        return self._compiled[key]
