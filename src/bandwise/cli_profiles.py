"""Command line for national profiles: list, show, import (text, PDF, Word) and validate."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from .cli_common import JsonOpt, UsageError, console, plain, print_json
from .cli_library import OrganisationOpt, SuiteFilesOpt

if TYPE_CHECKING:
    from .profiles.model import Finding
    from .services.base import Actor, Database
    from .services.suites import SuiteImport

profiles_app = typer.Typer(
    help="National profiles: list, show, import and validate.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
_console = console
_print_json = print_json


# -- profiles ------------------------------------------------------------------------


@profiles_app.command("list")
def profiles_list(
    json_: bool = JsonOpt,
    organisation: str | None = OrganisationOpt,
    suite_files: list[Path] | None = SuiteFilesOpt,
) -> None:
    """Every profile in the library with its band and total range."""
    from .cli_library import cli_library
    from .profiles.views import profiles_to_json
    from .scheme import load_scheme

    rows = profiles_to_json(load_scheme(), cli_library(organisation, suite_files))
    if json_:
        _print_json(rows)
        return
    from rich.table import Table

    table = Table(title="National profiles")
    for col in ("Id", "Title", "Band", "Total", "Suite"):
        table.add_column(col, no_wrap=col != "Title")
    for r in rows:
        t = r["total"]
        total = f"{t['min']}-{t['max']}" if t else "?"
        cells = (r["id"], r["title"], r["band_label"], total, r["suite"])
        table.add_row(*map(plain, cells))  # text from imported documents: no markup
    _console().print(table)


@profiles_app.command("show")
def profiles_show(
    profile_id: str = typer.Argument(..., metavar="ID"),
    json_: bool = JsonOpt,
    organisation: str | None = OrganisationOpt,
    suite_files: list[Path] | None = SuiteFilesOpt,
) -> None:
    """One profile: job statement and, per factor, level, points, descriptor and example."""
    from .cli_library import cli_library
    from .profiles.views import profile_view
    from .scheme import load_scheme

    view = profile_view(load_scheme(), cli_library(organisation, suite_files), profile_id)
    if json_:
        _print_json(view.to_json())
        return
    profile, suite, data, findings = view.profile, view.suite, view.data, view.findings
    from rich.table import Table

    console = _console()
    console.print(f"[bold]{plain(profile.title)}[/bold]  ({plain(suite.title)})")
    ct, st = data["computed_total"], profile.stated_total
    console.print(
        f"Band {profile.band_label}; total {ct['min']}-{ct['max']} from the chart"
        + (f" (stated {st})" if st else "")
    )
    for item in profile.job_statement:
        console.print(f"  • {plain(item)}")
    table = Table(show_lines=True)
    for col in ("#", "Factor", "Level", "Points", "Level descriptor", "Example job information"):
        table.add_column(col)
    for f in data["factors"]:
        cells = (
            str(f["number"]),
            f["name"],
            f["level_expression"],
            "-".join(map(str, f["points"])),
            f["descriptor"],
            f["example"],
        )
        table.add_row(*map(plain, cells))
    console.print(table)
    _print_findings(findings)


def _print_findings(findings: list[Finding] | tuple[Finding, ...]) -> None:
    """One block per finding: severity, code and where on one line, the message below."""
    from rich.markup import escape

    console = _console()
    if not findings:
        console.print("No findings.")
        return
    counts = {sev: sum(f.severity == sev for f in findings) for sev in ("error", "warning", "info")}
    console.print(
        f"[bold]Findings[/bold]: {counts['error']} error(s), {counts['warning']} "
        f"warning(s), {counts['info']} note(s)"
    )
    style = {"error": "bold red", "warning": "yellow", "info": "cyan"}
    for f in findings:
        where = [
            x
            for x in (
                f.profile,
                f"factor {f.factor}" if f.factor else None,
                f"line {f.line}" if f.line else None,
                f"stated {f.stated}" if f.stated is not None else None,
                f"expected {f.expected}" if f.expected is not None else None,
            )
            if x
        ]
        console.print(
            f"[{style.get(f.severity, '')}]{f.severity:7}[/] [bold]{f.code}[/bold]  "
            + escape(" · ".join(where))
        )
        console.print("        " + escape(f.message), soft_wrap=False)


def _read_and_validate(file: Path, suite_id: str | None) -> tuple[Any, list[Finding]]:
    from .scheme import load_scheme
    from .services.profile_import import read_and_validate

    return read_and_validate(load_scheme(), file, suite_id)


FilesArg = typer.Argument(
    ...,
    help="Profile documents (text extracted from PDF, .pdf, .docx, "
    "or a suite .yaml), or a folder of them.",
)


@profiles_app.command("import")
def profiles_import(
    files: list[Path] = FilesArg,
    json_: bool = JsonOpt,
    out: Path | None = typer.Option(
        None, "--out", help="Write the suite as YAML to this file (one input only)."
    ),
    suite_id: str | None = typer.Option(
        None,
        "--suite-id",
        help="Id for the suite (default: "
        "the library suite with the same title, or from the "
        "title).",
    ),
    save: bool = typer.Option(
        False,
        "--save",
        help="Save the suite into the organisation's library in the database (created when "
        "there is none) as a new version, after showing what changed.",
    ),
    yes: bool = typer.Option(False, "--yes", help="With --save: do not ask for confirmation."),
    organisation: str | None = OrganisationOpt,
    merge: bool = typer.Option(
        False,
        "--merge",
        help="The files are parts of one suite (same title, each profile in one part): "
        "read them as one suite.",
    ),
) -> None:
    """Read and validate profile documents; show what changed; optionally save them."""
    from .cli_library import open_for_import
    from .scheme import load_scheme
    from .services import profile_import as importing

    inputs = importing.expand_inputs(files)
    single = len(files) == 1 and not files[0].is_dir()
    if not inputs:
        raise UsageError("no profile documents found in " + ", ".join(map(str, files)))
    if merge and len(inputs) < 2:
        raise UsageError("--merge reads the parts of one suite: give two or more files")
    if out is not None and not single and not merge:
        raise UsageError("--out takes one input file; use --save to store several suites")
    scheme = load_scheme()
    target = open_for_import(organisation) if save else None
    try:
        _import_each(inputs, single, json_, out, suite_id, yes, target, scheme, organisation, merge)
    finally:
        if target is not None:
            target[0].engine.dispose()


def _import_each(
    inputs: list[Path],
    single: bool,
    json_: bool,
    out: Path | None,
    suite_id: str | None,
    yes: bool,
    target: tuple[Database, Actor, str] | None,
    scheme: Any,
    organisation: str | None,
    merge: bool = False,
) -> None:
    """Read, compare and (with a ``target`` database) save each input, then report."""
    from .cli_library import database_library
    from .errors import BandwiseError
    from .profiles.serialize import dump_suite_yaml, read_result_to_json
    from .services import profile_import as importing
    from .services.suites import organisation_library

    def current() -> Any:
        if target is None:
            return database_library(organisation)
        return organisation_library(target[0], target[1].organisation_id)

    library = current()
    reports: list[dict[str, Any]] = []
    failed = 0
    if merge:  # one suite in parts: any error is the whole import's
        merged = importing.read_merged(scheme, inputs, suite_id)
        read: list[Any] = [(Path(merged[0].suite.source), lambda _msg: None, merged)]
        single = True
    else:
        read = [
            (file, outcome, each)
            for file, outcome, all_ in _read_each(inputs, single, json_, suite_id, scheme)
            for each in all_
        ]
    if out is not None and len(read) > 1:
        raise UsageError(
            f"--out takes one suite; {inputs[0]} holds {len(read)}: use --save to store each"
        )
    single = single and len(read) == 1
    for file, outcome, each in read:
        if isinstance(each, BandwiseError):
            failed += 1
            reports.append({"file": str(file), "error": str(each)})
            outcome(f"[red]failed[/red] {file.name}")
            continue
        result, findings = each
        if suite_id is None:
            result = importing.align_suite_id(result, library)
        comparison = importing.compare(library, result)
        report = {
            "file": str(file),
            **read_result_to_json(scheme, result, findings),
            "changes": comparison.diff.to_json() if comparison.diff else None,
            "library_version": comparison.base_version,
            "saved": None,
        }
        if out is not None:
            _write_atomic(out, dump_suite_yaml(result.suite))
        if target is not None:
            stored = _save_if_confirmed(target, result, comparison, yes, quiet=json_)
            if stored is not None:
                report["saved"] = {
                    "suite_id": stored.suite_id,
                    "version": stored.version,
                    "path": None,  # no file: the version is in the database
                    "organisation": target[2],
                }
                library = current()  # the next input compares with this version
        report["_result"], report["_findings"], report["_comparison"] = (
            result,
            findings,
            comparison,
        )
        reports.append(report)
        outcome(f"read {file.name}")
    if json_:
        clean = [{k: v for k, v in r.items() if not k.startswith("_")} for r in reports]
        _print_json(clean[0] if single else {"files": clean})
    elif single:
        _print_import(reports[0], out)
    else:
        _print_summary(reports)
    if failed:
        raise typer.Exit(2)


def _read_each(
    inputs: list[Path], single: bool, json_: bool, suite_id: str | None, scheme: Any
) -> Any:
    """Yield (file, report, the suites read or the error) for each input; a document may
    hold several suites, each imported in turn. One input's error is raised."""
    from .errors import BandwiseError
    from .services import profile_import as importing

    for file, outcome in _each_with_progress(inputs, single and not json_):
        try:
            yield file, outcome, importing.read_and_validate_all(scheme, file, suite_id)
        except BandwiseError as exc:
            if single:
                raise
            yield file, outcome, [exc]


def _each_with_progress(inputs: list[Path], quiet: bool) -> Any:
    """Yield (file, report) pairs with a progress bar on a terminal for several files."""
    from rich.progress import Progress

    out = _console()
    if quiet or len(inputs) == 1 or not out.is_terminal:
        for file in inputs:
            yield file, lambda _msg: None
        return
    with Progress(console=out, transient=True) as progress:
        task = progress.add_task("Importing", total=len(inputs))
        for file in inputs:
            yield file, lambda msg: progress.console.print(msg)
            progress.advance(task)


def _save_if_confirmed(
    target: tuple[Database, Actor, str], result: Any, comparison: Any, yes: bool, quiet: bool
) -> SuiteImport | None:
    import sys

    from .services import suites

    out = _console()
    diff = comparison.diff
    if diff is not None and diff.is_empty:
        if not quiet:
            out.print(
                f"Suite {result.suite.id} is unchanged (version "
                f"{comparison.base_version}); nothing saved."
            )
        return None
    if not quiet:
        if diff is None:
            out.print(f"New suite {result.suite.id} with {len(result.suite.profiles)} profiles.")
        else:
            out.print(
                f"Changes to suite {result.suite.id} (library version {comparison.base_version}):"
            )
            for line in diff.lines():
                out.print(f"  {line}", markup=False)
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError(
                "not saved: confirm on a terminal, or pass --yes to save without asking"
            )
        if not typer.confirm("Save this as a new version?", default=False):
            out.print("Not saved.")
            return None
    db, actor, slug = target
    stored = suites.import_suite(
        db, actor, result, result.suite.id, expected_version=comparison.base_version
    )
    if not quiet:
        out.print(
            f"Saved suite {stored.suite_id} version {stored.version} in the library of "
            f"{slug} (the database the server uses)",
            markup=False,
        )
    return stored


def _print_import(report: dict[str, Any], out: Path | None) -> None:
    from rich.table import Table

    from .profiles.validate import compute
    from .scheme import load_scheme

    scheme, result = load_scheme(), report["_result"]
    table = Table(title=f"{result.suite.title} ({len(result.suite.profiles)} profiles)")
    for col in ("Id", "Title", "Band", "Stated total", "Computed total"):
        table.add_column(col)
    for p in result.suite.profiles:
        ct = compute(scheme, p).total
        table.add_row(
            p.id,
            p.title,
            p.band_label or p.band_text or "?",
            str(p.stated_total or "?"),
            str(ct or "?"),
        )
    console = _console()
    console.print(table)
    _print_findings(report["_findings"])
    for u in result.unplaced:
        console.print(f"unplaced line {u.line}: {u.text!r}", markup=False)
    if out is not None:
        console.print(f"Saved {out}")


def _print_summary(reports: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table(title=f"Imported {len(reports)} file(s)")
    for col in ("File", "Suite", "Profiles", "Errors", "Warnings", "Notes", "Unplaced", "Status"):
        table.add_column(col)
    for r in reports:
        name = Path(r["file"]).name
        if "error" in r:
            table.add_row(name, "", "", "", "", "", "", f"[red]{r['error']}[/red]")
            continue
        sev = [f.severity for f in r["_findings"]]
        saved = r.get("saved")
        status = f"saved v{saved['version']}" if saved else "read"
        table.add_row(
            name,
            r["suite"]["id"],
            str(len(r["profiles"])),
            str(sev.count("error")),
            str(sev.count("warning")),
            str(sev.count("info")),
            str(len(r["unplaced_lines"])),
            status,
        )
    _console().print(table)


@profiles_app.command("validate")
def profiles_validate(
    file: Path = typer.Argument(
        ..., help="A profile document (text, .pdf, .docx) or a suite YAML."
    ),
    json_: bool = JsonOpt,
) -> None:
    """Findings for a profile document; exit 1 when any finding is an error."""
    _, findings = _read_and_validate(file, None)
    if json_:
        _print_json([f.to_dict() for f in findings])
    else:
        _print_findings(findings)
    if any(f.severity == "error" for f in findings):
        raise typer.Exit(1)


def _write_atomic(path: Path, text: str) -> None:
    """Write all or nothing: a crash never leaves a half-written file."""
    from .files import atomic_path

    with atomic_path(path.resolve()) as tmp:
        tmp.write_text(text, encoding="utf-8")
