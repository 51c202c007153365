"""``bandwise db backup|restore|check`` on SQLite and PostgreSQL: a backup is a whole,
consistent copy; a restore checks the backup first and never replaces records without
``--force``; the check finds damage and an unsealed audit trail."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bandwise.services import cases
from bandwise.services.base import Database
from bandwise.store import tables as t
from bandwise.store.migrate import upgrade
from clikit import Ran, run_main
from dbfixtures import PG_URL, make_people
from recordfixtures import add_job, add_outcome

PG_CLIENT = all(shutil.which(name) for name in ("pg_dump", "pg_restore", "psql"))
needs_pg_client = pytest.mark.skipif(
    not (PG_URL and PG_CLIENT), reason="needs the PostgreSQL test server and its client"
)


def _env(db_url: str, data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANDWISE_")}
    env.update(
        BANDWISE_DATABASE_URL=db_url,
        BANDWISE_DATA_DIR=str(data),
        BANDWISE_SECRET_KEY=secrets.token_urlsafe(48),
    )
    return env


def _bandwise(db_url: str, tmp_path: Path, *args: str | Path) -> Ran:
    return run_main(*args, env=_env(db_url, tmp_path))


def _jobs(db: Database) -> list[str]:
    with db.reading() as session:
        return sorted(session.scalars(select(t.Job.title)))


def _backup_name(db_url: str, tmp_path: Path) -> Path:
    return tmp_path / ("backup.dump" if db_url.startswith("postgresql") else "backup.db")


def _skip_without_pg_client(db_url: str) -> None:
    if db_url.startswith("postgresql") and not PG_CLIENT:
        pytest.skip("the PostgreSQL client is not installed")


def test_a_backup_taken_while_the_database_is_in_use_restores_every_record(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    _skip_without_pg_client(db_url)
    people = make_people(db)
    job = add_job(db, people, "Arts therapist", "AT-1")
    add_outcome(db, people, job)
    cases.open_case(db, people.lead, job, "evaluation")  # an audit event
    with db.reading() as session:
        events = session.scalar(select(func.count()).select_from(t.AuditEvent))
    assert events
    out = _backup_name(db_url, tmp_path)
    with db.reading() as session:  # a reader holds a snapshot open during the backup
        session.execute(select(t.Job.id)).all()
        made = _bandwise(db_url, tmp_path, "db", "backup", "--out", out)
    assert made.returncode == 0, made.stderr
    assert f"to {out}" in made.stdout and out.stat().st_size > 0
    if not db_url.startswith("postgresql"):
        with contextlib.closing(sqlite3.connect(out)) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    add_job(db, people, "Made after the backup", "LATE-1")
    db.engine.dispose()

    restored = _bandwise(db_url, tmp_path, "db", "restore", out, "--force")

    assert restored.returncode == 0, restored.stderr
    assert "schema version" in restored.stdout
    assert _jobs(db) == ["Arts therapist"]
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(t.Outcome)) == 1
        assert session.scalar(select(func.count()).select_from(t.AuditEvent)) == events
    checked = _bandwise(db_url, tmp_path, "db", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "audit-trail: append-only" in checked.stdout


def test_a_restore_over_a_database_that_holds_records_is_refused_without_force(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    _skip_without_pg_client(db_url)
    people = make_people(db)
    add_job(db, people, "Kept", "K-1")
    out = _backup_name(db_url, tmp_path)
    assert _bandwise(db_url, tmp_path, "db", "backup", "--out", out).returncode == 0
    add_job(db, people, "Also kept", "K-2")
    db.engine.dispose()

    refused = _bandwise(db_url, tmp_path, "db", "restore", out)

    assert refused.returncode == 2
    assert "already holds records" in refused.stderr and "--force" in refused.stderr
    assert _jobs(db) == ["Also kept", "Kept"]


def test_a_backup_never_writes_over_an_existing_file(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "there.db"
    out.write_text("precious\n", encoding="utf-8")
    ran = _bandwise(db_url, tmp_path, "db", "backup", "--out", out)
    assert ran.returncode == 2 and "already exists" in ran.stderr
    assert out.read_text(encoding="utf-8") == "precious\n"


def _sqlite_backup(db: Database, db_url: str, tmp_path: Path) -> Path:
    people = make_people(db)
    add_job(db, people, "Arts therapist", "AT-1")
    out = tmp_path / "backup.db"
    assert _bandwise(db_url, tmp_path, "db", "backup", "--out", out).returncode == 0
    return out


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    upgrade(url)
    return url


def test_a_damaged_backup_is_refused_before_anything_is_replaced(
    sqlite_url: str, tmp_path: Path
) -> None:
    db = Database.connect(sqlite_url)
    out = _sqlite_backup(db, sqlite_url, tmp_path)
    data = bytearray(out.read_bytes())
    for offset in range(4096 * 2, len(data) - 4096, 4096):  # every page but the first
        data[offset + 20 : offset + 400] = os.urandom(380)
    out.write_bytes(bytes(data))

    ran = _bandwise(sqlite_url, tmp_path, "db", "restore", out, "--force")

    assert ran.returncode == 2
    assert "damaged" in ran.stderr or "cannot be read" in ran.stderr, ran.stderr
    assert _jobs(db) == ["Arts therapist"]


def test_a_backup_made_by_a_newer_release_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    db = Database.connect(sqlite_url)
    out = _sqlite_backup(db, sqlite_url, tmp_path)
    with contextlib.closing(sqlite3.connect(out)) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")

    ran = _bandwise(sqlite_url, tmp_path, "db", "restore", out, "--force")

    assert ran.returncode == 2
    assert "0099" in ran.stderr and "newer release" in ran.stderr


def test_a_backup_of_an_older_schema_is_restored_and_then_upgraded(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    upgrade(f"sqlite:///{old}", "0004")
    url = f"sqlite:///{tmp_path / 'new.db'}"

    ran = _bandwise(url, tmp_path, "db", "restore", old)

    assert ran.returncode == 0, ran.stderr
    assert "Upgraded it from schema version 0004" in ran.stdout
    assert _bandwise(url, tmp_path, "db", "check").returncode == 0


def test_a_file_that_is_not_a_backup_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database\n", encoding="utf-8")
    ran = _bandwise(sqlite_url, tmp_path, "db", "restore", junk)
    assert ran.returncode == 2 and "is not a bandwise backup" in ran.stderr


def test_without_pg_dump_on_the_path_the_error_gives_the_command_to_run(tmp_path: Path) -> None:
    env = _env("postgresql://trust:pw@db.internal:5433/bandwise", tmp_path)
    env["PATH"] = str(tmp_path)  # no PostgreSQL client here
    ran = run_main("db", "backup", "--out", tmp_path / "b.dump", env=env)
    assert ran.returncode == 2
    assert "pg_dump is not on the PATH" in ran.stderr
    assert "pg_dump --format=custom --file" in ran.stderr
    assert "--host db.internal --port 5433 --username trust bandwise" in ran.stderr
    assert "pw" not in ran.stderr.replace("pg_dump", "")


@needs_pg_client
def test_a_backup_of_one_kind_of_database_is_refused_by_the_other(
    sqlite_url: str, tmp_path: Path
) -> None:
    db = Database.connect(sqlite_url)
    out = _sqlite_backup(db, sqlite_url, tmp_path)
    ran = _bandwise(PG_URL, tmp_path, "db", "restore", out, "--force")
    assert ran.returncode == 2 and "is a sqlite backup but the database is PostgreSQL" in ran.stderr


def test_the_check_passes_on_a_sound_database_and_fails_when_the_audit_seal_is_gone(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    make_people(db)
    sound = _bandwise(db_url, tmp_path, "db", "check", "--json")
    assert sound.returncode == 0, sound.stdout
    assert '"healthy": true' in sound.stdout
    on = " ON audit_events" if db_url.startswith("postgresql") else ""
    with db.engine.begin() as conn:
        conn.execute(text(f"DROP TRIGGER audit_events_no_delete{on}"))

    broken = _bandwise(db_url, tmp_path, "db", "check")

    assert broken.returncode == 1
    assert "FAIL  audit-trail: NOT sealed: missing audit_events_no_delete" in broken.stdout


def test_the_check_reports_a_record_whose_parent_is_missing(
    sqlite_url: str, tmp_path: Path
) -> None:
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute(
            "INSERT INTO jobs (id, organisation_id, title, reference, department, status, "
            "version) VALUES (7, 99, 'Orphan', 'O-1', '', 'active', 1)"
        )

    ran = _bandwise(sqlite_url, tmp_path, "db", "check")

    assert ran.returncode == 1
    assert "FAIL  integrity: foreign key check: jobs row 7 refers to a missing organisations" in (
        ran.stdout
    )


def test_the_check_of_a_missing_database_says_to_create_it(tmp_path: Path) -> None:
    ran = _bandwise(f"sqlite:///{tmp_path / 'none.db'}", tmp_path, "db", "check")
    assert ran.returncode == 2 and "bandwise db upgrade" in ran.stderr
