"""The JE register: per job, its staff group, the band in force, its job description's
dates, its postholders and whether cases on it are open.

The band and the last matched date come from the job's latest recorded outcome when
bandwise holds one (what a panel decided beats what a spreadsheet says); otherwise from
the register. The JD's last review is the later of the register's date and the latest
recorded JD review. Everything is "as at" a date, so a quarter's return can be made
after the quarter ends.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..clock import as_utc
from ..errors import InvalidInput
from ..returns.rules import BANDS, find_staff_group, staff_groups
from ..store import register_tables as rt
from ..store import tables as t
from .base import Actor, Database, audit, get_owned, now, snapshot
from .fields import check_date

#: Case statuses that mean work on the job is not finished.
OPEN_CASE_STATUSES = ("draft", "outcome-recorded", "returned", "review-requested")
REGISTER_FIELDS = ("staff_group", "band", "jd_written", "jd_last_reviewed", "notes")


@dataclass(frozen=True)
class RegisterEntry:
    job_id: int
    reference: str
    title: str
    department: str
    status: str
    staff_group: str | None  # the staff group's id
    band: str | None
    band_source: str | None  # "outcome", "register" or None
    jd_written: dt.date | None
    jd_last_reviewed: dt.date | None
    last_matched: dt.date | None
    headcount: int | None
    wte: Decimal | None
    postholders_as_at: dt.date | None
    open_cases: int
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How a list names the job: ``REF-1 Staff nurse`` or the title alone."""
        return f"{self.reference} {self.title}" if self.reference else self.title

    def to_json(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "reference": self.reference,
            "title": self.title,
            "department": self.department,
            "status": self.status,
            "staff_group": self.staff_group,
            "band": self.band,
            "band_source": self.band_source,
            "jd_written": _iso(self.jd_written),
            "jd_last_reviewed": _iso(self.jd_last_reviewed),
            "last_matched": _iso(self.last_matched),
            "headcount": self.headcount,
            "wte": float(self.wte) if self.wte is not None else None,
            "postholders_as_at": _iso(self.postholders_as_at),
            "open_cases": self.open_cases,
            "notes": self.notes,
        }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _day_end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)


def _date_of(value: dt.datetime) -> dt.date:
    return as_utc(value).date()


def entries(session: Session, organisation_id: int, as_at: dt.date) -> list[RegisterEntry]:
    """Every job of the organisation as the register stood at the end of ``as_at``."""
    jobs = list(
        session.scalars(
            select(t.Job).where(t.Job.organisation_id == organisation_id).order_by(t.Job.id)
        )
    )
    register = {
        r.job_id: r
        for r in session.scalars(
            select(rt.JobRegister).where(rt.JobRegister.organisation_id == organisation_id)
        )
    }
    latest: dict[int, tuple[dt.datetime, str]] = {}
    outcomes = session.execute(
        select(t.Case.job_id, t.Outcome.recorded_at, t.Outcome.band)
        .join(t.Case, t.Case.id == t.Outcome.case_id)
        .where(t.Outcome.organisation_id == organisation_id)
        .where(t.Outcome.recorded_at < _day_end(as_at))
        .order_by(t.Outcome.recorded_at, t.Outcome.id)
    )
    for job_id, at, decided in outcomes:
        latest[job_id] = (at, decided)
    reviewed = dict(
        session.execute(
            select(rt.JdReview.job_id, func.max(rt.JdReview.reviewed_on))
            .where(rt.JdReview.organisation_id == organisation_id)
            .where(rt.JdReview.reviewed_on <= as_at)
            .group_by(rt.JdReview.job_id)
        ).all()
    )
    holders: dict[int, rt.Postholders] = {}
    for row in session.scalars(
        select(rt.Postholders)
        .where(rt.Postholders.organisation_id == organisation_id)
        .where(rt.Postholders.as_at <= as_at)
        .order_by(rt.Postholders.as_at)
    ):
        holders[row.job_id] = row
    open_cases = dict(
        session.execute(
            select(t.Case.job_id, func.count())
            .where(t.Case.organisation_id == organisation_id)
            .where(t.Case.status.in_(OPEN_CASE_STATUSES))
            .group_by(t.Case.job_id)
        ).all()
    )
    out = []
    for job in jobs:
        reg = register.get(job.id)
        band: str | None = None
        source: str | None = None
        if job.id in latest:
            band, source = latest[job.id][1], "outcome"
        elif reg is not None and reg.band:
            band, source = reg.band, "register"
        dates = [d for d in (reg.jd_last_reviewed if reg else None, reviewed.get(job.id)) if d]
        dates = [d for d in dates if d <= as_at]
        held = holders.get(job.id)
        out.append(
            RegisterEntry(
                job_id=job.id,
                reference=job.reference,
                title=job.title,
                department=job.department,
                status=job.status,
                staff_group=reg.staff_group if reg else None,
                band=band,
                band_source=source,
                jd_written=reg.jd_written if reg else None,
                jd_last_reviewed=max(dates) if dates else None,
                last_matched=_date_of(latest[job.id][0]) if job.id in latest else None,
                headcount=held.headcount if held else None,
                wte=Decimal(held.wte) if held else None,
                postholders_as_at=held.as_at if held else None,
                open_cases=int(open_cases.get(job.id, 0)),
                notes=dict(reg.notes) if reg and reg.notes else {},
            )
        )
    return out


def list_register(db: Database, actor: Actor, as_at: dt.date | None = None) -> list[RegisterEntry]:
    actor.require("read")
    with db.reading() as session:
        return entries(session, actor.organisation_id, as_at or now().date())


def get_entry(db: Database, actor: Actor, job_id: int) -> RegisterEntry:
    actor.require("read")
    with db.reading() as session:
        get_owned(session, t.Job, job_id, actor, "job")
        return next(
            e for e in entries(session, actor.organisation_id, now().date()) if e.job_id == job_id
        )


def check_band(value: str | None, field_name: str = "band") -> str | None:
    """A band as the register stores it (``5``, ``8a``), or InvalidInput naming what is
    accepted; "Band 8A" is read as ``8a``."""
    if value is None or not value.strip():
        return None
    text = value.strip().lower().removeprefix("band").strip()
    if text not in BANDS:
        raise InvalidInput(
            f"{field_name} {value!r} is not an Agenda for Change band (expected one of "
            f"{', '.join(BANDS)})",
            field_name,
        )
    return text


def check_staff_group(value: str | None, field_name: str = "staff_group") -> str | None:
    if value is None or not value.strip():
        return None
    group = find_staff_group(value)
    if group is None:
        names = "; ".join(g.name for g in staff_groups())
        raise InvalidInput(
            f"{field_name} {value!r} is not an NHS staff group (expected one of: {names})",
            field_name,
        )
    return group.id


def check_wte(value: Any, field_name: str = "wte") -> Decimal:
    try:
        wte = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(
            f"{field_name} {value!r} is not a number (e.g. 12.6)", field_name
        ) from None
    if not wte.is_finite() or wte < 0 or wte > Decimal("9999999"):
        raise InvalidInput(
            f"{field_name} {value!r} is not a whole-time equivalent of 0 or more", field_name
        )
    return wte.quantize(Decimal("0.01"))


def upsert_register(
    session: Session,
    actor: Actor,
    job_id: int,
    changes: dict[str, Any],
    preloaded: dict[int, rt.JobRegister] | None = None,
) -> None:
    """Apply register ``changes`` to a job inside the caller's transaction, with its
    audit event (``job.register-updated``). An import passes the organisation's entries
    ``preloaded`` (by job id), so a row costs no query."""
    row = session.get(rt.JobRegister, job_id) if preloaded is None else preloaded.get(job_id)
    before = snapshot(row, REGISTER_FIELDS) if row else None
    if row is None:
        row = rt.JobRegister(job_id=job_id, organisation_id=actor.organisation_id, notes={})
        session.add(row)
        if preloaded is not None:
            preloaded[job_id] = row
    for key, value in changes.items():
        setattr(row, key, value)
    row.updated_at = now()
    after = snapshot(row, REGISTER_FIELDS)
    if after != before:
        audit(session, actor, "job.register-updated", "job", job_id, before, after)


def update_register(
    db: Database, actor: Actor, job_id: int, changes: dict[str, Any]
) -> RegisterEntry:
    """Set a job's staff group, band or JD dates (each may be None to clear it)."""
    actor.require("write")
    unknown = set(changes) - {"staff_group", "band", "jd_written", "jd_last_reviewed"}
    if unknown:
        raise InvalidInput(f"unknown field(s): {', '.join(sorted(unknown))}", sorted(unknown)[0])
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "band":
            clean[key] = check_band(value)
        elif key == "staff_group":
            clean[key] = check_staff_group(value)
        else:
            clean[key] = check_date(value, key)
    with db.transaction() as session:
        get_owned(session, t.Job, job_id, actor, "job", lock=True)
        upsert_register(session, actor, job_id, clean)
    return get_entry(db, actor, job_id)


def add_postholders(
    session: Session,
    actor: Actor,
    job_id: int,
    as_at: dt.date,
    headcount: int,
    wte: Decimal,
    preloaded: dict[int, rt.Postholders] | None = None,
) -> None:
    """Record the postholders as at a date (replacing that date's figure, keeping the
    others as history), audited as ``job.postholders-recorded``. An import passes that
    date's figures ``preloaded`` (by job id)."""
    row = (
        session.scalar(
            select(rt.Postholders)
            .where(rt.Postholders.job_id == job_id)
            .where(rt.Postholders.as_at == as_at)
        )
        if preloaded is None
        else preloaded.get(job_id)
    )
    before = {"headcount": row.headcount, "wte": str(row.wte)} if row else None
    if row is None:
        row = rt.Postholders(
            organisation_id=actor.organisation_id, job_id=job_id, as_at=as_at,
            headcount=headcount, wte=wte, recorded_by=actor.user_id,
        )  # fmt: skip
        session.add(row)
        if preloaded is not None:
            preloaded[job_id] = row
    else:
        row.headcount, row.wte, row.recorded_by = headcount, wte, actor.user_id
    audit(
        session, actor, "job.postholders-recorded", "job", job_id, before,
        {"as_at": as_at.isoformat(), "headcount": headcount, "wte": str(wte)},
    )  # fmt: skip


def record_postholders(
    db: Database, actor: Actor, job_id: int, as_at: dt.date, headcount: int, wte: Any
) -> RegisterEntry:
    actor.require("write")
    check_date(as_at, "as_at")
    if headcount < 0:
        raise InvalidInput("headcount is 0 or more", "headcount")
    amount = check_wte(wte)
    with db.transaction() as session:
        get_owned(session, t.Job, job_id, actor, "job", lock=True)
        add_postholders(session, actor, job_id, as_at, headcount, amount)
    return get_entry(db, actor, job_id)


def postholder_history(
    db: Database, actor: Actor, job_id: int
) -> list[tuple[dt.date, int, Decimal]]:
    actor.require("read")
    with db.reading() as session:
        get_owned(session, t.Job, job_id, actor, "job")
        rows = session.scalars(
            select(rt.Postholders)
            .where(rt.Postholders.job_id == job_id)
            .order_by(rt.Postholders.as_at)
        )
        return [(r.as_at, r.headcount, Decimal(r.wte)) for r in rows]


def je_training_of(db: Database, actor: Actor, user_id: int) -> dt.date | None:
    """When a person of the organisation was trained in JE (None: not recorded)."""
    actor.require("read")
    with db.reading() as session:
        get_owned(session, t.User, user_id, actor, "user")
        row = session.get(rt.JeTraining, user_id)
        return row.trained_on if row else None


def set_je_training(db: Database, actor: Actor, user_id: int, trained_on: dt.date | None) -> None:
    """Record (or clear, with None) when a person was trained in JE; audited."""
    actor.require("manage-users")
    check_date(trained_on, "trained_on")
    with db.transaction() as session:
        get_owned(session, t.User, user_id, actor, "user")
        row = session.get(rt.JeTraining, user_id)
        before = {"trained_on": row.trained_on.isoformat()} if row else None
        if trained_on is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(
                rt.JeTraining(
                    user_id=user_id, organisation_id=actor.organisation_id, trained_on=trained_on
                )
            )
        else:
            row.trained_on = trained_on
        after = {"trained_on": trained_on.isoformat()} if trained_on else None
        audit(session, actor, "user.je-training-recorded", "user", user_id, before, after)
