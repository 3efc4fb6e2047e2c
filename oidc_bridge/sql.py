"""Precompiled statements for the token and userinfo endpoints.

Why not the ORM here: these endpoints are called by machines at volume (issue 5: >= 400 token
requests/s on 2 cores) and the ORM spends ~0.5 ms of Python compiling each statement, more than
PostgreSQL takes to answer it. The statements below are built once per process from the models'
metadata (table and column names), and rows become model instances through the fields' own
database converters, so they hold exactly what the ORM would give, on PostgreSQL and SQLite.

`USABLE_AUTHORISATION` restates `selectors.usable_authorisations` in SQL for the one statement
that consumes a code; `tests/oidc_bridge/test_sql.py` holds the two to the same answers.
"""

from functools import cache

from django.db import connection

from aidants.models import Aidant, Organisation
from mandates.models import Authorisation, Mandate, Usager
from oidc_bridge.models import AccessToken, AuthorizationCode, OIDCClient


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


class _Shape:
    """The columns of `model` (or only `fields`) selected under `alias`, and how to read them."""

    def __init__(self, model, alias: str, fields: tuple[str, ...] | None = None):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields
                       if fields is None or f.attname in fields]
        self.attnames = [f.attname for f in self.fields]
        self.select = ", ".join(f"{alias}.{_q(f.column)}" for f in self.fields)

    @property
    def width(self) -> int:
        return len(self.fields)

    @cache  # noqa: B019 - one shape per model for the process' life; one database vendor
    def _converters(self) -> list[tuple]:
        result = []
        for field in self.fields:
            column = field.get_col(field.model._meta.db_table)
            converters = connection.ops.get_db_converters(column) + field.get_db_converters(
                connection)
            result.append((column, converters))
        return result

    def build(self, values):
        converted = []
        for (column, converters), value in zip(self._converters(), values, strict=True):
            for convert in converters:
                value = convert(value, column, connection)
            converted.append(value)
        return self.model.from_db(connection.alias, self.attnames, converted)


def _table(model) -> str:
    return _q(model._meta.db_table)


def _col(model, name: str) -> str:
    return _q(model._meta.get_field(name).column)


CLIENT = _Shape(OIDCClient, "o")
CODE = _Shape(AuthorizationCode, "c")
USAGER = _Shape(Usager, "u")
STRUCTURE = _Shape(Organisation, "s")
# The aidant only as the `act` claim needs them: never the password hash.
AIDANT = _Shape(Aidant, "a", fields=("id", "first_name", "last_name"))
TOKEN = _Shape(AccessToken, "t")


def _one(sql: str, params: list):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _split(row, shapes) -> list:
    objects, start = [], 0
    for shape in shapes:
        objects.append(shape.build(row[start:start + shape.width]))
        start += shape.width
    return objects


@cache
def _client_sql() -> str:
    return (f"SELECT {CLIENT.select} FROM {_table(OIDCClient)} o "
            f"WHERE o.{_col(OIDCClient, 'client_id')} = %s AND o.{_col(OIDCClient, 'is_active')}")


def active_client(client_id: str) -> OIDCClient | None:
    row = _one(_client_sql(), [client_id])
    return CLIENT.build(row) if row else None


def _code_relation_joins() -> str:
    """The code `c`'s usager `u`, structure `s` and aidant `a`."""
    c = AuthorizationCode
    return (f"JOIN {_table(Usager)} u ON u.id = c.{_col(c, 'usager')} "
            f"JOIN {_table(Organisation)} s ON s.id = c.{_col(c, 'structure')} "
            f"JOIN {_table(Aidant)} a ON a.id = c.{_col(c, 'aidant')}")


def _code_joins() -> str:
    """The code `c`'s client `o` and its other relations."""
    return (f"JOIN {_table(OIDCClient)} o ON o.id = c.{_col(AuthorizationCode, 'client')} "
            f"{_code_relation_joins()}")


def _attach(code, client, usager, structure, aidant):
    code.client, code.usager, code.structure, code.aidant = client, usager, structure, aidant
    return code


@cache
def _client_and_code_sql() -> str:
    c, o = AuthorizationCode, OIDCClient
    shapes = ", ".join(s.select for s in (CLIENT, CODE, USAGER, STRUCTURE, AIDANT))
    # The code and its relations as one LEFT-joined group: an unknown code, or another
    # client's, leaves them NULL and still returns the client (its authentication comes first).
    return (f"SELECT {shapes} FROM {_table(o)} o "
            f"LEFT JOIN ({_table(c)} c {_code_relation_joins()}) "
            f"ON c.{_col(c, 'code_sha256')} = %s AND c.{_col(c, 'client')} = o.id "
            f"WHERE o.{_col(o, 'client_id')} = %s AND o.{_col(o, 'is_active')}")


def client_and_code(client_id: str, code_sha256: str):
    """(the active client `client_id` or None, its code `code_sha256` or None), in one query.

    The code comes with its client, usager, structure and aidant (names only); a code issued to
    another client is None, exactly like an unknown one.
    """
    row = _one(_client_and_code_sql(), [code_sha256, client_id])
    if not row:
        return None, None
    client = CLIENT.build(row[:CLIENT.width])
    if row[CLIENT.width] is None:  # the code's primary key: NULL when no code matched
        return client, None
    code, usager, structure, aidant = _split(row[CLIENT.width:],
                                             (CODE, USAGER, STRUCTURE, AIDANT))
    return client, _attach(code, client, usager, structure, aidant)


@cache
def _token_sql() -> str:
    shapes = ", ".join(s.select for s in (TOKEN, CODE, CLIENT, USAGER, STRUCTURE, AIDANT))
    return (f"SELECT {shapes} FROM {_table(AccessToken)} t "
            f"JOIN {_table(AuthorizationCode)} c ON c.id = t.{_col(AccessToken, 'code')} "
            f"{_code_joins()} WHERE t.{_col(AccessToken, 'token_sha256')} = %s")


def access_token(token_sha256: str) -> AccessToken | None:
    """The access token with its code (and the code's client, usager, structure, aidant)."""
    row = _one(_token_sql(), [token_sha256])
    if not row:
        return None
    token, *code_parts = _split(row, (TOKEN, CODE, CLIENT, USAGER, STRUCTURE, AIDANT))
    token.code = _attach(*code_parts)
    return token


@cache
def _usable_authorisation() -> str:
    """The WHERE clause of `selectors.usable_authorisations` for one authorisation id, given
    (structure_id, usager_id, at) as parameters."""
    a, m = Authorisation, Mandate
    return (f"EXISTS (SELECT 1 FROM {_table(a)} au "
            f"JOIN {_table(m)} m ON m.id = au.{_col(a, 'mandate')} "
            f"JOIN {_table(Usager)} mu ON mu.id = m.{_col(m, 'usager')} "
            f"WHERE au.id = {{authorisation}} AND m.{_col(m, 'organisation')} = %s "
            f"AND m.{_col(m, 'usager')} = %s AND au.{_col(a, 'revoked_at')} IS NULL "
            f"AND au.{_col(a, 'superseded_by')} IS NULL AND m.{_col(m, 'revoked_at')} IS NULL "
            f"AND m.{_col(m, 'expires_at')} > %s AND mu.{_col(Usager, 'erased_at')} IS NULL)")


@cache
def _consume_sql() -> str:
    c = AuthorizationCode
    # The subquery names the updated table in full: PostgreSQL and SQLite both accept that,
    # not both an alias on UPDATE.
    usable = _usable_authorisation().format(
        authorisation=f"{_table(c)}.{_col(c, 'authorisation')}")
    return (f"UPDATE {_table(c)} SET {_col(c, 'used_at')} = %s WHERE id = %s "
            f"AND {_col(c, 'used_at')} IS NULL AND {_col(c, 'ended_at')} IS NULL "
            f"AND {_col(c, 'expires_at')} > %s AND {usable}")


def _when(at):
    return connection.ops.adapt_datetimefield_value(at)


def _consume_params(code: AuthorizationCode, when) -> list:
    return [when, code.pk, when, code.structure_id, code.usager_id, when]


def consume_code(code: AuthorizationCode, *, at) -> bool:
    """Mark `code` used at `at` if it is unused, not ended, unexpired and its authorisation is
    still usable (one statement: two parallel redemptions cannot both succeed)."""
    with connection.cursor() as cursor:
        cursor.execute(_consume_sql(), _consume_params(code, _when(at)))
        return cursor.rowcount == 1


def usable_authorisation_exists(*, authorisation_id: int, structure_id: int, usager_id: int,
                                at) -> bool:
    """The same predicate as the consuming UPDATE, alone (tests hold it to the ORM's)."""
    usable = _usable_authorisation().format(authorisation="%s")
    return bool(_one(f"SELECT {usable}", [authorisation_id, structure_id, usager_id, _when(at)])[0])


_CODE_FIELDS = [f for f in AuthorizationCode._meta.concrete_fields if not f.primary_key]


@cache
def _insert_code_sql() -> str:
    columns = ", ".join(_q(f.column) for f in _CODE_FIELDS)
    values = ", ".join(["%s"] * len(_CODE_FIELDS))
    return f"INSERT INTO {_table(AuthorizationCode)} ({columns}) VALUES ({values}) RETURNING id"


def insert_code(code: AuthorizationCode) -> AuthorizationCode:
    """INSERT the unsaved `code` as `save()` would (each value through its field's
    `pre_save` and `get_db_prep_save`), with the statement compiled once. No model signal is
    sent: nothing listens to AuthorizationCode (the journal entry is the service's)."""
    params = [f.get_db_prep_save(f.pre_save(code, True), connection) for f in _CODE_FIELDS]
    code.pk = _one(_insert_code_sql(), params)[0]
    code._state.adding = False
    code._state.db = connection.alias
    return code


def _token_columns() -> str:
    return ", ".join(_col(AccessToken, n)
                     for n in ("token_sha256", "code", "created_at", "expires_at"))


@cache
def _insert_token_sql() -> str:
    return (f"INSERT INTO {_table(AccessToken)} ({_token_columns()}) VALUES (%s, %s, %s, %s) "
            f"RETURNING id")


@cache
def _consume_and_insert_sql() -> str:
    # PostgreSQL: the conditional UPDATE and the INSERT of the token in one statement (a
    # data-modifying WITH): the token row exists only if this statement consumed the code.
    return (f"WITH consumed AS ({_consume_sql()} RETURNING id) "
            f"INSERT INTO {_table(AccessToken)} ({_token_columns()}) "
            f"SELECT %s, id, %s, %s FROM consumed RETURNING id")


def consume_code_for_token(code: AuthorizationCode, *, token_sha256: str, at,
                           expires_at) -> AccessToken | None:
    """`consume_code(code, at=at)`, and if it consumed the code, the access token inserted in
    the same transaction; None (nothing written) otherwise. Must run inside a transaction."""
    when, until = _when(at), _when(expires_at)
    if connection.vendor == "postgresql":
        row = _one(_consume_and_insert_sql(),
                   [*_consume_params(code, when), token_sha256, when, until])
    elif consume_code(code, at=at):  # SQLite has no UPDATE inside WITH: two statements
        row = _one(_insert_token_sql(), [token_sha256, code.pk, when, until])
    else:
        row = None
    if row is None:
        return None
    token = AccessToken(id=row[0], token_sha256=token_sha256, code=code, created_at=at,
                        expires_at=expires_at)
    token._state.adding = False
    return token
