"""Command line for matching, hybrid, local evaluation, nearest profiles and batch work."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from .cli_common import JsonOpt, UsageError, console, print_explanation, print_json
from .cli_library import OrganisationOpt, SuiteFilesOpt

if TYPE_CHECKING:
    from .scheme.jobs import Job
    from .scheme.model import Scheme
    from .scheme.rules import RuleSet

LevelsOpt = typer.Option(
    ...,
    "--levels",
    help="16 levels in factor order, comma-separated: a "
    "level (5), with options (5c, 3(a)), or a range when undecided (2-3).",
)
RulesOpt = typer.Option(
    None,
    "--rules",
    help="A matching rule set YAML to use instead of the organisation's rule set in force.",
)


def _setup(
    levels: str, rules_file: Path | None, organisation: str | None = None
) -> tuple[Scheme, Job, RuleSet]:
    from .cli_library import cli_rule_set
    from .scheme.jobs import parse_job
    from .scheme.loader import load_scheme

    scheme = load_scheme()
    parts = [p.strip() for p in levels.split(",")]
    if len(parts) != len(scheme.factors):
        raise UsageError(
            f"--levels needs {len(scheme.factors)} levels, one per factor in order; "
            f"got {len(parts)}"
        )
    rules = cli_rule_set(rules_file, organisation)
    return scheme, parse_job(scheme, parts), rules


def match_cmd(
    profile: str = typer.Option(
        ..., "--profile", help="Profile id (see `bandwise profiles list`)."
    ),
    levels: str = LevelsOpt,
    hybrid: bool = typer.Option(
        False,
        "--hybrid",
        help="Apply hybrid matching/evaluation when the match fails on few enough factors.",
    ),
    rules_file: Path | None = RulesOpt,
    json_: bool = JsonOpt,
    explain: bool = typer.Option(False, "--explain", help="Print the factor-by-factor table."),
    organisation: str | None = OrganisationOpt,
    suite_files: list[Path] | None = SuiteFilesOpt,
) -> None:
    """Match a job to a national profile, factor by factor, with a verdict and reasons."""
    from .cli_library import cli_library
    from .profiles.matching import match_profile
    from .scheme.explain import explain_match, match_to_json

    scheme, job, rules = _setup(levels, rules_file, organisation)
    library = cli_library(organisation, suite_files)
    result = match_profile(scheme, library, profile, job, rules, hybrid=hybrid)
    if json_:
        print_json(match_to_json(scheme, result))
        return
    print_explanation(explain_match(scheme, result), table=explain)


def evaluate_cmd(
    levels: str = LevelsOpt,
    rules_file: Path | None = RulesOpt,
    json_: bool = JsonOpt,
    organisation: str | None = OrganisationOpt,
) -> None:
    """Evaluate a job locally: total, band, distance to the boundary, sensitivity."""
    from .scheme.evaluation import evaluate
    from .scheme.explain import evaluation_to_json, explain_evaluation

    scheme, job, rules = _setup(levels, rules_file, organisation)
    ev = evaluate(scheme, job, rules)
    if json_:
        print_json(evaluation_to_json(scheme, ev))
        return
    print_explanation(explain_evaluation(scheme, ev))


def nearest_cmd(
    levels: str = LevelsOpt,
    top: int = typer.Option(5, "--top", min=1, help="How many profiles to show."),
    rules_file: Path | None = RulesOpt,
    json_: bool = JsonOpt,
    organisation: str | None = OrganisationOpt,
    suite_files: list[Path] | None = SuiteFilesOpt,
    include_archived: bool = typer.Option(
        False, "--include-archived", help="Also rank profiles their suite has archived."
    ),
) -> None:
    """Rank the library's profiles for a job's levels (archived ones only when asked)."""
    from .cli_library import cli_library
    from .profiles.matching import nearest
    from .scheme.explain import match_to_json

    scheme, job, rules = _setup(levels, rules_file, organisation)
    ranked = nearest(
        scheme,
        cli_library(organisation, suite_files),
        job,
        rules,
        top=top,
        include_archived=include_archived,
    )
    if json_:
        print_json(
            [
                {
                    "rank": i,
                    "score_distance": r.score_distance,
                    "differing": r.differing,
                    **match_to_json(scheme, r.result),
                }
                for i, r in enumerate(ranked, start=1)
            ]
        )
        return
    from rich.table import Table

    table = Table(title="Nearest profiles")
    for col in (
        "#",
        "Profile",
        "Verdict",
        "Differing",
        "Level distance",
        "Score distance",
        "Failing factors",
    ):
        table.add_column(col, no_wrap=col == "Profile")
    for i, r in enumerate(ranked, start=1):
        m = r.result
        table.add_row(
            str(i),
            m.profile_id,
            m.verdict,
            str(r.differing),
            str(m.level_distance),
            str(r.score_distance),
            ", ".join(map(str, m.failing_factors)) or "-",
        )
    console().print(table)


def match_batch_cmd(
    input_file: Path = typer.Argument(
        ..., metavar="INPUT", help="CSV or XLSX: job_id, optional title, f1..f16."
    ),
    out: Path = typer.Option(..., "--out", help="Output file (.csv or .xlsx)."),
    profile: str | None = typer.Option(None, "--profile", help="Match every job to this profile."),
    nearest_: bool = typer.Option(
        False, "--nearest", help="Match each job to its nearest profile."
    ),
    rules_file: Path | None = RulesOpt,
    organisation: str | None = OrganisationOpt,
    suite_files: list[Path] | None = SuiteFilesOpt,
) -> None:
    """Match many jobs at once; a bad row is reported in its own row and the run carries on.

    Exit 0 when every row matched, 1 when some rows have errors (the output is written
    with them), 2 when the input cannot be used at all (nothing is written).
    """
    from .batch.run import run_batch
    from .cli_library import cli_library, cli_rule_set
    from .scheme.loader import load_scheme

    if (profile is None) == (not nearest_):
        raise UsageError("give exactly one of --profile ID or --nearest")
    rules = cli_rule_set(rules_file, organisation)
    summary = run_batch(
        load_scheme(),
        cli_library(organisation, suite_files),
        rules,
        input_file,
        out,
        profile=profile,
        progress=console().is_terminal,
    )
    console().print(summary.describe(), markup=False)
    if summary.errors:
        raise typer.Exit(1)  # some rows failed: each is reported in its own output row


def register(app: typer.Typer) -> None:
    app.command("match")(match_cmd)
    app.command("evaluate")(evaluate_cmd)
    app.command("nearest")(nearest_cmd)
    app.command("match-batch")(match_batch_cmd)
