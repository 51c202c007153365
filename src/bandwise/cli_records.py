"""Command line over the case records: export, consistency checking, board figures and
re-matching after a profile suite changes.

The database is ``BANDWISE_DATABASE_URL`` (default: an SQLite file in the data folder).
Each command acts for one organisation (``--organisation SLUG``, needed only when the
database holds more than one) as that organisation's first active admin user, so what
it does is in the audit trail under a real account.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from .cli_common import (
    JsonOpt,
    console,
    database_error,
    plain,
    print_json,
    printable,
)
from .cli_library import first_admin
from .errors import UsageError

if TYPE_CHECKING:
    from .scheme.rules import RuleSet
    from .services.base import Actor, Database

OrganisationOpt = typer.Option(
    None,
    "--organisation",
    help="The organisation's slug (needed when the database holds more than one).",
)
RulesOpt = typer.Option(
    None,
    "--rules",
    help="A matching rule set YAML (default: the organisation's rule set in force).",
)


def _open(slug: str | None) -> tuple[Database, Actor]:
    """The database, and the organisation's first active admin user as the actor."""
    from sqlalchemy import select
    from sqlalchemy.exc import DBAPIError

    from .services.base import Database
    from .store import tables as t

    db = Database.connect()
    try:
        with db.reading() as session:  # takes no write lock: a read-only database will do
            orgs = list(session.scalars(select(t.Organisation).order_by(t.Organisation.id)))
            if slug is not None:
                found = [o for o in orgs if o.slug == slug]
                if not found:
                    known = ", ".join(o.slug for o in orgs) or "none"
                    raise UsageError(f"no organisation {slug!r} in the database (known: {known})")
                org = found[0]
            elif not orgs:
                raise UsageError("the database holds no organisation yet")
            elif len(orgs) > 1:
                raise UsageError(
                    "the database holds several organisations "
                    f"({', '.join(o.slug for o in orgs)}): name one with --organisation SLUG"
                )
            else:
                org = orgs[0]
            return db, first_admin(session, org.id, org.slug, "these commands act")
    except DBAPIError as exc:
        db.engine.dispose()
        raise database_error(exc) from exc
    except BaseException:
        db.engine.dispose()
        raise


PdfOpt = typer.Option(
    None, "--pdf", help="Also write the report as PDF to this file (the web page's PDF)."
)


def _check_pdf(path: Path | None) -> None:
    """A --pdf file is refused before any work when it cannot be a PDF written there."""
    if path is not None and path.suffix.lower() != ".pdf":
        raise UsageError(f"--pdf needs a file ending in .pdf, not {path.name!r}")
    if path is not None and not path.parent.is_dir():
        raise UsageError(f"--pdf: there is no folder {str(path.parent)!r}")


def _rules(path: Path | None) -> RuleSet | None:
    """``--rules FILE``, or None: the service applies the organisation's rule set in force."""
    from .scheme.rules import load_rule_set_from

    return load_rule_set_from(path) if path else None


def _date(text: str, flag: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise UsageError(f"{flag} {text!r} is not a date: give it as YYYY-MM-DD") from exc


def _say(text: str) -> None:
    """A line of output that may quote stored text (job titles, reasons): never markup,
    and control characters shown as escapes."""
    console().print(printable(text, keep="\n"), markup=False, highlight=False, soft_wrap=True)


# -- export ------------------------------------------------------------------------------


def export_cmd(
    out: Path = typer.Option(..., "--out", help="The file to write (.csv or .xlsx)."),
    fmt: str | None = typer.Option(
        None, "--format", help="csv or xlsx (default: from the file name)."
    ),
    headers: str = typer.Option(
        "codes",
        "--headers",
        help="The header row: codes (job_id, ..., f1 to f16, ...: what scripts read; the "
        "default) or names (the columns in words, each factor by its name).",
    ),
    organisation: str | None = OrganisationOpt,
    json_: bool = JsonOpt,
) -> None:
    """Every outcome with its 16 factor levels, the panel, the checker and the dates, as
    CSV or XLSX (written all or nothing)."""
    from .services.export import FORMATS, HEADERS, export_outcomes

    if fmt is not None and fmt.lower() not in FORMATS:
        raise UsageError(f"--format is csv or xlsx, not {fmt!r}")
    if headers not in HEADERS:
        raise UsageError(f"--headers is codes or names, not {headers!r}")
    if fmt is not None and out.suffix.lower() != f".{fmt.lower()}":
        raise UsageError(f"--format {fmt.lower()} needs an --out file ending in .{fmt.lower()}")
    db, actor = _open(organisation)
    try:
        result = export_outcomes(db, actor, out, fmt.lower() if fmt else None, headers)
    finally:
        db.engine.dispose()
    if json_:
        print_json(result.to_json())
        return
    _say(f"Wrote {result.rows} outcome{'s' if result.rows != 1 else ''} to {result.path}.")


# -- consistency ----------------------------------------------------------------------------


def consistency_cmd(
    recorded: bool = typer.Option(
        False,
        "--recorded",
        help="Check each job's latest recorded outcome, confirmed or not "
        "(default: the latest confirmed outcome).",
    ),
    rules_file: Path | None = RulesOpt,
    pdf: Path | None = PdfOpt,
    organisation: str | None = OrganisationOpt,
    json_: bool = JsonOpt,
) -> None:
    """Outcomes that look inconsistent: alike jobs with different outcomes, factor levels
    unlike other jobs on the same profile, totals near a band boundary, outcomes outside
    their profile."""
    from .services.consistency import check_consistency

    _check_pdf(pdf)
    rules = _rules(rules_file)
    scope = "recorded" if recorded else "confirmed"
    db, actor = _open(organisation)
    try:
        report = check_consistency(db, actor, scope=scope, rules=rules)
        content = None
        if pdf is not None:
            from .web.pages.consistency import consistency_pdf

            content = consistency_pdf(db, actor, scope, rules)
    finally:
        db.engine.dispose()
    if content is not None and pdf is not None:
        pdf.write_bytes(content)
    if json_:
        print_json(report.to_json())
        return
    if pdf is not None:
        _say(f"Wrote the consistency report to {pdf}.")
        return
    which = "latest recorded" if recorded else "latest confirmed"
    _say(
        f"Checked the {which} outcome of {report.outcomes_checked} job"
        f"{'s' if report.outcomes_checked != 1 else ''} (boundary margin "
        f"{report.boundary_margin} points, rule set {report.rule_set_id} "
        f"v{report.rule_set_version}): {report.count} finding{'s' if report.count != 1 else ''}."
    )
    sections: list[tuple[str, list[str]]] = [
        ("Same title, different outcomes", [f.reason for f in report.same_title]),
        ("Same profile, different outcomes", [f.reason for f in report.same_profile]),
        (
            "Factor levels unlike the other jobs on the profile",
            [f.reason for f in report.factor_levels],
        ),
        ("Totals near a band boundary", [f.reason for f in report.near_boundary]),
        ("Outside the national profile", [f.reason for f in report.outside_profile]),
    ]
    for title, reasons in sections:
        if reasons:
            _say(f"\n{title} ({len(reasons)}):")
            for reason in reasons:
                _say(f"  - {reason}")


# -- report ------------------------------------------------------------------------------------


report_app = typer.Typer(
    help="Board figures for a period (bandwise report --from ... --to ...), or a case's "
    "matching report (bandwise report case ID).",
    invoke_without_command=True,
    rich_markup_mode=None,
)


@report_app.callback()
def report_cmd(
    ctx: typer.Context,
    start: str | None = typer.Option(None, "--from", help="First day of the period (YYYY-MM-DD)."),
    end: str | None = typer.Option(None, "--to", help="Last day of the period (YYYY-MM-DD)."),
    pdf: Path | None = PdfOpt,
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Also write the figures' table (a row per figure, a column per quarter and "
        "the whole period) to this file: .csv or .xlsx.",
    ),
    organisation: str | None = OrganisationOpt,
    json_: bool = JsonOpt,
) -> None:
    """Board figures for a period and each quarter of it: jobs matched and evaluated,
    reviews, re-banding up/down/unchanged, ageing job descriptions. (``report case ID``:
    a case's matching report.)"""
    if ctx.invoked_subcommand is not None:
        given = (start, end, pdf, out, organisation)
        if any(v is not None for v in given) or json_:
            raise UsageError(
                f"give the options of `report {ctx.invoked_subcommand}` after its name"
            )
        return
    if start is None:  # Click's own words and exit 2, as when both were required
        ctx.fail("Missing option '--from'.")
    if end is None:
        ctx.fail("Missing option '--to'.")
    from .services.reporting import board_report

    first, last = _date(start, "--from"), _date(end, "--to")
    if first > last:
        raise UsageError(f"--from {first} is after --to {last}")
    _check_pdf(pdf)
    if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
        raise UsageError(f"--out needs a file ending in .csv or .xlsx, not {out.name!r}")
    if out is not None and not out.parent.is_dir():
        raise UsageError(f"--out: there is no folder {str(out.parent)!r}")
    from .services.organisation import letterhead

    db, actor = _open(organisation)
    try:
        report = board_report(db, actor, first, last)
        head = letterhead(db, actor.organisation_id)
    finally:
        db.engine.dispose()
    if pdf is not None:
        from .web.pages.reports import board_pdf

        pdf.write_bytes(board_pdf(report, head))
    if out is not None:
        from .services.reporting import write_board_table

        write_board_table(report, out)
    if json_:
        print_json(report.to_json())
        return
    written = [str(f) for f in (pdf, out) if f is not None]
    if written:
        _say(f"Wrote the board figures to {' and '.join(written)}.")
        return
    periods = [report.period, *report.quarters] if len(report.quarters) > 1 else [report.period]
    for p in periods:
        name = "The period" if p is report.period else p.label
        _say(
            f"{name} ({p.start:%d %b %Y} to {p.end:%d %b %Y}): {p.jobs_matched} job"
            f"{'s' if p.jobs_matched != 1 else ''} matched, {p.jobs_evaluated} evaluated; "
            f"{p.review_requests} review request{'s' if p.review_requests != 1 else ''} "
            f"received, {p.reviews_upheld} upheld, {p.reviews_not_upheld} not upheld; "
            f"re-banded {p.rebanded_up} up, {p.rebanded_down} down, "
            f"{p.rebanded_unchanged} unchanged."
        )
    jd: dict[str, Any] = report.to_json()["job_descriptions"]
    _say(
        f"Job descriptions as at {report.as_at.isoformat()}: {jd['older_than_12_months']} "
        f"older than 12 months, {jd['older_than_3_years']} older than 3 years; "
        f"{jd['without_job_description']} active job"
        f"{'s' if jd['without_job_description'] != 1 else ''} without one."
    )
    for age in report.jd_older_than_12_months:
        _say(
            f"  - job {age.job_id} {age.title!r}: {age.filename}, dated "
            f"{age.dated.isoformat() if age.dated else '?'}"
        )


@report_app.command("case")
def report_case_cmd(
    case_id: int = typer.Argument(..., min=1, help="The case's number."),
    pdf: Path | None = PdfOpt,
    organisation: str | None = OrganisationOpt,
    json_: bool = JsonOpt,
) -> None:
    """A case's matching report: the outcome in force (or a draft of the current
    decisions), every factor, panel and consistency check; as JSON (the API's
    GET /api/cases/{id}/report) or PDF."""
    from .services.matching_report import matching_report

    _check_pdf(pdf)
    db, actor = _open(organisation)
    try:
        report = matching_report(db, actor, case_id)
        content = None
        if pdf is not None:
            from .web.pages.reports import matching_report_pdf

            content = matching_report_pdf(db, actor, case_id)
    finally:
        db.engine.dispose()
    if content is not None and pdf is not None:
        pdf.write_bytes(content)
    if json_:
        print_json(report.to_json())
        return
    if pdf is not None:
        _say(f"Wrote the matching report of case {case_id} to {pdf}.")
        return
    job = report.job
    state = "DRAFT (no outcome in force)" if report.draft else f"outcome {report.outcome_id}"
    _say(
        f"Matching report, case {report.case.id}, {state}: job {job.title!r}"
        + (f" ({job.reference})" if job.reference else "")
    )
    if report.profile_id:
        version = f", version {report.suite_version}" if report.suite_version else ""
        _say(
            f"Profile: {report.profile_title or report.profile_id} ({report.suite_title}{version})"
        )
    _say(
        f"Verdict: {report.verdict or 'not decided'}; total {report.total_text or '-'}; "
        f"band {report.band or '-'}"
    )
    for f in report.factors:
        problems = " (known problem in the profile)" if f.known_problems else ""
        _say(
            f"  {f.number:>2} {f.name}: profile {f.profile_level or '-'}{problems}, agreed "
            f"{f.agreed_level or 'not decided'}, {f.outcome_text or '-'}, "
            f"{f.points_text or '-'} points"
        )
    if report.panel is not None:
        members = ", ".join(m.text for m in report.panel.members)
        _say(f"Panel on {report.panel.sat_on.isoformat()}: {members}")
        if report.rationale:
            _say(f"Panel's rationale: {report.rationale}")
    for c in report.checks:
        _say(
            f"Consistency check: {c.decision} by {c.checker}"
            + (f": {c.reasons}" if c.reasons else "")
        )
    if report.returned is not None:
        _say(
            f"Returned outcome {report.returned.outcome_id} (not in force): "
            f"{report.returned.verdict}, total {report.returned.total_text}, "
            f"band {report.returned.band or '-'}"
        )


# -- rematch --------------------------------------------------------------------------------------


def rematch_cmd(
    suite: str = typer.Option(..., "--suite", help="The profile suite id, e.g. arts-therapies."),
    to_version: int | None = typer.Option(
        None, "--to-version", min=1, help="Compare against this version (default: the newest)."
    ),
    from_version: int | None = typer.Option(
        None, "--from-version", min=1, help="Only outcomes recorded against this version."
    ),
    apply: bool = typer.Option(
        False, "--apply", help="Open a draft match case for each affected job (default: dry run)."
    ),
    rules_file: Path | None = RulesOpt,
    organisation: str | None = OrganisationOpt,
    json_: bool = JsonOpt,
) -> None:
    """Jobs whose profile changed in a re-imported suite, with the verdict they would get
    now; a dry run unless --apply."""
    from .services.rematch import rematch

    rules = _rules(rules_file)
    db, actor = _open(organisation)
    try:
        result = rematch(
            db,
            actor,
            suite,
            to_version=to_version,
            from_version=from_version,
            apply=apply,
            rules=rules,
        )
    finally:
        db.engine.dispose()
    if json_:
        print_json(result.to_json())
        return
    _say(
        f"Profile suite {result.suite_id} version {result.to_version}: {len(result.items)} of "
        f"{result.outcomes_on_suite} job{'s' if result.outcomes_on_suite != 1 else ''} on an "
        "older version used a profile that changed."
    )
    if result.items:
        from rich.table import Table

        table = Table()
        for col in ("Job", "Profile", "Factors changed", "Verdict", "Band", "Case opened"):
            table.add_column(col)
        for i in result.items:
            cells = (
                f"{i.job_id} {i.title}",
                i.profile_id + (" (removed)" if i.profile_removed else ""),
                ", ".join(map(str, i.levels_changed)) or "-",
                f"{i.old_verdict} -> {i.new_verdict or '?'}",
                f"{i.old_band} -> {i.new_band or '?'}",
                str(i.opened_case_id) if i.opened_case_id else (i.not_opened or "-"),
            )
            table.add_row(*map(plain, cells))  # titles are stored text: no markup
        console().print(table)
        for i in result.items:
            _say(f"  - {i.reason}")
    for n in result.not_compared:
        _say(f"Not compared: job {n.job_id} (outcome {n.outcome_id}): {n.reason}.")
    if not apply:
        _say(
            "Dry run: nothing was changed."
            + (" Run again with --apply to open a draft case for each." if result.items else "")
        )
    else:
        _say(f"Opened {len(result.opened)} draft case{'s' if len(result.opened) != 1 else ''}.")


def register(app: typer.Typer) -> None:
    app.command("export")(export_cmd)
    app.command("consistency")(consistency_cmd)
    app.add_typer(report_app, name="report")
    app.command("rematch")(rematch_cmd)
