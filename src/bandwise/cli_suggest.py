"""Command line for suggestions from a job description (``bandwise suggest``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from .cli_common import JsonOpt, UsageError, console, print_json
from .cli_library import OrganisationOpt, SuiteFilesOpt

if TYPE_CHECKING:
    from .suggest import Evidence, Suggestions

_BACKENDS = ("bm25", "semantic")


def _quote(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _evidence_cell(evidence: tuple[Evidence, ...]) -> str:
    return "\n".join(f"• “{_quote(e.text)}”" for e in evidence) or "-"


def _levels_text(levels: tuple[int, ...], level: int | None) -> str:
    if not levels:
        return "-"
    if len(levels) == 1:
        return str(levels[0])
    contiguous = levels == tuple(range(levels[0], levels[-1] + 1))
    shown = f"{levels[0]}-{levels[-1]}" if contiguous else ", ".join(map(str, levels))
    return f"{shown} (most likely {level})" if level is not None else shown


def print_suggestions(result: Suggestions, source: str) -> None:
    """The human-readable report: profiles to try, factor levels, implied total and bands."""
    from rich.markup import escape
    from rich.table import Table

    from .suggest import DISCLAIMER, NOT_ENOUGH

    out = console()
    out.print(
        f"[bold]Suggestions for {escape(source)}[/bold] "
        f"({result.sentences} sentences read, {result.backend} matching)"
    )
    out.print(escape(DISCLAIMER))
    profiles = Table(title="Profiles to try (suggested, best first)", show_lines=True)
    for col in ("#", "Profile", "Score", "Fit", "Sentences that point to it"):
        profiles.add_column(
            col, overflow="fold", justify="right" if col in ("#", "Score") else "left"
        )
    for i, p in enumerate(result.profiles, start=1):
        profiles.add_row(
            str(i),
            f"{escape(p.title)}\n[dim]{escape(p.id)}[/dim]",
            f"{p.score:.2f}",
            p.fit,
            escape(_evidence_cell(p.evidence)),
        )
    out.print(profiles)
    factors = Table(title="Factor levels (suggested, for the panel to weigh)", show_lines=True)
    for col in ("#", "Factor", "Suggested level", "Confidence", "Supporting sentences"):
        factors.add_column(col, overflow="fold", justify="right" if col == "#" else "left")
    for f in result.factors:
        factors.add_row(
            str(f.number),
            escape(f.name),
            _levels_text(f.levels, f.level),
            f.confidence if f.confidence != NOT_ENOUGH else "not enough evidence",
            escape(_evidence_cell(f.evidence)),
        )
    out.print(factors)
    bands = ", ".join(result.bands) or "-"
    total = (
        str(result.total_min)
        if result.total_min == result.total_max
        else f"{result.total_min}-{result.total_max}"
    )
    plural = "s" if len(result.bands) > 1 else ""
    out.print(
        f"Suggested levels imply a total of {total} (band{plural} {escape(bands)}). "
        "This is a suggestion from the wording only: a panel decides the levels and the band."
    )
    for note in result.notes:
        out.print(f"Note: {escape(note)}")


def suggest_cmd(
    file: str = typer.Argument(
        ...,
        metavar="FILE",
        help="The job description: a .txt, .docx or .pdf file, or - to read text from "
        "standard input.",
    ),
    top: int = typer.Option(5, "--top", min=1, help="How many profiles to suggest."),
    json_: bool = JsonOpt,
    backend: str = typer.Option(
        "bm25",
        "--backend",
        help="bm25 (lexical, the default) or semantic (needs the [semantic] extra; falls "
        "back to bm25 with a note when it is not installed).",
    ),
    evidence: int = typer.Option(
        3, "--evidence", min=1, help="Sentences shown for each profile and factor."
    ),
    organisation: str | None = OrganisationOpt,
    suite_files: list[Path] | None = SuiteFilesOpt,
    include_archived: bool = typer.Option(
        False, "--include-archived", help="Also suggest profiles their suite has archived."
    ),
) -> None:
    """Suggest profiles to try and likely factor levels for a job description, with the
    sentences behind each. Suggestions only: a panel decides."""
    from .cli_library import cli_library
    from .scheme.loader import load_scheme
    from .suggest import checked_text, read_job_description, suggest

    if backend not in _BACKENDS:
        raise UsageError(f"--backend must be one of {', '.join(_BACKENDS)}, not {backend!r}")
    if file == "-":
        text = checked_text(sys.stdin.read(), "<stdin>")
        source = "standard input"
    else:
        text = read_job_description(Path(file))
        source = file
    library = cli_library(organisation, suite_files)
    result = suggest(
        text,
        library,
        load_scheme(),
        top=top,
        backend=backend,
        evidence=evidence,
        include_archived=include_archived,
    )
    if json_:
        print_json(result.to_json())
        return
    print_suggestions(result, source)


def register(app: typer.Typer) -> None:
    app.command("suggest")(suggest_cmd)
