"""Helpers shared by the command-line modules (kept free of heavy imports)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import typer

from .errors import UsageError as UsageError  # re-exported

if TYPE_CHECKING:
    from rich.console import Console

    from .scheme.explain import Explanation

JsonOpt = typer.Option(False, "--json", help="Print JSON instead of tables.")


def database_error(exc: Exception) -> UsageError:
    """A database error as the operator should read it: "not set up" only when its tables
    are missing; otherwise what went wrong (read-only, unreachable, locked)."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = reason[0] if reason else type(exc).__name__
    if "no such table" in first or "does not exist" in first:
        return UsageError(
            f"the database is not set up ({type(exc).__name__}): run `bandwise db upgrade` first"
        )
    return UsageError(f"cannot use the database: {first}")


def console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def printable(text: str, keep: str = "") -> str:
    """``text`` safe to send to a terminal: control and format characters (ESC, BEL, C1,
    bidi overrides, line separators) are shown as escapes such as ``\\x1b`` instead of
    being sent; the characters in ``keep`` (e.g. a newline) pass through."""
    from .plaintext import unsafe_char

    if not any(unsafe_char(c) for c in text):
        return text
    return "".join(
        c
        if c in keep or not unsafe_char(c)
        else (f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}")
        for c in text
    )


def plain(text: str) -> str:
    """User text for a rich table cell or markup line: printable, and ``[bold]`` literal."""
    from rich.markup import escape

    return escape(printable(text))


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def print_explanation(explanation: Explanation, table: bool = True) -> None:
    """The factor table (when ``table``) and the summary lines of an explanation."""
    from rich.markup import escape
    from rich.table import Table

    out = console()
    out.print(f"[bold]{escape(explanation.title)}[/bold]")
    if table:
        t = Table(show_lines=False)
        for col in explanation.columns:
            t.add_column(col, overflow="fold")
        for row in explanation.rows:
            t.add_row(*(escape(c) for c in row))
        out.print(t)
    for line in explanation.summary:
        out.print(escape(line))
    if table:
        for ref in explanation.references:
            out.print(f"[dim]Source: {escape(ref)}[/dim]")
