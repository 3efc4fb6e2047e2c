"""Database triggers keeping the journal append-only (installed by migration 0002).

PostgreSQL: BEFORE UPDATE OR DELETE row triggers and BEFORE TRUNCATE statement triggers on
`audit_entry`, `audit_leaf` (the sequencer only INSERTs leaves) and `audit_checkpoint`. One
UPDATE is let through, on `audit_entry` only: the RGPD erasure, where `personal` and
`personal_salt` become NULL, nothing else changes, and a PERSONAL_DATA_ERASED entry about the
same usager, written after the erased one, exists (it is inserted first in the same
transaction), so every erasure is itself in the journal.
SQLite (development): the same rules as WHEN clauses of BEFORE UPDATE/DELETE triggers (SQLite
has no TRUNCATE).

Triggers are a guard-rail against the application and mistakes, not the security boundary: a
superuser can disable them (`session_replication_role = replica`). The boundary is the signed
checkpoints kept outside the database; SECURITY.md describes the roles that keep the
application's own role from touching the triggers.
"""

IMMUTABLE = (
    "id", "created_at", "event_type", "actor_kind", "actor_name", "actor_aidant_id",
    "actor_structure_id", "structure_id", "usager_id", "mandate_id", "authorisation_id",
    "oidc_client_id", "demarche", "payload", "personal_hash", "xid",
)
FROZEN_TABLES = ("audit_leaf", "audit_checkpoint")
ERASURE_EVENT = "audit.personal_data_erased"


def _same(columns, op: str) -> str:
    return " AND ".join(f"NEW.{c} {op} OLD.{c}" for c in columns)


def _erasure(op: str) -> str:
    return (f"OLD.personal IS NOT NULL AND NEW.personal IS NULL AND NEW.personal_salt IS NULL"
            f" AND {_same(IMMUTABLE, op)}"
            f" AND EXISTS (SELECT 1 FROM audit_entry x WHERE x.event_type = '{ERASURE_EVENT}'"
            f" AND x.usager_id = OLD.usager_id AND x.id > OLD.id)")


def postgresql_install() -> list[str]:
    erase = _erasure("IS NOT DISTINCT FROM")
    frozen = []
    for table in FROZEN_TABLES:
        frozen += [
            f"CREATE TRIGGER {table}_guard BEFORE UPDATE OR DELETE ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
        ]
    return [
        f"""
        CREATE OR REPLACE FUNCTION audit_entry_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND ({erase}) THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'audit_entry is append-only (% refused)', TG_OP
                USING ERRCODE = 'integrity_constraint_violation';
        END $$;
        """,
        """
        CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'integrity_constraint_violation';
        END $$;
        """,
        "CREATE TRIGGER audit_entry_guard BEFORE UPDATE OR DELETE ON audit_entry"
        " FOR EACH ROW EXECUTE FUNCTION audit_entry_guard()",
        "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry"
        " FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
        *frozen,
    ]


def postgresql_uninstall() -> list[str]:
    frozen = [f"DROP TRIGGER IF EXISTS {t}_{kind} ON {t}"
              for t in FROZEN_TABLES for kind in ("guard", "no_truncate")]
    return [
        "DROP TRIGGER IF EXISTS audit_entry_guard ON audit_entry",
        "DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry",
        *frozen,
        "DROP FUNCTION IF EXISTS audit_entry_guard()",
        "DROP FUNCTION IF EXISTS audit_refuse_change()",
    ]


SQLITE_TRIGGERS = ("audit_entry_no_delete", "audit_entry_guard_update",
                   *(f"{t}_no_{op}" for t in FROZEN_TABLES for op in ("delete", "update")))


def sqlite_install() -> list[str]:
    statements = [
        "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry"
        " BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only (DELETE refused)'); END",
        f"CREATE TRIGGER audit_entry_guard_update BEFORE UPDATE ON audit_entry"
        f" WHEN NOT ({_erasure('IS')})"
        f" BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only (UPDATE refused)'); END",
    ]
    for table in FROZEN_TABLES:
        for op in ("delete", "update"):
            statements.append(
                f"CREATE TRIGGER {table}_no_{op} BEFORE {op.upper()} ON {table} BEGIN"
                f" SELECT RAISE(ABORT, '{table} is append-only ({op.upper()} refused)'); END")
    return statements


def sqlite_uninstall() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]


def install(connection) -> list[str]:
    return postgresql_install() if connection.vendor == "postgresql" else sqlite_install()


def uninstall(connection) -> list[str]:
    return postgresql_uninstall() if connection.vendor == "postgresql" else sqlite_uninstall()
