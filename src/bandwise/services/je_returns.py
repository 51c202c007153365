"""The quarterly Job Evaluation Audit and KPI return to NHS England.

:func:`je_kpi_return` gives the return as the collection's JSON (see
:data:`CONTRACT_KEYS`); with ``detail`` it adds the jobs behind each figure, the
estimated flags' reasons, the submission and the change from the previous quarter.
Board readiness answers, estimated flags and the SRO sign-off are recorded per quarter;
:func:`submit_return` freezes the figures (an immutable snapshot, audited) and a
submitted return is served from its snapshot ever after.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Forbidden, InvalidInput, RuleViolation
from ..returns.rules import Quarter, QuarterError, board_readiness_statements
from ..store import register_tables as rt
from ..store import tables as t
from .base import Actor, Database, audit, now
from .fields import check_date, check_line
from .jd_reviews import JdReviewView
from .je_return_figures import JD_FIGURES, STAFF_FIGURES, Figures, Table, compute
from .register import entries

CONTRACT_KEYS = (
    "quarter", "organisation", "as_at", "sro_signoff", "board_readiness",
    "nm_job_descriptions", "nm_staff_reviewed", "gaps",
)  # fmt: skip
TABLES = ("nm_job_descriptions", "nm_staff_reviewed")
ANSWERS = ("yes", "no")


def quarter_of(text: str, today: dt.date | None = None) -> Quarter:
    """The quarter named, refused (InvalidInput on ``quarter``) unless it has ended."""
    try:
        quarter = Quarter.parse(text)
        quarter.check_ended(today or now().date())
    except QuarterError as exc:
        raise InvalidInput(str(exc), "quarter") from None
    return quarter


def _require_lead(actor: Actor) -> None:
    if actor.role not in ("admin", "je-lead"):
        raise Forbidden(f"the {actor.role} role may not answer or submit the JE return")


def _record(
    session: Session, actor: Actor, quarter: Quarter, lock: bool = False
) -> rt.JeReturn | None:
    query = (
        select(rt.JeReturn)
        .where(rt.JeReturn.organisation_id == actor.organisation_id)
        .where(rt.JeReturn.quarter == str(quarter))
    )
    return session.scalar(query.with_for_update(key_share=True) if lock else query)


def _editable(session: Session, actor: Actor, quarter: Quarter) -> rt.JeReturn:
    row = _record(session, actor, quarter, lock=True)
    if row is None:
        row = rt.JeReturn(
            organisation_id=actor.organisation_id, quarter=str(quarter),
            board_readiness={}, estimated={}, version=1,
        )  # fmt: skip
        session.add(row)
        session.flush()
    if row.snapshot is not None:
        raise RuleViolation(
            f"the {quarter} return was submitted on {row.submitted_at:%d %B %Y} and is frozen"
            if row.submitted_at
            else f"the {quarter} return was submitted and is frozen"
        )
    return row


def _reviews(session: Session, organisation_id: int) -> list[JdReviewView]:
    rows = session.scalars(
        select(rt.JdReview).where(rt.JdReview.organisation_id == organisation_id)
    )
    return [JdReviewView.of(r) for r in rows]


def _table_json(table: Table, estimated: dict[str, Any], name: str) -> dict[str, Any]:
    return {
        column: {**counts, "estimated": f"{name}.{column}" in estimated}
        for column, counts in table.counts.items()
    }


def _build(session: Session, actor: Actor, quarter: Quarter, all_groups: bool) -> dict[str, Any]:
    org = session.get(t.Organisation, actor.organisation_id)
    assert org is not None
    as_at = quarter.end
    register = entries(session, actor.organisation_id, as_at)
    reviews = _reviews(session, actor.organisation_id)
    figures = compute(register, reviews, as_at)
    row = _record(session, actor, quarter)
    answers = row.board_readiness if row else {}
    estimated = row.estimated if row else {}
    confirmed = bool(row and row.sro_name and row.sro_confirmed_on)
    payload: dict[str, Any] = {
        "quarter": str(quarter),
        "organisation": org.name,
        "as_at": as_at.isoformat(),
        "sro_signoff": {
            "confirmed": confirmed,
            "by": row.sro_name if confirmed and row else None,
            "on": row.sro_confirmed_on.isoformat()
            if confirmed and row and row.sro_confirmed_on
            else None,
        },
        "board_readiness": [
            {"statement": s.text, "answer": answers.get(s.id)} for s in board_readiness_statements()
        ],
        "nm_job_descriptions": _table_json(figures.job_descriptions, estimated, TABLES[0]),
        "nm_staff_reviewed": _table_json(figures.staff_reviewed, estimated, TABLES[1]),
        "gaps": figures.gaps,
    }
    payload["drill_down"] = _drill(figures)
    payload["estimated_reasons"] = dict(estimated)
    if all_groups:
        payload["by_staff_group"] = _by_group(register, reviews, as_at)
    return payload


def _drill(figures: Figures) -> dict[str, Any]:
    return {TABLES[0]: figures.job_descriptions.behind, TABLES[1]: figures.staff_reviewed.behind}


def _by_group(register: list[Any], reviews: list[JdReviewView], as_at: dt.date) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for group in sorted({e.staff_group or "" for e in register}):
        members = [e for e in register if (e.staff_group or "") == group]
        figs = compute(members, reviews, as_at, nm_only=False)
        out[group or "none"] = {
            "job_descriptions": figs.job_descriptions.counts,
            "staff_reviewed": figs.staff_reviewed.counts,
            "gaps": figs.gaps,
        }
    return out


def je_kpi_return(
    db: Database,
    actor: Actor,
    quarter: str,
    *,
    detail: bool = False,
    all_staff_groups: bool = False,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The quarter's return: exactly :data:`CONTRACT_KEYS`, or with ``detail`` also
    ``drill_down``, ``estimated_reasons``, ``submitted`` and ``previous_quarter``."""
    actor.require("read")
    q = quarter_of(quarter, today)
    with db.reading() as session:
        current = _payload(session, actor, q, all_staff_groups)
        if not detail:
            return {k: current[k] for k in CONTRACT_KEYS} | (
                {"by_staff_group": current["by_staff_group"]} if all_staff_groups else {}
            )
        previous = _payload(session, actor, q.previous(), False)
        current["previous_quarter"] = compare(current, previous)
        return current


def _payload(session: Session, actor: Actor, quarter: Quarter, all_groups: bool) -> dict[str, Any]:
    row = _record(session, actor, quarter)
    if row is not None and row.snapshot is not None:
        frozen = dict(row.snapshot)
        if all_groups and "by_staff_group" not in frozen:
            frozen["by_staff_group"] = _build(session, actor, quarter, True)["by_staff_group"]
        frozen["submitted"] = {
            "by": row.submitted_by,
            "at": row.submitted_at.isoformat() if row.submitted_at else None,
        }
        return frozen
    payload = _build(session, actor, quarter, all_groups)
    payload["submitted"] = None
    return payload


def compare(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """Each figure of ``current`` with the previous quarter's and the change."""
    out: dict[str, Any] = {
        "quarter": previous["quarter"],
        "submitted": previous["submitted"] is not None,
    }
    for name, figures in ((TABLES[0], JD_FIGURES), (TABLES[1], STAFF_FIGURES)):
        out[name] = {
            column: {
                f: {
                    "current": current[name][column][f],
                    "previous": previous[name][column][f],
                    "change": current[name][column][f] - previous[name][column][f],
                }
                for f in figures
            }
            for column in current[name]
        }
    return out


def set_board_readiness(
    db: Database, actor: Actor, quarter: str, answers: dict[str, str | None]
) -> None:
    """Record yes/no answers (None clears one) to the board readiness statements."""
    _require_lead(actor)
    q = quarter_of(quarter)
    known = {s.id for s in board_readiness_statements()}
    for key, answer in answers.items():
        if key not in known:
            raise InvalidInput(
                f"no board readiness statement {key!r} (known: {', '.join(sorted(known))})", key
            )
        if answer is not None and answer not in ANSWERS:
            raise InvalidInput(f"the answer to {key!r} is 'yes' or 'no', not {answer!r}", key)
    with db.transaction() as session:
        row = _editable(session, actor, q)
        before = dict(row.board_readiness)
        merged = {**before, **answers}
        row.board_readiness = {k: v for k, v in merged.items() if v is not None}
        row.version += 1
        audit(
            session,
            actor,
            "je-return.board-readiness",
            "je-return",
            row.id,
            before,
            row.board_readiness,
        )


def set_estimated(
    db: Database, actor: Actor, quarter: str, table: str, column: str, reason: str | None
) -> None:
    """Flag one figure column as estimated, with the reason (None or "" clears it)."""
    _require_lead(actor)
    q = quarter_of(quarter)
    if table not in TABLES:
        raise InvalidInput(f"table is one of {', '.join(TABLES)}", "table")
    if column not in ("5", "6", "7", "8a+"):
        raise InvalidInput("band is one of 5, 6, 7, 8a+", "band")
    text = (reason or "").strip()
    if text:
        text = check_line(text, "reason", "the reason", 500)
    with db.transaction() as session:
        row = _editable(session, actor, q)
        before = dict(row.estimated)
        key = f"{table}.{column}"
        updated = {k: v for k, v in before.items() if k != key}
        if text:
            updated[key] = text
        row.estimated = updated
        row.version += 1
        audit(session, actor, "je-return.estimated", "je-return", row.id, before, updated)


def record_sro_signoff(
    db: Database, actor: Actor, quarter: str, sro_name: str, confirmed_on: dt.date
) -> None:
    """Record that the board-level SRO approved the quarter's data (who and when)."""
    _require_lead(actor)
    q = quarter_of(quarter)
    name = check_line(sro_name, "sro_name", "the SRO's name", 200)
    check_date(confirmed_on, "confirmed_on")
    if confirmed_on > now().date():
        raise InvalidInput("the SRO's sign-off date is in the future", "confirmed_on")
    with db.transaction() as session:
        row = _editable(session, actor, q)
        before = {
            "sro_name": row.sro_name,
            "on": row.sro_confirmed_on.isoformat() if row.sro_confirmed_on else None,
        }
        row.sro_name, row.sro_confirmed_on, row.sro_recorded_by = name, confirmed_on, actor.user_id
        row.version += 1
        audit(
            session, actor, "je-return.sro-signoff", "je-return", row.id, before,
            {"sro_name": name, "on": confirmed_on.isoformat()},
        )  # fmt: skip


def submit_return(db: Database, actor: Actor, quarter: str) -> dict[str, Any]:
    """Freeze the quarter's figures; refused until the SRO has signed off and every
    board readiness statement is answered. Audited as ``je-return.submitted``."""
    _require_lead(actor)
    q = quarter_of(quarter)
    with db.transaction() as session:
        row = _editable(session, actor, q)
        if not (row.sro_name and row.sro_confirmed_on):
            raise RuleViolation(f"the SRO has not signed off the {q} return yet", "sro_signoff")
        missing = [s.id for s in board_readiness_statements() if s.id not in row.board_readiness]
        if missing:
            raise RuleViolation(
                f"board readiness statements not answered: {', '.join(missing)}", "board_readiness"
            )
        payload = _build(session, actor, q, True)
        row.snapshot = payload
        row.submitted_by, row.submitted_at = actor.user_id, now()
        row.version += 1
        audit(
            session,
            actor,
            "je-return.submitted",
            "je-return",
            row.id,
            None,
            {k: payload[k] for k in CONTRACT_KEYS},
        )
        return payload
