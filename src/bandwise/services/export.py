"""Every outcome of the organisation with its 16 factor levels, as CSV or XLSX.

One row per recorded outcome (confirmed or not: the ``confirmed`` column says ``yes``
for an outcome a consistency check confirmed),
ordered by job and then by when it was recorded. The file is written all at once or
not at all, and text a spreadsheet would run as a formula is neutralised
(:func:`bandwise.batch.io.write_rows`). The export is recorded in the audit trail
(``outcomes.exported``) once the file is written.

After the 16 levels come who and when: the outcome's day (the panel's sitting, else the
day it was recorded), the panel members with their sides (guests marked as guests, with
their organisation), the panel's rationale, who made the approving consistency check and
on which day, and the day the outcome was notified (on the case's latest outcome only).
Days are ISO text (``2026-10-01``) in CSV and real dates in XLSX.

The header row comes in two kinds (:data:`HEADERS`): ``codes``, the column ids scripts
depend on (``job_id`` ... ``f1`` ... ``f16`` ...; never renamed), and ``names``, the same
columns in people's words with each factor's name from the scheme's factor plan
("Communication and relationship skills", ...). The values are the same in both.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..batch.io import Cell, output_kind, write_rows
from ..clock import uk_day
from ..errors import BandwiseError
from ..scheme.loader import load_scheme
from ..store import tables as t
from .base import Actor, Database, InvalidInput, audit
from .outcome_queries import OutcomeRecord, outcome_records

FACTORS = 16
#: The columns after the 16 levels (added in issue 17; appended so that no column moves).
WHO_AND_WHEN: tuple[str, ...] = (
    "outcome_on",
    "panel_members",
    "rationale",
    "checked_by",
    "checked_on",
    "notified_on",
)
COLUMNS: tuple[str, ...] = (
    "job_id",
    "reference",
    "title",
    "department",
    "case_id",
    "kind",
    "verdict",
    "total_min",
    "total_max",
    "band",
    "profile_id",
    "suite_id",
    "suite_version",
    "rule_set",
    "scheme_edition",
    "recorded_at",
    "confirmed",
    *(f"f{n}" for n in range(1, FACTORS + 1)),
    *WHO_AND_WHEN,
)
FORMATS = ("csv", "xlsx")
#: The kinds of header row: the column codes scripts read (the default) or people's words.
HEADERS = ("codes", "names")

#: Each column's name in people's words (the factor columns take the factor's name).
COLUMN_NAMES: dict[str, str] = {
    "job_id": "Job number",
    "reference": "Job reference",
    "title": "Job title",
    "department": "Department",
    "case_id": "Case number",
    "kind": "Kind of case",
    "verdict": "Verdict",
    "total_min": "Total score (lowest)",
    "total_max": "Total score (highest)",
    "band": "Band",
    "profile_id": "National profile",
    "suite_id": "Profile suite",
    "suite_version": "Profile suite version",
    "rule_set": "Matching rule set",
    "scheme_edition": "Job evaluation scheme edition",
    "recorded_at": "Recorded at",
    "confirmed": "Confirmed by a consistency check",
    "outcome_on": "Outcome date",
    "panel_members": "Panel members",
    "rationale": "Panel's rationale",
    "checked_by": "Consistency checked by",
    "checked_on": "Consistency check date",
    "notified_on": "Notified on",
}
#: A panel member's side in the export's words.
SIDE_WORDS = {"management": "management side", "staff-side": "staff side"}


def header(headers: str = "codes") -> tuple[str, ...]:
    """The header row: the column codes (``codes``) or people's words (``names``), where
    the factor columns take their names from the scheme's factor plan."""
    if headers == "codes":
        return COLUMNS
    if headers != "names":
        raise InvalidInput(f"the headers are codes or names, not {headers!r}", "headers")
    factors = {f"f{f.number}": f.name for f in load_scheme().factors}
    return tuple(COLUMN_NAMES.get(c) or factors[c] for c in COLUMNS)


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    format: str
    rows: int

    def to_json(self) -> dict[str, object]:
        return {"path": str(self.path), "format": self.format, "rows": self.rows}


@dataclass(frozen=True, slots=True)
class WhoAndWhen:
    """An outcome's panel, rationale, approving check and notification."""

    outcome_on: dt.date
    panel_members: str = ""
    rationale: str = ""
    checked_by: str = ""
    checked_on: dt.date | None = None
    notified_on: dt.date | None = None

    def cells(self) -> list[Cell]:
        return [
            self.outcome_on,
            self.panel_members,
            self.rationale,
            self.checked_by,
            self.checked_on or "",
            self.notified_on or "",
        ]


def member_text(name: str, side: str, guest_of: str | None = None) -> str:
    """One panel member: "Ann Lee (management side)", or for a guest "Bob Ray (staff
    side, guest, UNISON)" (``guest_of``: the guest's organisation, "" when not given)."""
    words = [SIDE_WORDS.get(side, side)]
    if guest_of is not None:
        words.append("guest")
        if guest_of.strip():
            words.append(guest_of.strip())
    return f"{name} ({', '.join(words)})"


def _who_and_when(
    session: Session, organisation_id: int, records: list[OutcomeRecord]
) -> dict[int, WhoAndWhen]:
    """Each outcome's panel, rationale, approving check and notification, by outcome id.
    Columns, not whole rows: an outcome's row carries its result as JSON, which the export
    does not need (decoding it was most of an export's time)."""
    outcomes = {
        outcome_id: (panel_id, rationale)
        for outcome_id, panel_id, rationale in session.execute(
            select(t.Outcome.id, t.Outcome.panel_id, t.Outcome.rationale).where(
                t.Outcome.organisation_id == organisation_id
            )
        )
    }
    sat_on = dict(
        session.execute(
            select(t.Panel.id, t.Panel.sat_on).where(t.Panel.organisation_id == organisation_id)
        ).all()
    )
    names = dict(
        session.execute(
            select(t.User.id, t.User.name).where(t.User.organisation_id == organisation_id)
        ).all()
    )
    members: dict[int, list[str]] = defaultdict(list)
    rows = session.execute(
        select(
            t.PanelMember.panel_id,
            t.PanelMember.user_id,
            t.PanelMember.side,
            t.PanelMember.guest_name,
            t.PanelMember.guest_organisation,
        )
        .join(t.Panel, t.PanelMember.panel_id == t.Panel.id)
        .where(t.Panel.organisation_id == organisation_id)
        .order_by(t.PanelMember.id)
    )
    for m in rows:
        if m.user_id is None:
            members[m.panel_id].append(
                member_text(m.guest_name or "", m.side, m.guest_organisation or "")
            )
        else:
            members[m.panel_id].append(member_text(names.get(m.user_id, ""), m.side))
    approved: dict[int, tuple[int, dt.datetime]] = {}
    checks = session.execute(
        select(
            t.ConsistencyCheck.outcome_id,
            t.ConsistencyCheck.checker_id,
            t.ConsistencyCheck.checked_at,
        )
        .where(t.ConsistencyCheck.organisation_id == organisation_id)
        .where(t.ConsistencyCheck.decision == "approved")
        .order_by(t.ConsistencyCheck.id)
    )
    for outcome_id, checker_id, checked_at in checks:
        approved[outcome_id] = (checker_id, checked_at)  # the last approval, should there be two
    notified = {
        case_id: uk_day(at)
        for case_id, at in session.execute(
            select(t.Case.id, t.Case.notified_at)
            .where(t.Case.organisation_id == organisation_id)
            .where(t.Case.notified_at.is_not(None))
        ).all()
        if at is not None
    }
    latest: dict[int, OutcomeRecord] = {}
    for r in records:
        if r.case_id not in latest or r.order > latest[r.case_id].order:
            latest[r.case_id] = r
    out = {}
    for r in records:
        panel_id, rationale = outcomes[r.outcome_id]
        check = approved.get(r.outcome_id)
        out[r.outcome_id] = WhoAndWhen(
            outcome_on=sat_on[panel_id] if panel_id is not None else r.recorded_on,
            panel_members="; ".join(members[panel_id]) if panel_id is not None else "",
            rationale=rationale or "",
            checked_by=names.get(check[0], "") if check is not None else "",
            checked_on=uk_day(check[1]) if check is not None else None,
            notified_on=(
                notified.get(r.case_id) if latest[r.case_id].outcome_id == r.outcome_id else None
            ),
        )
    return out


def _row(r: OutcomeRecord, more: WhoAndWhen) -> list[Cell]:
    levels = list(r.levels[:FACTORS]) + [""] * (FACTORS - len(r.levels))
    return [
        r.job_id,
        r.job_reference,
        r.job_title,
        r.job_department,
        r.case_id,
        r.case_kind,
        r.verdict,
        r.total_min,
        r.total_max,
        r.band,
        r.profile_id or "",
        r.suite_id or "",
        r.suite_version if r.suite_version is not None else "",
        f"{r.rule_set_id} v{r.rule_set_version}",
        r.scheme_edition,
        r.recorded_at.isoformat(timespec="seconds"),
        "yes" if r.confirmed else "no",
        *(lv.strip() for lv in levels),
        *more.cells(),
    ]


def export_rows(db: Database, actor: Actor) -> list[list[Cell]]:
    """The export's rows (without the header), for the actor's organisation."""
    actor.require("read")
    with db.reading() as session:
        records = outcome_records(session, actor.organisation_id)
        more = _who_and_when(session, actor.organisation_id, records)
        return [_row(r, more[r.outcome_id]) for r in records]


def export_outcomes(
    db: Database, actor: Actor, path: Path, fmt: str | None = None, headers: str = "codes"
) -> ExportResult:
    """Write the organisation's outcomes to ``path`` (``.csv`` or ``.xlsx``) under the
    header row ``headers`` (``codes`` or ``names``)."""
    actor.require("read")
    columns = header(headers)
    try:
        kind = output_kind(path)
    except BandwiseError as exc:
        raise InvalidInput(str(exc), "path") from exc
    if fmt is not None and fmt != kind:
        raise InvalidInput(
            f"the format is {fmt} but the file name ends in {path.suffix or 'no suffix'}: "
            f"name the file .{fmt}",
            "path",
        )
    rows = export_rows(db, actor)
    with db.transaction() as session:
        audit(
            session,
            actor,
            "outcomes.exported",
            "organisation",
            actor.organisation_id,
            None,
            {"format": kind, "rows": len(rows), "file": path.name, "headers": headers},
        )
        # the event is stored before the file is written: a database that cannot record
        # the export (read-only) refuses it, and a file that cannot be written rolls it back
        session.flush()
        write_rows(path, columns, rows, count=len(rows))
    return ExportResult(path, kind, len(rows))
