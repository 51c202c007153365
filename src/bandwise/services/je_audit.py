"""The annual assessment of JE practices (NHS England's Phase 2 collection), as a
self-assessment: our statements (``returns/data/je_practices_audit.yaml``, each
``verified: false`` until the Job Evaluation Enabling Agreement is published) with the
evidence computed from the records for a period.

Each statement names its evidence query here (:data:`EVIDENCE`); a statement whose query
is missing fails the data test, so evidence is never made up.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import as_utc
from ..errors import InvalidInput
from ..returns.rules import practices_audit_statements, years_before
from ..store import register_tables as rt
from ..store import tables as t
from .base import Actor, Database
from .fields import check_date
from .register import OPEN_CASE_STATUSES, entries


@dataclass(frozen=True)
class Period:
    organisation_id: int
    start: dt.date
    end: dt.date

    def holds(self, value: dt.datetime) -> bool:
        return self.start <= as_utc(value).date() <= self.end


def _outcomes(session: Session, period: Period) -> list[t.Outcome]:
    rows = session.scalars(
        select(t.Outcome).where(t.Outcome.organisation_id == period.organisation_id)
    )
    return [o for o in rows if period.holds(o.recorded_at)]


def _panel_sides(session: Session, panel_ids: set[int]) -> dict[int, list[tuple[int | None, str]]]:
    """Each panel's members (user id, None for a guest) with their sides."""
    out: dict[int, list[tuple[int | None, str]]] = {}
    if panel_ids:
        rows = session.execute(
            select(t.PanelMember.panel_id, t.PanelMember.user_id, t.PanelMember.side).where(
                t.PanelMember.panel_id.in_(panel_ids)
            )
        )
        for panel_id, user_id, side in rows:
            out.setdefault(panel_id, []).append((user_id, side))
    return out


def _share(part: int, whole: int) -> dict[str, Any]:
    return {"count": part, "of": whole, "share": round(part / whole, 3) if whole else None}


def partnership_share(session: Session, period: Period) -> dict[str, Any]:
    """Outcomes in the period decided by a panel with both management and staff side."""
    outcomes = _outcomes(session, period)
    sides = _panel_sides(session, {o.panel_id for o in outcomes if o.panel_id})
    both = sum(
        1
        for o in outcomes
        if o.panel_id and {s for _, s in sides.get(o.panel_id, [])} >= {"management", "staff-side"}
    )
    return _share(both, len(outcomes))


def independent_check_share(session: Session, period: Period) -> dict[str, Any]:
    """Outcomes approved by a consistency checker who did not sit on their panel."""
    outcomes = _outcomes(session, period)
    sides = _panel_sides(session, {o.panel_id for o in outcomes if o.panel_id})
    checks: dict[int, list[int]] = {}
    for outcome_id, checker in session.execute(
        select(t.ConsistencyCheck.outcome_id, t.ConsistencyCheck.checker_id)
        .where(t.ConsistencyCheck.organisation_id == period.organisation_id)
        .where(t.ConsistencyCheck.decision == "approved")
    ):
        checks.setdefault(outcome_id, []).append(checker)
    independent = 0
    for o in outcomes:
        sat = {u for u, _ in sides.get(o.panel_id or 0, [])}
        if any(c not in sat for c in checks.get(o.id, [])):
            independent += 1
    return _share(independent, len(outcomes))


def days_to_outcome(session: Session, period: Period) -> dict[str, Any]:
    """Days from opening the case to its first outcome, for outcomes in the period."""
    outcomes = _outcomes(session, period)
    opened = dict(
        session.execute(
            select(t.Case.id, t.Case.created_at).where(
                t.Case.organisation_id == period.organisation_id
            )
        ).all()
    )
    first: dict[int, dt.datetime] = {}
    for o in sorted(outcomes, key=lambda o: o.recorded_at):
        first.setdefault(o.case_id, o.recorded_at)
    days = sorted(
        max(0, (_aware(at) - _aware(opened[case_id])).days) for case_id, at in first.items()
    )
    if not days:
        return {"cases": 0, "median": None, "p90": None}
    p90 = days[min(len(days) - 1, -(-9 * len(days) // 10) - 1)]  # nearest rank
    return {"cases": len(days), "median": statistics.median(days), "p90": p90}


_aware = as_utc


def reviews(session: Session, period: Period) -> dict[str, Any]:
    """Review requests made in the period, by what became of them."""
    rows = session.scalars(
        select(t.ReviewRequest.status)
        .where(t.ReviewRequest.organisation_id == period.organisation_id)
        .where(t.ReviewRequest.requested_on >= period.start)
        .where(t.ReviewRequest.requested_on <= period.end)
    )
    counts = Counter(rows)
    return {"requested": sum(counts.values()), **{s: counts.get(s, 0) for s in (
        "open", "upheld", "not-upheld", "withdrawn")}}  # fmt: skip


def jd_older_than_3y(session: Session, period: Period) -> dict[str, Any]:
    """Jobs in use whose JD was last reviewed (or written) more than 3 years before the
    period's end, or has no date at all."""
    limit = years_before(period.end, 3)
    in_use = [
        e for e in entries(session, period.organisation_id, period.end) if e.status == "active"
    ]
    old = [e.label for e in in_use if not (d := e.jd_last_reviewed or e.jd_written) or d <= limit]
    return {**_share(len(old), len(in_use)), "jobs": old}


def panel_training(session: Session, period: Period) -> dict[str, Any]:
    """People with an account who sat on a panel in the period, and when each was trained
    in JE; guests (no account, so no training record) are named apart."""
    members = session.execute(
        select(t.PanelMember.user_id, t.PanelMember.guest_name, t.PanelMember.guest_organisation)
        .join(t.Panel, t.Panel.id == t.PanelMember.panel_id)
        .where(t.Panel.organisation_id == period.organisation_id)
        .where(t.Panel.sat_on >= period.start)
        .where(t.Panel.sat_on <= period.end)
    ).all()
    sat = {u for u, _, _ in members if u is not None}
    guests = sorted({f"{g} ({o})" if o else g for u, g, o in members if u is None and g})
    trained = dict(
        session.execute(
            select(rt.JeTraining.user_id, rt.JeTraining.trained_on).where(
                rt.JeTraining.organisation_id == period.organisation_id
            )
        ).all()
    )
    names = dict(session.execute(select(t.User.id, t.User.name).where(t.User.id.in_(sat))).all())
    people = [
        {"name": names[u], "trained_on": trained[u].isoformat() if u in trained else None}
        for u in sorted(sat, key=lambda u: names[u])
    ]
    return {
        **_share(sum(1 for p in people if p["trained_on"]), len(people)),
        "people": people,
        "guests": guests,
    }


def backlog(session: Session, period: Period) -> dict[str, Any]:
    """Cases open now, by status."""
    rows = session.scalars(
        select(t.Case.status)
        .where(t.Case.organisation_id == period.organisation_id)
        .where(t.Case.status.in_(OPEN_CASE_STATUSES))
    )
    counts = Counter(rows)
    return {"open_cases": sum(counts.values()), "by_status": dict(sorted(counts.items()))}


EVIDENCE: dict[str, Callable[[Session, Period], dict[str, Any]]] = {
    "partnership_share": partnership_share,
    "independent_check_share": independent_check_share,
    "days_to_outcome": days_to_outcome,
    "reviews": reviews,
    "jd_older_than_3y": jd_older_than_3y,
    "panel_training": panel_training,
    "backlog": backlog,
}


def practices_audit(db: Database, actor: Actor, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Each statement with its evidence for the period ``start`` to ``end`` (included)."""
    actor.require("read")
    check_date(start, "from")
    check_date(end, "to")
    if end < start:
        raise InvalidInput("the period ends before it starts", "to")
    period = Period(actor.organisation_id, start, end)
    with db.reading() as session:
        org = session.get(t.Organisation, actor.organisation_id)
        assert org is not None
        return {
            "organisation": org.name,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "statements": [
                {
                    "id": s.id,
                    "area": s.area,
                    "statement": s.text,
                    "verified": s.verified,
                    "evidence_query": s.evidence,
                    "evidence": EVIDENCE[s.evidence](session, period),
                }
                for s in practices_audit_statements()
            ],
        }
