"""Steps shared by the workflow tests: a match case on the Arts Therapist profile brought
to each status, and readers of the rows the services wrote."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select, text

from bandwise.services import cases
from bandwise.services.base import Database
from bandwise.services.cases import CaseDetail, DecisionInput
from bandwise.services.jobs import create_job
from bandwise.store import tables as t
from dbfixtures import People

#: Arts Therapist at these levels: a profile match, total 475, band 7.
LEVELS = ["6", "7", "4", "2", "3", "5", "2", "2", "1", "1", "1", "3", "2", "2", "4", "2"]
SAT_ON = dt.date(2026, 10, 1)


def decide(
    db: Database, people: People, case: CaseDetail, levels: list[str] = LEVELS
) -> CaseDetail:
    inputs = [
        DecisionInput(n, lv, f"evidence for factor {n}") for n, lv in enumerate(levels, start=1)
    ]
    return cases.set_factor_decisions(
        db, people.management, case.case.id, case.case.version, inputs
    )


def draft(
    db: Database,
    people: People,
    kind: str = "match",
    profile: str | None = "arts-therapist",
    levels: list[str] | None = LEVELS,
) -> CaseDetail:
    job = create_job(db, people.lead, "Arts Therapist", "AT-1", "Therapies")
    case = cases.open_case(db, people.lead, job.id, kind, profile)
    return decide(db, people, case, levels) if levels else case


def panel(people: People) -> list[int]:
    return [people.management.user_id, people.staff.user_id]


def recorded(db: Database, people: People, **kw: Any) -> CaseDetail:
    case = draft(db, people, **kw)
    return cases.record_panel_outcome(
        db, people.lead, case.case.id, case.case.version, SAT_ON, panel(people)
    )


def confirmed(db: Database, people: People, **kw: Any) -> CaseDetail:
    case = recorded(db, people, **kw)
    return cases.consistency_check(db, people.checker, case.case.id, case.case.version, "approved")


def notified(
    db: Database, people: People, on: dt.date = dt.date(2026, 10, 5), **kw: Any
) -> CaseDetail:
    case = confirmed(db, people, **kw)
    return cases.notify(db, people.lead, case.case.id, case.case.version, on)


def count(db: Database, model: type[Any]) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def audit_events(db: Database) -> list[t.AuditEvent]:
    with db.transaction() as session:
        return list(session.scalars(select(t.AuditEvent).order_by(t.AuditEvent.id)))


def last_audit(db: Database) -> t.AuditEvent:
    return audit_events(db)[-1]


def raw(db: Database, sql: str) -> list[Any]:
    with db.engine.connect() as conn:
        return list(conn.execute(text(sql)).all())
