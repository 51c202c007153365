"""Command line over the JE register and NHS England's JE returns:
``bandwise jobs import`` and ``bandwise returns je-kpi`` / ``je-audit``.

Each command acts for one organisation as its first active admin (see
:mod:`bandwise.cli_records`), so what it does is in the audit trail.
"""

from __future__ import annotations

from pathlib import Path

import typer

from .cli_common import JsonOpt, print_json
from .cli_records import OrganisationOpt, _open, _say
from .errors import UsageError

jobs_app = typer.Typer(help="The JE register of jobs.", no_args_is_help=True, rich_markup_mode=None)
returns_app = typer.Typer(
    help="NHS England's job evaluation returns.", no_args_is_help=True, rich_markup_mode=None
)


@jobs_app.command("import")
def jobs_import(
    file: Path = typer.Argument(..., help="A CSV or XLSX file with a header row."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check every row; change nothing."),
    skip_bad: bool = typer.Option(
        False, "--skip-bad", help="Import the good rows even when some rows are bad."
    ),
    json_: bool = JsonOpt,
    organisation: str | None = OrganisationOpt,
) -> None:
    """Create or update register entries from a file (key: the reference column)."""
    from .errors import ServiceError
    from .services.register_import import import_register, read_table

    db, actor = _open(organisation)
    try:
        try:
            result = import_register(
                db, actor, read_table(file), dry_run=dry_run, skip_bad=skip_bad
            )
        except ServiceError as exc:
            raise UsageError(f"{file}: {exc.message}") from None
    finally:
        db.engine.dispose()
    if json_:
        print_json(result.to_json())
    else:
        for error in result.errors:
            _say(f"{file}: {error}")
        for reference in result.flagged:
            _say(f"{reference}: the job has open cases; its register entry is kept, check them")
        verb = "would create" if dry_run else "created"
        _say(
            f"{result.rows} row{'s' if result.rows != 1 else ''}: {verb} "
            f"{len(result.created)}, {'would update' if dry_run else 'updated'} "
            f"{len(result.updated)}, {len(result.errors)} bad"
            + (
                ""
                if result.imported or dry_run
                else "; nothing imported (fix the rows or use --skip-bad)"
            )
        )
    if result.errors and not (skip_bad and result.imported):
        raise typer.Exit(1)


@returns_app.command("je-kpi")
def je_kpi(
    quarter: str = typer.Option(
        ..., "--quarter", help="The quarter, e.g. 2026-Q3 (July to September 2026)."
    ),
    json_: bool = JsonOpt,
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Write the return as an XLSX workbook."),
    all_staff_groups: bool = typer.Option(
        False, "--all-staff-groups", help="Add the same figures for every staff group."
    ),
    organisation: str | None = OrganisationOpt,
) -> None:
    """The quarterly Job Evaluation Audit and KPI return as at the quarter's end."""
    from .errors import ServiceError
    from .services.je_returns import je_kpi_return

    db, actor = _open(organisation)
    try:
        try:
            payload = je_kpi_return(
                db, actor, quarter, detail=bool(xlsx), all_staff_groups=all_staff_groups
            )
        except ServiceError as exc:
            raise UsageError(f"--quarter: {exc.message}") from None
    finally:
        db.engine.dispose()
    if xlsx is not None:
        from .files import atomic_path
        from .returns.export import return_xlsx

        with atomic_path(xlsx) as tmp:
            tmp.write_bytes(return_xlsx(payload))
        _say(f"wrote {xlsx}")
        return
    if json_:
        print_json(payload)
        return
    _print_return(payload)


@returns_app.command("je-audit")
def je_audit(
    start: str = typer.Option(..., "--from", help="First day of the period (YYYY-MM-DD)."),
    end: str = typer.Option(..., "--to", help="Last day of the period, included."),
    json_: bool = JsonOpt,
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Write the audit as an XLSX workbook."),
    pdf: Path | None = typer.Option(None, "--pdf", help="Write the audit as a PDF for the board."),
    organisation: str | None = OrganisationOpt,
) -> None:
    """The annual JE practices self-assessment with its evidence from the records."""
    from .cli_records import _date
    from .errors import ServiceError
    from .services.je_audit import practices_audit

    first, last = _date(start, "--from"), _date(end, "--to")
    db, actor = _open(organisation)
    try:
        try:
            audit = practices_audit(db, actor, first, last)
        except ServiceError as exc:
            raise UsageError(f"--{exc.field or 'from'}: {exc.message}") from None
    finally:
        db.engine.dispose()
    from .files import atomic_path
    from .returns.export import audit_html, audit_xlsx, evidence_lines

    if xlsx is not None:
        with atomic_path(xlsx) as tmp:
            tmp.write_bytes(audit_xlsx(audit))
        _say(f"wrote {xlsx}")
    if pdf is not None:
        from .web.report_pdf import html_to_pdf

        with atomic_path(pdf) as tmp:
            tmp.write_bytes(html_to_pdf(audit_html(audit)))
        _say(f"wrote {pdf}")
    if xlsx or pdf:
        return
    if json_:
        print_json(audit)
        return
    _say(f"JE practices self-assessment, {audit['organisation']}, {audit['from']} to {audit['to']}")
    for item in audit["statements"]:
        _say(
            f"\n{item['area']}: {item['statement']}" + ("" if item["verified"] else " (unverified)")
        )
        for line in evidence_lines(item["evidence"]):
            _say(f"  {line}")


def _print_return(payload: dict[str, object]) -> None:
    from rich.table import Table

    from .cli_common import console, plain

    signoff = payload["sro_signoff"]
    assert isinstance(signoff, dict)
    _say(f"JE KPI return {payload['quarter']}, {payload['organisation']}, as at {payload['as_at']}")
    _say(
        f"SRO sign-off: {signoff['by']} on {signoff['on']}"
        if signoff["confirmed"]
        else "SRO sign-off: not yet"
    )
    for key, title in (
        ("nm_job_descriptions", "N&M job descriptions"),
        ("nm_staff_reviewed", "N&M staff reviewed against job descriptions"),
    ):
        table = Table(title=title)
        data = payload[key]
        assert isinstance(data, dict)
        figures = [f for f in next(iter(data.values())) if f != "estimated"]
        table.add_column("Band")
        for figure in figures:
            table.add_column(figure.replace("_", " "), justify="right")
        table.add_column("estimated")
        for band, row in data.items():
            table.add_row(band, *(str(row[f]) for f in figures), "yes" if row["estimated"] else "")
        console().print(table)
    gaps = payload["gaps"]
    assert isinstance(gaps, list)
    for gap in gaps:
        console().print(f"gap: {plain(gap['job'])}: {plain(gap['reason'])}")


def register(app: typer.Typer) -> None:
    app.add_typer(jobs_app, name="jobs")
    app.add_typer(returns_app, name="returns")
