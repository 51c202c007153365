"""A fresh, migrated PostgreSQL database for each test without an Alembic run per test.

The migrations run once; :class:`RecordedMigrations` keeps every statement they sent.
Before each test :meth:`PostgresTemplate.fresh` then does the cheapest thing that gives
the same database as a new upgrade:

* **Empty the tables** when the schema is as the last test was given it: in one
  transaction, the tables' own triggers off (the audit trail refuses DELETE, as it must
  for users), ``DELETE`` from every table but ``alembic_version`` (children before
  parents), the triggers on again; then every sequence restarts, so ids begin at 1 as
  in a new database. Being one transaction, no other session ever sees the triggers off,
  and an error leaves them on. (``TRUNCATE`` makes new files for every table and costs
  as much as rebuilding.)
* **Rebuild the schema** (drop ``public``, replay the recording) on first use, and
  whenever the schema changed: a fingerprint of the catalogue rows of ``public`` (their
  ``xmin`` changes with any DDL) and of ``alembic_version`` is taken after each reset and
  compared before the next, so a test that migrates, drops or alters gets a rebuilt
  database after it. Also when the migrations leave rows behind (seed data), which
  emptying would lose.

Rebuilding costs hundreds of milliseconds of DDL on a busy machine; emptying a few
milliseconds. Each test still has a real database (several connections, commits, the
triggers), so the concurrency tests and the audit trail tests stay real.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from alembic import command
from sqlalchemy import Connection, Engine, MetaData, event, text
from sqlalchemy.exc import DBAPIError

from bandwise.store.migrate import alembic_config

FINGERPRINT = text("""
    SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (
      SELECT 'c' || oid::text || ':' || xmin::text FROM pg_class
        WHERE relnamespace = 'public'::regnamespace
      UNION ALL SELECT 'a' || attrelid::text || '.' || attnum::text || ':' || xmin::text
        FROM pg_attribute WHERE attrelid IN
          (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
      UNION ALL SELECT 't' || oid::text || ':' || xmin::text || ':' || tgenabled::text
        FROM pg_trigger WHERE tgrelid IN
          (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
      UNION ALL SELECT 'k' || oid::text || ':' || xmin::text FROM pg_constraint
        WHERE connamespace = 'public'::regnamespace
      UNION ALL SELECT 'p' || oid::text || ':' || xmin::text FROM pg_proc
        WHERE pronamespace = 'public'::regnamespace
      UNION ALL SELECT 'v' || version_num FROM alembic_version
    ) AS catalogue(x)""")


def drop_public_schema(conn: Connection) -> None:
    conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
    conn.execute(text("CREATE SCHEMA public"))


@dataclass
class RecordedMigrations:
    """The statements a full Alembic upgrade sent to PostgreSQL, in order, to replay on
    an emptied schema: the same tables, indexes, functions, triggers and version row."""

    statements: list[tuple[str, Any, bool]] = field(default_factory=list)

    @classmethod
    def record(cls, engine: Engine) -> RecordedMigrations:
        recorded = cls()
        with engine.connect() as conn:
            drop_public_schema(conn)
            conn.commit()

            def keep(
                _conn: Connection,
                _cursor: Any,
                statement: str,
                parameters: Any,
                _context: Any,
                executemany: bool,
            ) -> None:
                recorded.statements.append((statement, parameters, executemany))

            event.listen(conn, "before_cursor_execute", keep)
            cfg = alembic_config(engine.url.render_as_string(hide_password=False))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            event.remove(conn, "before_cursor_execute", keep)
            conn.commit()
        return recorded

    def replay(self, engine: Engine) -> None:
        """Empty the ``public`` schema and build it again, in one transaction."""
        with engine.begin() as conn:
            drop_public_schema(conn)
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            for statement, parameters, many in self.statements:
                if many:
                    cursor.executemany(statement, parameters)
                else:
                    cursor.execute(statement, parameters)  # as SQLAlchemy sent it
            cursor.close()


class PostgresTemplate:
    """Gives each test an empty database at the migrations' head (see the module doc)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.recorded = RecordedMigrations.record(engine)
        with engine.connect() as conn:
            schema = MetaData()
            schema.reflect(conn)
            self.tables = [  # children first
                t.name for t in reversed(schema.sorted_tables) if t.name != "alembic_version"
            ]
            self.sequences = list(
                conn.execute(
                    text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")
                ).scalars()
            )
            self.seeded = any(
                conn.execute(text(f'SELECT EXISTS (SELECT 1 FROM "{name}")')).scalar_one()
                for name in self.tables
            )
            self.triggered = sorted(
                conn.execute(
                    text("""SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger
                            WHERE NOT tgisinternal""")
                ).scalars()
            )
        self.fingerprint: str | None = None  # as the last test was given it
        self.rebuilds = self.empties = 0

    def current_fingerprint(self) -> str | None:
        try:
            with self.engine.connect() as conn:
                return str(conn.execute(FINGERPRINT).scalar_one())
        except DBAPIError:  # no alembic_version: a test dropped it
            return None

    def fresh(self) -> None:
        if (
            self.seeded
            or self.fingerprint is None
            or (self.current_fingerprint() != self.fingerprint)
        ):
            self.recorded.replay(self.engine)
            self.rebuilds += 1
        else:
            self.empty()
            self.empties += 1
        self.fingerprint = self.current_fingerprint()

    def empty(self) -> None:
        """Every table but ``alembic_version`` emptied and its ids restarted."""
        with self.engine.begin() as conn:
            for table in self.triggered:
                conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            for name in self.tables:
                conn.execute(text(f'DELETE FROM "{name}"'))
            for table in self.triggered:
                conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
            for sequence in self.sequences:
                conn.execute(
                    text(
                        "SELECT setval(:s, (SELECT start_value FROM pg_sequences "
                        "WHERE schemaname = 'public' AND sequencename = :n), false)"
                    ),
                    {"s": f'public."{sequence}"', "n": sequence},
                )
