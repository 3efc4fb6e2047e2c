"""Aidant space at scale: 1 M usagers, 2 M mandates, 3,000 structures (issue 4).

Seeds a dedicated PostgreSQL database (`procuration_bench_desk`, dropped at the end unless
BENCH_KEEP=1) with server-side `INSERT ... SELECT generate_series` (no per-row round trip),
then times the desk selectors exactly as the views call them:
- list: a structure's usagers with an active mandate, first page of 25 + total count;
- search: the same list filtered by a family name present in that structure;
- file: one usager's file (access check, mandates + authorisations, journal entries).
Targets: p95 < 50 ms each. BENCH_SCALE=small: 20,000 usagers over 60 structures (same density
per structure), well under a minute.
"""

import os
import random
import statistics
import time

import dj_database_url
from django.conf import settings
from django.core.management import call_command
from django.core.paginator import Paginator
from django.db import connection

from aidants.demarches import CATALOGUE
from aidants.models import Aidant, Organisation
from bench.common import emit, recreate_database, small
from mandates import selectors
from mandates.text import fold

BENCH_DB = "procuration_bench_desk"
FAMILY = ["Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois",
          "Moreau", "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand",
          "Morel", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau",
          "Vincent", "Müller", "Lefebvre", "Faure", "André", "Mercier", "Blanc", "Guérin",
          "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia", "Perrin",
          "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier",
          "Masson", "Marchand", "Duval", "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer"]
GIVEN = ["Marie", "Jean", "Françoise", "Michel", "Monique", "Philippe", "Nathalie", "Alain",
         "Isabelle", "Éric", "Sylvie", "Patrick", "Catherine", "Christophe", "Martine", "Hélène",
         "Nicolas", "Céline", "Kévin", "Léa", "Chloé", "Mohamed", "Fatima", "Yasmine", "Joël"]
SAMPLES = 150


def _sql_array(values) -> str:
    return "(ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "])"


def _seed_sql(usagers: int, structures: int, aidant_id: int) -> list[tuple[str, str, int]]:
    """(label, SQL, row count). Each usager has two mandates in pseudo-random structures."""
    family, family_f = _sql_array(FAMILY), _sql_array([fold(n) for n in FAMILY])
    given, given_f = _sql_array(GIVEN), _sql_array([fold(n) for n in GIVEN])
    demarches = _sql_array(list(CATALOGUE))
    mandates = 2 * usagers
    return [
        ("structures", f"""
        INSERT INTO aidants_organisation (id, name, type, siret, address, postal_code, city,
            contact_email, allowed_demarches, is_active, created_at)
        SELECT i, 'Structure ' || i, 'france_services', lpad(i::text, 14, '0'), '', '', '',
            '', '["social"]'::jsonb, true, now()
        FROM generate_series(1, {structures}) AS i""", structures),
        ("usagers", f"""
        INSERT INTO mandates_usager (id, fc_issuer, fc_sub, given_name, family_name,
            preferred_username, birthdate, gender, birthplace, birthcountry, email, created_at,
            search_name)
        SELECT i, 'https://fc.example', md5(i::text), {given}[1 + i % {len(GIVEN)}],
            {family}[1 + (i / 7) % {len(FAMILY)}], '',
            to_char(date '1930-01-01' + (i * 37) % 27000, 'YYYY-MM-DD'), 'female', '75107',
            '99100', '', now(),
            {given_f}[1 + i % {len(GIVEN)}] || ' ' || {family_f}[1 + (i / 7) % {len(FAMILY)}]
        FROM generate_series(1, {usagers}) AS i""", usagers),
        # Mandate m belongs to usager (m+1)/2; created 0-699 days ago, 12 months long, so about
        # half are active; one in seven was revoked ten days after creation.
        ("mandates", f"""
        INSERT INTO mandates_mandate (id, organisation_id, usager_id, created_by_id, created_at,
            duration, expires_at, short_code, receipt_version, receipt_sha256, revoked_at,
            revocation_reason)
        SELECT m, 1 + (hashint4(m) & 2147483647) % {structures}, (m + 1) / 2, {aidant_id},
            now() - ((m::bigint * 7919) % 700) * interval '1 day' - interval '1 hour',
            '12m',
            now() - ((m::bigint * 7919) % 700) * interval '1 day' - interval '1 hour'
                + interval '365 days',
            'B' || lpad(m::text, 9, '0'), 'bench', '',
            CASE WHEN m % 7 = 0 THEN now() - ((m::bigint * 7919) % 700) * interval '1 day'
                + interval '10 days' END, ''
        FROM generate_series(1, {mandates}) AS m""", mandates),
        ("authorisations", f"""
        INSERT INTO mandates_authorisation (id, mandate_id, demarche, revocation_reason)
        SELECT m, m, {demarches}[1 + m % {len(CATALOGUE)}], ''
        FROM generate_series(1, {mandates}) AS m""", mandates),
        ("journal entries", f"""
        INSERT INTO audit_entry (event_type, actor_kind, actor_name, actor_aidant_id,
            actor_structure_id, structure_id, usager_id, mandate_id, oidc_client_id, demarche,
            payload, personal_hash)
        SELECT 'mandate.created', 'aidant', '', {aidant_id}, organisation_id, organisation_id,
            usager_id, id, '', '', '{{}}'::jsonb, ''
        FROM mandates_mandate""", mandates),
    ]


LOADED_TABLES = ("aidants_organisation", "mandates_usager", "mandates_mandate",
                 "mandates_authorisation", "audit_entry")


def _drop_plain_indexes(cursor) -> list[str]:
    """Drop the loaded tables' non-unique indexes; return their definitions to rebuild.

    Building an index once over sorted data is several times faster than maintaining it row
    by row during a bulk load (PostgreSQL manual, "Populating a Database", 14.4.3).
    """
    cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
                   "AND tablename = ANY(%s) AND indexdef NOT LIKE 'CREATE UNIQUE%%'",
                   [list(LOADED_TABLES)])
    rows = cursor.fetchall()
    for name, _definition in rows:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in rows]


def _seed(usagers: int, structures: int) -> None:
    aidant = Aidant.objects.create_user("bench@desk.example", None, first_name="Banc",
                                        last_name="Essai")
    steps = _seed_sql(usagers, structures, aidant.pk)
    total, started = 0, time.perf_counter()
    with connection.cursor() as cursor:
        deferred = _drop_plain_indexes(cursor)
        cursor.execute("SET synchronous_commit = off")
        # Generated rows are consistent by construction: skip the per-row foreign-key (and
        # journal guard) triggers while loading, as pg_restore does. Superuser only.
        cursor.execute("SET session_replication_role = replica")
        for label, sql, rows in steps:
            step_started = time.perf_counter()
            cursor.execute(sql)
            total += rows
            emit(f"desk_seed_{label.replace(' ', '_')}_seconds",
                 time.perf_counter() - step_started, "s", "informative")
        for table in ("aidants_organisation", "mandates_usager", "mandates_mandate",
                      "mandates_authorisation"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT max(id) FROM {table}))")
        cursor.execute("SET session_replication_role = DEFAULT")
        index_started = time.perf_counter()
        for definition in deferred:
            cursor.execute(definition)
        emit("desk_seed_index_build_seconds", time.perf_counter() - index_started, "s",
             "informative")
        cursor.execute("VACUUM ANALYZE")  # steady state: autovacuum keeps the visibility map
    elapsed = time.perf_counter() - started
    emit("desk_seed_rows_per_s", total / elapsed, "rows/s", "informative")
    emit("desk_seed_seconds", elapsed, "s", "informative")


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def _list(structure, query=""):
    page = Paginator(selectors.structure_usagers(structure=structure, query=query), 25).get_page(1)
    return page.paginator.count, list(page.object_list)


def _file(aidant, usager_id):
    file = selectors.usager_file(aidant=aidant, usager_id=usager_id)
    return [list(m.authorisations.all()) for m in file.mandates], file.journal


def _report(name: str, samples: list[float]) -> None:
    samples = sorted(samples)
    emit(f"{name}_p50", statistics.median(samples), "ms", "informative")
    emit(f"{name}_p95", samples[int(len(samples) * 0.95) - 1], "ms", "< 50 ms")


def _measure(structures: int) -> None:
    rng = random.Random(4)
    timings = {"desk_usager_list": [], "desk_usager_search": [], "desk_usager_file": []}
    for _ in range(SAMPLES):
        structure = Organisation(pk=rng.randint(1, structures))
        aidant = Aidant(current_structure_id=structure.pk)
        _count, usagers = _list(structure)
        timings["desk_usager_list"].append(_timed(lambda s=structure: _list(s)))
        if not usagers:
            continue
        target = rng.choice(usagers)
        timings["desk_usager_search"].append(
            _timed(lambda s=structure, q=target.family_name: _list(s, q)))
        timings["desk_usager_file"].append(
            _timed(lambda a=aidant, u=target.pk: _file(a, u)))
    for name, samples in timings.items():
        _report(name, samples)


def run() -> None:
    if connection.vendor != "postgresql":
        print("bench_mandates_desk: PostgreSQL only (set DATABASE_URL); skipped.")
        return
    usagers, structures = (20_000, 60) if small() else (1_000_000, 3_000)
    cfg = dj_database_url.parse(settings.DATABASE_URL)
    original = connection.settings_dict["NAME"]
    recreate_database(cfg, BENCH_DB)
    connection.close()
    connection.settings_dict["NAME"] = BENCH_DB
    try:
        call_command("migrate", verbosity=0)
        _seed(usagers, structures)
        _measure(structures)
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
        if not os.environ.get("BENCH_KEEP"):
            recreate_database(cfg, BENCH_DB, drop_only=True)
