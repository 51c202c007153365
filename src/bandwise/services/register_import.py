"""Import and update the JE register from a CSV or XLSX file (an ESR position export or a
trust's JD spreadsheet).

Columns (header names in any case; blanks and spaces around them ignored): ``reference``
(the key: a row whose reference exists updates that job), ``title`` (needed for a new
job), ``staff_group``, ``band``, ``jd_last_reviewed`` (YYYY-MM-DD or DD/MM/YYYY),
``headcount``, ``wte``, ``status`` and optionally ``department``, ``jd_written``. Other
columns are kept as the job's notes. Every bad row gets its own error naming the row,
the column, the value and what was expected; nothing is imported unless every row is
good, or ``skip_bad`` is given. Headcount and WTE are recorded as at the import's date.
A row for a job with open cases is imported and flagged.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..batch.io import _csv_rows, _xlsx_rows, input_kind  # the batch reader's decoding rules
from ..errors import DocumentError, InvalidInput
from ..store import register_tables as rt
from ..store import tables as t
from .base import Actor, Database, audit, now, snapshot
from .fields import DATE_MAX, DATE_MIN, check_line, digits
from .register import (
    OPEN_CASE_STATUSES,
    add_postholders,
    check_band,
    check_staff_group,
    check_wte,
    upsert_register,
)

COLUMNS = (
    "reference", "title", "staff_group", "band", "jd_last_reviewed", "headcount", "wte",
    "status", "department", "jd_written",
)  # fmt: skip
MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024
_STATUS = {"active": "active", "in use": "active", "in-use": "active", "archived": "archived"}
_JOB_FIELDS = ("title", "reference", "department", "status")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    expected: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.value!r}: {self.expected}"

    def to_json(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "expected": self.expected,
        }


@dataclass
class ParsedRow:
    row: int
    reference: str
    job: dict[str, Any]
    register: dict[str, Any]
    headcount: int | None
    wte: Decimal | None
    notes: dict[str, str]


@dataclass
class ImportResult:
    dry_run: bool
    rows: int
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)  # references of jobs with open cases
    imported: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "imported": self.imported,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "errors": [e.to_json() for e in self.errors],
            "flagged_open_cases": self.flagged,
        }


def parse_date(text: str) -> dt.date | None:
    """YYYY-MM-DD or DD/MM/YYYY (also an XLSX date cell), within 1900 to 2100."""
    value = text.strip()
    if not value.isascii():
        return None
    try:
        if "/" in value:
            day, month, year = value.split("/")
            found = dt.date(int(year), int(month), int(day)) if len(year) == 4 else None
        else:
            found = dt.date.fromisoformat(value[:10]) if len(value) in (10, 19) else None
    except ValueError:
        return None
    return found if found and DATE_MIN <= found <= DATE_MAX else None


def read_table(path: Path) -> list[tuple[int, dict[str, str]]]:
    """The file's data rows as (spreadsheet row number, {column: text}); a file that
    cannot be read, or has no ``reference`` column, is an InvalidInput."""
    try:
        kind = input_kind(path)
        if path.stat().st_size > MAX_BYTES:
            raise InvalidInput(f"the file is larger than {MAX_BYTES // 1024 // 1024} MB", "file")
        numbers, rows = _csv_rows(path) if kind == "csv" else _xlsx_rows(path)
    except DocumentError as exc:  # its message without the path (an upload's is temporary)
        raise InvalidInput(str(exc).removeprefix(f"{exc.file}: "), "file") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read the file: {exc.strerror or exc}", "file") from None
    filled = [(n, r) for n, r in zip(numbers, rows, strict=True) if any(c.strip() for c in r)]
    if not filled:
        raise InvalidInput("the file has no header row", "file")
    (_, header), body = filled[0], filled[1:]
    names = [h.strip().lower().replace(" ", "_") for h in header]
    if "reference" not in names:
        raise InvalidInput(
            "the file has no 'reference' column (the header row names the columns: "
            + ", ".join(COLUMNS) + ")",
            "file",
        )  # fmt: skip
    if len(body) > MAX_ROWS:
        raise InvalidInput(f"the file has more than {MAX_ROWS} rows", "file")
    return [
        (
            number,
            {
                name: (row[i] if i < len(row) else "").strip()
                for i, name in enumerate(names)
                if name
            },
        )
        for number, row in body
    ]


def read_bytes(data: bytes, filename: str) -> list[tuple[int, dict[str, str]]]:
    """:func:`read_table` for an uploaded file."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_BYTES // 1024 // 1024} MB", "file")
    suffix = Path(filename).suffix.lower()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        return read_table(path)


def _parse(number: int, cells: dict[str, str], errors: list[RowError]) -> ParsedRow | None:
    count = len(errors)

    def bad(column: str, expected: str) -> None:
        errors.append(RowError(number, column, cells.get(column, ""), expected))

    reference = cells.get("reference", "")
    job: dict[str, Any] = {}
    register: dict[str, Any] = {}
    try:
        job["reference"] = check_line(reference, "reference", "the reference", 100)
    except InvalidInput as exc:
        bad("reference", exc.message)
    for column, most in (("title", 200), ("department", 200)):
        if cells.get(column):
            try:
                job[column] = check_line(cells[column], column, f"the {column}", most)
            except InvalidInput as exc:
                bad(column, exc.message)
    if cells.get("status"):
        status = _STATUS.get(" ".join(cells["status"].lower().split()))
        if status is None:
            bad("status", "'in use' (or 'active') or 'archived'")
        job["status"] = status
    for column, check in (("staff_group", check_staff_group), ("band", check_band)):
        if cells.get(column):
            try:
                register[column] = check(cells[column], column)
            except InvalidInput as exc:
                bad(column, exc.message.split(" is ", 1)[-1].removeprefix("not "))
    for column in ("jd_last_reviewed", "jd_written"):
        if cells.get(column):
            register[column] = parse_date(cells[column])
            if register[column] is None:
                bad(column, "a date as YYYY-MM-DD or DD/MM/YYYY, from 1900 to 2100")
    headcount, wte = None, None
    if cells.get("headcount"):
        if digits(cells["headcount"], 7):
            headcount = int(cells["headcount"])
        else:
            bad("headcount", "a whole number of people, 0 or more")
    if cells.get("wte"):
        try:
            wte = check_wte(cells["wte"])
        except InvalidInput:
            bad("wte", "a whole-time equivalent of 0 or more, e.g. 12.6")
    if (headcount is None) != (wte is None):
        missing = "wte" if wte is None else "headcount"
        bad(missing, "headcount and wte are given together")
    notes = {k: v for k, v in cells.items() if k not in COLUMNS and v}
    if len(errors) > count:
        return None
    return ParsedRow(number, reference.strip(), job, register, headcount, wte, notes)


def _update_job(session: Session, actor: Actor, job: t.Job, changes: dict[str, Any]) -> None:
    before = snapshot(job, _JOB_FIELDS)
    changed = {k: v for k, v in changes.items() if getattr(job, k) != v}
    if changed:
        for key, value in changed.items():
            setattr(job, key, value)
        job.version += 1
        job.updated_at = now()
        audit(session, actor, "job.updated", "job", job.id, before, snapshot(job, _JOB_FIELDS))


def import_register(
    db: Database, actor: Actor, rows: list[tuple[int, dict[str, str]]], *,
    dry_run: bool = False, skip_bad: bool = False,
) -> ImportResult:  # fmt: skip
    """Check every row, then (unless ``dry_run``, and only when every row is good or
    ``skip_bad``) create or update the jobs in one transaction, audited per job and as
    ``register.imported``."""
    actor.require("import")
    result = ImportResult(dry_run=dry_run, rows=len(rows))
    parsed: list[ParsedRow] = []
    seen: dict[str, int] = {}
    for number, cells in rows:
        row = _parse(number, cells, result.errors)
        if row is None:
            continue
        if row.reference in seen:
            result.errors.append(
                RowError(
                    number,
                    "reference",
                    row.reference,
                    f"a reference used once (row {seen[row.reference]} has it)",
                )
            )
            continue
        seen[row.reference] = number
        parsed.append(row)
    today = now().date()
    with db.transaction() as session:
        existing = {
            j.reference: j
            for j in session.scalars(
                select(t.Job)
                .where(t.Job.organisation_id == actor.organisation_id)
                .where(t.Job.reference != "")
            )
        }
        good = []
        for row in parsed:
            if row.reference not in existing and not row.job.get("title"):
                result.errors.append(
                    RowError(row.row, "title", "", "a title: the reference is a new job")
                )
            else:
                good.append(row)
        open_jobs = set(
            session.scalars(
                select(t.Case.job_id)
                .where(t.Case.organisation_id == actor.organisation_id)
                .where(t.Case.status.in_(OPEN_CASE_STATUSES))
            )
        )
        result.errors.sort(key=lambda e: e.row)
        for row in good:
            job = existing.get(row.reference)
            (result.updated if job else result.created).append(row.reference)
            if job is not None and job.id in open_jobs:
                result.flagged.append(row.reference)
        if dry_run or (result.errors and not skip_bad):
            return result
        jobs: dict[str, t.Job] = {}
        for row in good:  # new jobs first, inserted together to learn their ids
            job = existing.get(row.reference)
            if job is None:
                job = t.Job(organisation_id=actor.organisation_id, version=1, **row.job)
                job.status = row.job.get("status", "active")
                session.add(job)
            else:
                _update_job(session, actor, job, row.job)
            jobs[row.reference] = job
        session.flush()
        org = actor.organisation_id
        registers = {
            r.job_id: r
            for r in session.scalars(
                select(rt.JobRegister).where(rt.JobRegister.organisation_id == org)
            )
        }
        holders = {
            r.job_id: r
            for r in session.scalars(
                select(rt.Postholders)
                .where(rt.Postholders.organisation_id == org)
                .where(rt.Postholders.as_at == today)
            )
        }
        with session.no_autoflush:
            for row in good:
                job = jobs[row.reference]
                if row.reference not in existing:
                    after = snapshot(job, _JOB_FIELDS)
                    audit(session, actor, "job.created", "job", job.id, None, after)
                register = dict(row.register)
                if row.notes:
                    register["notes"] = row.notes
                upsert_register(session, actor, job.id, register, registers)
                if row.headcount is not None and row.wte is not None:
                    add_postholders(session, actor, job.id, today, row.headcount, row.wte, holders)
        audit(
            session, actor, "register.imported", "organisation", actor.organisation_id, None,
            {"created": len(result.created), "updated": len(result.updated),
             "skipped_rows": [e.row for e in result.errors], "flagged_open_cases": result.flagged},
        )  # fmt: skip
        result.imported = True
        return result
