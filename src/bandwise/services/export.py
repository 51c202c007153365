"""Every outcome of the organisation with its 16 factor levels, as CSV or XLSX.

One row per recorded outcome (confirmed or not: the ``confirmed`` column says ``yes``
for an outcome a consistency check confirmed),
ordered by job and then by when it was recorded. The file is written all at once or
not at all, and text a spreadsheet would run as a formula is neutralised
(:func:`bandwise.batch.io.write_rows`). The export is recorded in the audit trail
(``outcomes.exported``) once the file is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..batch.io import Cell, output_kind, write_rows
from ..errors import BandwiseError
from .base import Actor, Database, InvalidInput, audit
from .outcome_queries import OutcomeRecord, outcome_records

FACTORS = 16
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
)
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    format: str
    rows: int

    def to_json(self) -> dict[str, object]:
        return {"path": str(self.path), "format": self.format, "rows": self.rows}


def _row(r: OutcomeRecord) -> list[Cell]:
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
    ]


def export_rows(db: Database, actor: Actor) -> list[list[Cell]]:
    """The export's rows (without the header), for the actor's organisation."""
    actor.require("read")
    with db.transaction() as session:
        return [_row(r) for r in outcome_records(session, actor.organisation_id)]


def export_outcomes(db: Database, actor: Actor, path: Path, fmt: str | None = None) -> ExportResult:
    """Write the organisation's outcomes to ``path`` (``.csv`` or ``.xlsx``)."""
    actor.require("read")
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
            {"format": kind, "rows": len(rows), "file": path.name},
        )
        # the event is stored before the file is written: a database that cannot record
        # the export (read-only) refuses it, and a file that cannot be written rolls it back
        session.flush()
        write_rows(path, COLUMNS, rows, count=len(rows))
    return ExportResult(path, kind, len(rows))
