"""The ``bandwise`` command line: a thin layer over the library.

Heavy modules are imported inside commands so that ``bandwise --help`` starts fast.
Data commands take ``--json``; a user mistake is a one-line error and exit 2,
never a traceback.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from .cli_common import JsonOpt, UsageError, console, print_json
from .errors import BandwiseError

if TYPE_CHECKING:
    from .profiles.model import Finding

app = typer.Typer(
    help="bandwise: the NHS Agenda for Change Job Evaluation scheme, national profiles, "
    "validation and scoring.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
scheme_app = typer.Typer(
    help="The JE scheme: factors, levels, points and bands.", no_args_is_help=True
)
profiles_app = typer.Typer(
    help="National profiles: list, show, import and validate.", no_args_is_help=True
)
app.add_typer(scheme_app, name="scheme")
app.add_typer(profiles_app, name="profiles")

_console = console
_print_json = print_json


# -- scheme ------------------------------------------------------------------------


@scheme_app.command("show")
def scheme_show(json_: bool = JsonOpt) -> None:
    """Factors with points per level, and the band table."""
    from .scheme import load_scheme

    s = load_scheme()
    if json_:
        _print_json(
            {
                "edition": {
                    "id": s.edition.id,
                    "title": s.edition.title,
                    "effective_from": s.edition.effective_from.isoformat(),
                },
                "factors": [
                    {
                        "number": f.number,
                        "slug": f.slug,
                        "name": f.name,
                        "profile_name": f.profile_name,
                        "verified": f.verified,
                        "reference": f.reference.cite(),
                        "levels": [
                            {
                                "level": lv.number,
                                "points": lv.points,
                                "descriptor": lv.descriptor,
                                "verified": lv.verified,
                                "options": [
                                    {
                                        "letter": o.letter,
                                        "descriptor": o.descriptor,
                                        "verified": o.verified,
                                    }
                                    for o in lv.options
                                ],
                            }
                            for lv in f.levels
                        ],
                    }
                    for f in s.factors
                ],
                "bands": [
                    {
                        "band": b.label,
                        "min": b.min,
                        "max": b.max,
                        "closed_to_new_entrants_from": b.closed_to_new_entrants_from.isoformat()
                        if b.closed_to_new_entrants_from
                        else None,
                    }
                    for b in s.bands.bands
                ],
                "min_total": s.min_total,
                "max_total": s.max_total,
            }
        )
        return
    from rich.table import Table

    console = _console()
    console.print(f"[bold]{s.edition.title}[/bold] (data id {s.edition.id})")
    chart = Table(title=f"Weighting chart: points by level ({s.weighting_reference.cite()})")
    chart.add_column("Factor")
    width = max(f.max_level for f in s.factors)
    for n in range(1, width + 1):
        chart.add_column(f"L{n}", justify="right")
    for f in s.factors:
        cells = [str(lv.points) for lv in f.levels] + [""] * (width - f.max_level)
        chart.add_row(f"{f.number}. {f.name}", *cells)
    console.print(chart)
    console.print(f"Totals run from {s.min_total} to {s.max_total}.")
    bands = Table(title=f"Band ranges ({s.bands.reference.cite()})")
    for col in ("Band", "Min", "Max", "Note"):
        bands.add_column(col, justify="right" if col in ("Min", "Max") else "left")
    for b in s.bands.bands:
        bands.add_row(b.label, str(b.min), str(b.max), b.note)
    console.print(bands)
    console.print(f"A total above {s.bands.top} is reported as above the published band table.")


# -- profiles ------------------------------------------------------------------------


@profiles_app.command("list")
def profiles_list(json_: bool = JsonOpt) -> None:
    """Every profile in the library with its band and total range."""
    from .profiles.library import builtin_library
    from .profiles.validate import compute
    from .scheme import load_scheme

    scheme, lib = load_scheme(), builtin_library()
    rows: list[dict[str, Any]] = []
    for suite in lib.suites:
        for p in suite.profiles:
            total = compute(scheme, p).total
            rows.append(
                {
                    "id": p.id,
                    "title": p.title,
                    "band_label": p.band_label,
                    "bands": list(p.bands),
                    "total": {"min": total.min, "max": total.max} if total else None,
                    "suite": suite.id,
                }
            )
    if json_:
        _print_json(rows)
        return
    from rich.table import Table

    table = Table(title="National profiles")
    for col in ("Id", "Title", "Band", "Total", "Suite"):
        table.add_column(col, no_wrap=col != "Title")
    for r in rows:
        t = r["total"]
        table.add_row(
            r["id"], r["title"], r["band_label"], f"{t['min']}-{t['max']}" if t else "?", r["suite"]
        )
    _console().print(table)


@profiles_app.command("show")
def profiles_show(
    profile_id: str = typer.Argument(..., metavar="ID"), json_: bool = JsonOpt
) -> None:
    """One profile: job statement and, per factor, level, points, descriptor and example."""
    from .profiles.library import builtin_library
    from .profiles.serialize import profile_to_json
    from .profiles.validate import validate_profile
    from .scheme import load_scheme

    scheme, lib = load_scheme(), builtin_library()
    profile = lib.get(profile_id)
    suite = lib.suite_of(profile)
    data = profile_to_json(scheme, profile)
    findings = validate_profile(scheme, profile, suite.source)
    if json_:
        _print_json({**data, "suite": suite.id, "findings": [f.to_dict() for f in findings]})
        return
    from rich.table import Table

    console = _console()
    console.print(f"[bold]{profile.title}[/bold]  ({suite.title})")
    ct, st = data["computed_total"], profile.stated_total
    console.print(
        f"Band {profile.band_label}; total {ct['min']}-{ct['max']} from the chart"
        + (f" (stated {st})" if st else "")
    )
    for item in profile.job_statement:
        console.print(f"  • {item}")
    table = Table(show_lines=True)
    for col in ("#", "Factor", "Level", "Points", "Level descriptor", "Example job information"):
        table.add_column(col)
    for f in data["factors"]:
        table.add_row(
            str(f["number"]),
            f["name"],
            f["level_expression"],
            "-".join(map(str, f["points"])),
            f["descriptor"],
            f["example"],
        )
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
    from .documents.reader import read_document
    from .profiles.validate import validate_suite
    from .scheme import load_scheme

    scheme = load_scheme()
    if file.suffix.lower() in (".yaml", ".yml"):
        from .profiles.model import ReadResult
        from .profiles.serialize import load_suite_yaml

        if not file.is_file():
            raise UsageError(f"{file}: no such file")
        suite = load_suite_yaml(scheme, file.read_text(encoding="utf-8"), str(file))
        result = ReadResult(suite)
    else:
        result = read_document(file, suite_id, scheme)
    findings = list(result.findings) + validate_suite(scheme, result.suite)
    order = {"error": 0, "warning": 1, "info": 2}
    findings.sort(key=lambda f: (order.get(f.severity, 3), f.line or 0, f.code))
    return result, findings


@profiles_app.command("import")
def profiles_import(
    file: Path = typer.Argument(..., help="A profile document (text extracted from the PDF)."),
    json_: bool = JsonOpt,
    out: Path | None = typer.Option(None, "--out", help="Write the suite as YAML to this file."),
    suite_id: str | None = typer.Option(None, "--suite-id", help="Id for the suite."),
) -> None:
    """Read and validate a profile document; optionally save it as a suite YAML."""
    from .profiles.serialize import dump_suite_yaml, read_result_to_json
    from .scheme import load_scheme

    result, findings = _read_and_validate(file, suite_id)
    if out is not None:
        _write_atomic(out, dump_suite_yaml(result.suite))
    if json_:
        _print_json(read_result_to_json(load_scheme(), result, findings))
        return
    from rich.table import Table

    from .profiles.validate import compute

    scheme = load_scheme()
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
    _print_findings(findings)
    for u in result.unplaced:
        console.print(f"unplaced line {u.line}: {u.text!r}")
    if out is not None:
        console.print(f"Saved {out}")


@profiles_app.command("validate")
def profiles_validate(
    file: Path = typer.Argument(..., help="A profile document or a suite YAML."),
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
    path = path.resolve()
    if not path.parent.is_dir():
        raise UsageError(f"{path.parent}: no such folder")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- score ------------------------------------------------------------------------


@app.command("score")
def score_cmd(
    levels: str = typer.Option(
        ...,
        "--levels",
        help="16 levels in factor order, e.g. "
        "5,7,3,2,3,5,1,2,1,1,1,3,2,2,4,2 (options allowed: 5c, 3(a)).",
    ),
    json_: bool = JsonOpt,
) -> None:
    """Points per factor, total and band for one level per factor."""
    from .scheme import load_scheme, score
    from .scheme.levels import parse_job_level

    scheme = load_scheme()
    parts = [p.strip() for p in levels.split(",")]
    if len(parts) != len(scheme.factors):
        raise UsageError(
            f"--levels needs {len(scheme.factors)} levels, one per factor in order; "
            f"got {len(parts)}"
        )
    numbers = []
    for n, text in enumerate(parts, start=1):
        f = scheme.factor(n)
        try:
            level, _ = parse_job_level(text)
        except BandwiseError:
            level = 0
        if not f.has_level(level):
            raise UsageError(
                f"factor {n} ({f.name}): {text!r} is not a level; valid levels "
                f"are 1 to {f.max_level}"
            )
        numbers.append(level)
    result = score(scheme, numbers)
    if json_:
        _print_json(
            {
                "total": result.total,
                "band": result.band.label,
                "above_table": result.band.above_table,
                "notes": list(result.band.notes),
                "factors": [
                    {"number": f.number, "level": parts[f.number - 1], "points": f.points}
                    for f in result.factors
                ],
            }
        )
        return
    from rich.table import Table

    table = Table(title="Score")
    for col in ("#", "Factor", "Level", "Points"):
        table.add_column(col, justify="right" if col in ("#", "Points") else "left")
    for fp in result.factors:
        table.add_row(
            str(fp.number), scheme.factor(fp.number).name, parts[fp.number - 1], str(fp.points)
        )
    console = _console()
    console.print(table)
    console.print(f"Total {result.total}: band {result.band.label}")
    for note in result.band.notes:
        console.print(f"Note: {note}")


from .cli_matching import register as _register_matching  # noqa: E402

_register_matching(app)


def main() -> None:
    try:
        app()
    except BandwiseError as exc:
        sys.stderr.write(f"bandwise: {exc}\n")
        sys.exit(2)
    except KeyboardInterrupt:
        sys.stderr.write("bandwise: interrupted\n")
        sys.exit(130)
