"""``bandwise letter``: the letters a JE team sends, produced from the command line as
from the case page: stored with the case, in its audit trail, and written to a file.

    bandwise letter outcome CASE_ID --out FILE   (.pdf or .docx, by the suffix)
    bandwise letter review REVIEW_ID --out FILE

They act for the organisation's first active administrator (as the other record
commands do) and use the organisation's templates (or the built-in ones). Letters are
not emailed from the command line.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from .cli_common import JsonOpt, print_json
from .cli_records import OrganisationOpt, _open
from .errors import UsageError

if TYPE_CHECKING:
    from .services.base import Actor, Database
    from .services.letters import LetterView

letter_app = typer.Typer(
    help="Letters: the outcome of a case, the decision on a review (PDF or Word).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

OutOpt = typer.Option(
    ..., "--out", help="The file to write: FILE.pdf or FILE.docx (the suffix chooses)."
)
EXTENSIONS = (".pdf", ".docx")


def _check_out(path: Path) -> str:
    """The format an --out file asks for; refused before any work when it cannot be."""
    suffix = path.suffix.lower()
    if suffix not in EXTENSIONS:
        raise UsageError(f"--out needs a file ending in .pdf or .docx, not {path.name!r}")
    if not path.parent.is_dir():
        raise UsageError(f"--out: there is no folder {str(path.parent)!r}")
    return suffix[1:]


def _date(text: str | None, flag: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise UsageError(f"{flag} {text!r} is not a date: give it as YYYY-MM-DD") from exc


@letter_app.command("outcome")
def outcome_cmd(
    case_id: int = typer.Argument(..., min=1, help="The case's number."),
    out: Path = OutOpt,
    to: list[str] | None = typer.Option(
        None,
        "--to",
        help="The jobholder's name (repeat for several: each gets a letter; "
        "default 'The jobholder').",
    ),
    manager: str | None = typer.Option(
        None, "--manager", help="Also write to the manager, by this name."
    ),
    effective: str | None = typer.Option(
        None,
        "--effective",
        help="The date the band takes effect, YYYY-MM-DD (default: the notification date).",
    ),
    organisation: str | None = OrganisationOpt,
    json_: bool = JsonOpt,
) -> None:
    """The outcome letter(s) of a case whose outcome the consistency check confirmed:
    stored with the case and written to --out (a letter to the manager, or to a
    second jobholder, is written beside it as FILE-2.pdf, ...)."""
    from .services.letters import Recipient, produce_outcome_letters

    fmt = _check_out(out)
    on = _date(effective, "--effective")
    db, actor = _open(organisation)
    try:
        made = produce_outcome_letters(
            db,
            actor,
            case_id,
            [Recipient(name) for name in to or []],
            Recipient(manager) if manager else None,
            on,
        )
        _files(db, actor, list(made), out, fmt, json_)
    finally:
        db.engine.dispose()


@letter_app.command("review")
def review_cmd(
    review_id: int = typer.Argument(..., min=1, help="The review request's number."),
    out: Path = OutOpt,
    to: str | None = typer.Option(
        None, "--to", help="Who the letter is to (default: who asked for the review)."
    ),
    organisation: str | None = OrganisationOpt,
    json_: bool = JsonOpt,
) -> None:
    """The decision letter of a decided review (upheld or not upheld), stored with the
    original case and written to --out."""
    from .services.letters import Recipient, produce_review_letter

    fmt = _check_out(out)
    db, actor = _open(organisation)
    try:
        made = produce_review_letter(db, actor, review_id, Recipient(to) if to else None)
        _files(db, actor, [made], out, fmt, json_)
    finally:
        db.engine.dispose()


def _files(
    db: Database, actor: Actor, made: list[LetterView], out: Path, fmt: str, json_: bool
) -> None:
    """The first letter to ``out``, any others beside it (``FILE-2.pdf``, ...)."""
    from .services.letters import letter_file

    written = []
    for n, letter in enumerate(made, start=1):
        path = out if n == 1 else out.with_name(f"{out.stem}-{n}{out.suffix}")
        content, _, _ = letter_file(db, actor, letter.id, fmt)
        path.write_bytes(content)
        written.append((letter, path))
    if json_:
        print_json(
            [
                {
                    "letter_id": letter.id,
                    "case_id": letter.case_id,
                    "review_request_id": letter.review_request_id,
                    "kind": letter.kind,
                    "recipient": letter.recipient_name,
                    "letter_date": letter.letter_date.isoformat(),
                    "subject": letter.subject,
                    "template_version": letter.template_version,
                    "file": str(path),
                }
                for letter, path in written
            ]
        )
        return
    for letter, path in written:
        typer.echo(
            f"Wrote the {letter.kind_label} to {letter.recipient_name} "
            f"(letter {letter.id}, case {letter.case_id}) to {path}."
        )


def register(app: typer.Typer) -> None:
    app.add_typer(letter_app, name="letter")
