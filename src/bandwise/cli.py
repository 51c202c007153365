"""The ``bandwise`` command line: a thin layer over the library.

Heavy modules are imported inside commands so that ``bandwise --help`` starts fast.
Data commands take ``--json``; a user mistake is a one-line error and exit 2,
never a traceback.
"""

from __future__ import annotations

import sys

import typer

from .cli_common import JsonOpt, UsageError, console, print_json
from .cli_profiles import profiles_app
from .errors import BandwiseError

app = typer.Typer(
    help="bandwise: the NHS Agenda for Change Job Evaluation scheme, national profiles, "
    "validation and scoring.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rendering it with rich costs ~0.1 s of start-up
)
scheme_app = typer.Typer(
    help="The JE scheme: factors, levels, points and bands.",
    no_args_is_help=True,
    rich_markup_mode=None,
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
    from .scheme.views import scheme_to_json

    s = load_scheme()
    if json_:
        _print_json(scheme_to_json(s))
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
    from .errors import InvalidLevelsError
    from .scheme import load_scheme
    from .scheme.views import score_levels, score_to_json

    scheme = load_scheme()
    parts = [p.strip() for p in levels.split(",")]
    if len(parts) != len(scheme.factors):
        raise UsageError(
            f"--levels needs {len(scheme.factors)} levels, one per factor in order; "
            f"got {len(parts)}"
        )
    try:
        result = score_levels(scheme, parts)
    except InvalidLevelsError as exc:
        raise UsageError(str(exc)) from exc
    if json_:
        _print_json(score_to_json(result, parts))
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
from .cli_server import register as _register_server  # noqa: E402

_register_server(app)
from .cli_db import register as _register_db  # noqa: E402

_register_db(app)
from .cli_records import register as _register_records  # noqa: E402

_register_records(app)
from .cli_suggest import register as _register_suggest  # noqa: E402

_register_suggest(app)
from .cli_returns import register as _register_returns  # noqa: E402

_register_returns(app)
from .cli_letters import register as _register_letters  # noqa: E402

_register_letters(app)
from .cli_rules import register as _register_rules  # noqa: E402

_register_rules(app)


def main() -> None:
    try:
        app()
    except BandwiseError as exc:
        sys.stderr.write(f"bandwise: {exc}\n")
        sys.exit(2)
    except OSError as exc:  # a file or folder the command needs: one line, not a traceback
        where = f"{exc.filename}: " if exc.filename else ""
        sys.stderr.write(f"bandwise: {where}{exc.strerror or exc}\n")
        sys.exit(2)
    except Exception as exc:
        database = sys.modules.get("sqlalchemy.exc")  # loaded only by database commands
        if database is None or not isinstance(exc, database.DBAPIError):
            raise
        from .cli_common import database_error

        sys.stderr.write(f"bandwise: {database_error(exc)}\n")  # read-only, unreachable, ...
        sys.exit(2)
    except KeyboardInterrupt:
        sys.stderr.write("bandwise: interrupted\n")
        sys.exit(130)
