"""What every use case shares: who is acting, the errors a caller can act on, the audit trail.

A service function takes the :class:`Database` and the acting :class:`Actor`, opens
one transaction, checks the actor's role and organisation, makes its change and
writes the audit event in the same transaction, so the record and its audit event
are stored together or not at all. Pages, the API and the CLI only call services.

Concurrency: a change is made in :meth:`Database.transaction`, which holds the write
lock from its first statement on SQLite and locks the rows it changes on PostgreSQL
(:func:`get_owned` with ``lock=True``, :func:`lock_organisation`), so the version
check and the write are atomic: of writers racing with one version, one wins and the
others get a :class:`Conflict`. Reads use :meth:`Database.reading`, which locks nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Engine, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

# re-exported: the service errors live in errors.py
from ..errors import BandwiseError as BandwiseError
from ..errors import Conflict as Conflict
from ..errors import Forbidden as Forbidden
from ..errors import InvalidInput as InvalidInput
from ..errors import NotFound as NotFound
from ..errors import RuleViolation as RuleViolation
from ..errors import ServiceError as ServiceError
from ..policy import policy
from ..store import tables as t
from ..store.db import make_engine, reader, session_factory

M = TypeVar("M")

#: What each role may do; services check these, never the pages. The table is policy
#: data with its provenance (``bandwise/policy/data/policy.yaml``).
PERMISSIONS: dict[str, frozenset[str]] = dict(policy().permissions)


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int
    organisation_id: int
    role: str
    side: str | None = None
    name: str = ""

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise Forbidden(f"the {self.role} role may not {permission.replace('-', ' ')}")


@dataclass
class Database:
    """The engine and session factory a process uses; built by the app factory or the CLI."""

    engine: Engine
    sessions: sessionmaker[Session] = field(init=False)
    readers: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = session_factory(self.engine)
        self.readers = session_factory(reader(self.engine))
        event.listen(self.readers, "before_flush", _refuse_writes)

    @classmethod
    def connect(cls, url: str | None = None) -> Database:
        return cls(make_engine(url))

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work that may write: commit on success, roll back on any error.

        It holds SQLite's write lock from the start (writers queue); a uniqueness
        violation, which a race between two first writes can still meet on PostgreSQL,
        is a :class:`Conflict`, never a server error."""
        try:
            with self.sessions() as session, session.begin():
                yield session
        except IntegrityError as exc:
            if not _unique_violation(exc):
                raise
            raise Conflict(
                "the change collides with a record saved at the same moment "
                f"({_constraint(exc)}); reload and apply your change again"
            ) from exc

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """One read-only unit of work: a consistent snapshot that takes no lock (so reads
        do not queue behind writers); flushing a change in it is a programming error."""
        with self.readers() as session, session.begin():
            yield session


def _refuse_writes(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.deleted or any(session.is_modified(o) for o in session.dirty):
        raise RuntimeError("a change was made in a read-only unit of work (Database.reading)")


def _unique_violation(exc: IntegrityError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)  # psycopg
    return sqlstate == "23505" or (
        sqlstate is None and "UNIQUE constraint failed" in str(exc.orig)  # sqlite3
    )


def _constraint(exc: IntegrityError) -> str:
    """What was duplicated, e.g. ``factor_decisions.case_id, factor_decisions.factor``."""
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return f"duplicate {name}"
    text = str(exc.orig)
    return "duplicate " + text.split(":", 1)[1].strip() if ":" in text else "a duplicate"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def audit(
    session: Session,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    organisation_id: int | None = None,
) -> None:
    """Append an audit event to the current transaction."""
    session.add(
        t.AuditEvent(
            organisation_id=organisation_id
            if organisation_id is not None
            else (actor.organisation_id if actor else None),
            user_id=actor.user_id if actor else None,
            at=now(),
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
        )
    )


#: Row lock for a change (PostgreSQL ``FOR NO KEY UPDATE``: it does not block inserts of
#: rows that refer to the locked one); SQLite ignores it and holds its write lock instead.
LOCK = {"key_share": True}


def get_owned(
    session: Session, model: type[M], record_id: int, actor: Actor, what: str, lock: bool = False
) -> M:
    """A record of the actor's organisation, or NotFound (never another tenant's); with
    ``lock``, locked until the transaction ends, so its version check holds."""
    row = session.get(model, record_id, with_for_update=LOCK if lock else None)
    if row is None or getattr(row, "organisation_id", None) != actor.organisation_id:
        raise NotFound(f"no {what} {record_id}")
    return row


def lock_organisation(session: Session, organisation_id: int) -> None:
    """Serialise changes to a rule about the organisation as a whole (e.g. it keeps an
    administrator): the second of two such changes waits and then sees the first."""
    session.execute(
        select(t.Organisation.id)
        .where(t.Organisation.id == organisation_id)
        .with_for_update(key_share=True)
    )


def check_version(row: Any, expected: int | None, what: str) -> None:
    """Optimistic concurrency: refuse an update made against an older version."""
    if expected is not None and row.version != expected:
        raise Conflict(
            f"the {what} was changed by someone else (version {row.version}, you "
            f"had {expected}); reload it and apply your change again",
            "version",
        )
    row.version += 1


def snapshot(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The fields of a row as JSON-ready values, for audit before/after."""
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(row, name)
        out[name] = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value
    return out


def organisation_user_ids(session: Session, organisation_id: int) -> set[int]:
    return set(session.scalars(select(t.User.id).where(t.User.organisation_id == organisation_id)))
