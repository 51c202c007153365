"""The test databases (``tests/dbfixtures.py``) are what a real ``bandwise db upgrade``
makes: the migrations run once per session and each test gets a copy (SQLite) or emptied
tables, or a replay of the recorded statements (PostgreSQL, ``tests/pgtemplate.py``), so
these tests compare that against an upgrade run the ordinary way, and check that what one
test writes, or a change it makes to the schema, never reaches the next."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, inspect, text

from bandwise.services.base import Database
from bandwise.store import tables as t
from bandwise.store.db import make_engine
from bandwise.store.migrate import upgrade
from dbfixtures import PG_URL, make_people
from pgtemplate import drop_public_schema

PG_SCHEMA_QUERIES = {
    "columns": """SELECT table_name, column_name, data_type, is_nullable, column_default
                  FROM information_schema.columns WHERE table_schema = 'public'""",
    "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    "constraints": """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
                      FROM pg_constraint WHERE connamespace = 'public'::regnamespace""",
    "triggers": """SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid)
                   FROM pg_trigger WHERE NOT tgisinternal""",
    "functions": """SELECT proname, prosrc FROM pg_proc
                    WHERE pronamespace = 'public'::regnamespace""",
    "version": "SELECT version_num FROM alembic_version",
}


def schema_of(url: str) -> dict[str, Any]:
    """Everything a migration creates, as sorted rows, and every table's row count."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                found: dict[str, Any] = {
                    "schema": [
                        (kind, name, table, _sorted_lines(sql))
                        for kind, name, table, sql in conn.execute(
                            text("SELECT type, name, tbl_name, sql FROM sqlite_master")
                        )
                    ],
                    "version": conn.execute(text("SELECT version_num FROM alembic_version")).all(),
                }
            else:
                found = {k: conn.execute(text(q)).all() for k, q in PG_SCHEMA_QUERIES.items()}
            found = {k: sorted(map(tuple, rows), key=repr) for k, rows in found.items()}
            found["rows"] = _row_counts(conn)
    finally:
        engine.dispose()
    return found


def _sorted_lines(sql: str | None) -> list[str] | None:
    """A table's definition as its sorted lines: Alembic's batch mode (which SQLite needs
    to alter a table) rewrites a table with its constraints in no fixed order, so two
    upgrades may list the same constraints differently."""
    if sql is None:
        return None
    return sorted(line.strip().rstrip(",").strip() for line in sql.splitlines())


def _row_counts(conn: Connection) -> dict[str, int]:
    names = [n for n in inspect(conn).get_table_names() if n != "alembic_version"]
    return {n: conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one() for n in names}


def upgraded_the_ordinary_way(db_url: str, tmp_path: Path) -> dict[str, Any]:
    if db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'upgraded.db'}"
    else:
        url = PG_URL
        engine = make_engine(url)
        with engine.begin() as conn:
            drop_public_schema(conn)
        engine.dispose()
    upgrade(url)
    return schema_of(url)


def test_a_test_database_has_the_schema_a_real_upgrade_makes(db_url: str, tmp_path: Path) -> None:
    given = schema_of(db_url)
    assert given["version"], "the test database has no migration version"
    assert given["rows"] and not any(given["rows"].values()), "the test database is not empty"
    assert given == upgraded_the_ordinary_way(db_url, tmp_path)


def test_what_a_test_writes_never_reaches_the_next_tests_database_and_ids_restart(
    db: Database, db_url: str, tmp_path: Path, request: Any
) -> None:
    make_people(db)
    with db.reading() as session:
        assert session.query(t.Organisation).count() == 1
    db.engine.dispose()
    if db_url.startswith("sqlite"):
        fresh = f"sqlite:///{tmp_path / 'next.db'}"
        Path(fresh.removeprefix("sqlite:///")).write_bytes(
            request.getfixturevalue("sqlite_template").read_bytes()
        )
    else:
        request.getfixturevalue("postgres_template").fresh()
        fresh = db_url
    assert not any(schema_of(fresh)["rows"].values())
    assert schema_of(fresh)["version"], "the next test's database has no migration version"
    after = Database.connect(fresh)
    assert make_people(after).organisation_id == 1, "ids do not begin at 1 as in a new database"
    after.engine.dispose()


def test_after_a_test_changes_the_schema_the_next_gets_it_rebuilt(
    db: Database, db_url: str, tmp_path: Path, request: Any
) -> None:
    if db_url.startswith("sqlite"):
        return  # every SQLite test copies the template file: nothing carries over
    template = request.getfixturevalue("postgres_template")
    make_people(db)
    with db.engine.begin() as conn:  # what a migration test might leave behind
        conn.execute(text("ALTER TABLE users ADD COLUMN leftover integer"))
        conn.execute(text("DROP TRIGGER audit_events_no_delete ON audit_events"))
    db.engine.dispose()
    rebuilds = template.rebuilds
    template.fresh()
    assert template.rebuilds == rebuilds + 1
    assert schema_of(db_url) == upgraded_the_ordinary_way(db_url, tmp_path)
