"""Hostile input and a broken setup at the command line: one line on stderr and exit 2,
never a traceback; user text printed by the CLI cannot drive the terminal.

The real entry point (``bandwise.cli.main``, whose error handling gives exit 2) runs
in-process: the suite stays fast and a traceback fails the test as an exception.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import sys
from pathlib import Path

import pytest

from bandwise.cli import main
from bandwise.services import accounts
from bandwise.services.base import Database

GOOD = "5,7,3,2,3,5,1,2,1,1,1,3,2,2,4,2"
HUGE = "1" * 5000


def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    """``bandwise ARGS`` through ``main()``: exit code, stdout, stderr."""
    monkeypatch.setattr(sys, "argv", ["bandwise", *args])
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit) as info:
        main()
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 1), out, err


def one_line_error(result: tuple[int, str, str], *needles: str) -> str:
    code, out, err = result
    assert code == 2, (code, out, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bandwise: "), err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    assert len(lines[0]) < 400
    return lines[0]


@pytest.mark.parametrize(
    ("levels", "needles"),
    [
        pytest.param(HUGE + GOOD[1:], ("factor 1", "is not a level", "1 to 6"), id="huge"),
        pytest.param("٥" + GOOD[1:], ("factor 1", "is not a level"), id="arabic-indic-digit"),
        pytest.param("５" + GOOD[1:], ("factor 1",), id="full-width-digit"),
        pytest.param(
            "1(q)" + GOOD[1:], ("factor 1", "level 1 has no option (q)"), id="unknown-option"
        ),
        pytest.param(
            GOOD.replace("5,7,3,2,3", "5,7,3,2,3abc", 1),
            ("factor 5 (Physical skills) level 3 has no option (c)", "(a), (b)"),
            id="unknown-letters",
        ),
    ],
)
def test_score_refuses_hostile_levels_in_one_line(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    levels: str,
    needles: tuple[str, ...],
) -> None:
    one_line_error(run(capsys, monkeypatch, "score", "--levels", levels), *needles)


@pytest.mark.parametrize("command", ["evaluate", "nearest"])
def test_level_commands_refuse_a_level_of_thousands_of_digits_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    result = run(capsys, monkeypatch, command, "--levels", GOOD[:-1] + HUGE)
    one_line_error(result, "factor 16", "it has 5000 digits")


def _under_a_file(tmp_path: Path) -> Path:
    """A data folder that cannot be created, even by root: its parent is a regular file."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n", encoding="utf-8")
    return blocker / "data"


@pytest.mark.parametrize(
    "args",
    [["db", "upgrade"], ["serve", "--port", "1"], ["serve", "--setup", "--port", "1"],
     ["users", "list"], ["users", "create-admin", "--email", "a@b.example"]],
    ids=["db-upgrade", "serve", "serve-setup", "users-list", "create-admin"],
)  # fmt: skip
def test_a_data_folder_that_cannot_be_created_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    args: list[str],
) -> None:
    monkeypatch.delenv("BANDWISE_DATABASE_URL", raising=False)
    monkeypatch.setenv("BANDWISE_DATA_DIR", str(_under_a_file(tmp_path)))
    monkeypatch.setenv("BANDWISE_SECRET_KEY", secrets.token_urlsafe(48))
    line = one_line_error(run(capsys, monkeypatch, *args), "cannot ")
    assert "a-file/data" in line and "Not a directory" in line


def _read_only_url(path: Path) -> str:
    """An SQLite database opened read-only (``mode=ro``): refused writes even for root."""
    return f"sqlite:///file:{path}?mode=ro&uri=true"


@pytest.mark.parametrize("args", [["db", "upgrade"], ["serve", "--port", "1"]])
def test_migrating_a_read_only_database_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    args: list[str],
) -> None:
    (tmp_path / "bandwise.db").touch()
    monkeypatch.setenv("BANDWISE_DATABASE_URL", _read_only_url(tmp_path / "bandwise.db"))
    monkeypatch.setenv("BANDWISE_SECRET_KEY", secrets.token_urlsafe(48))
    monkeypatch.chdir(tmp_path)
    one_line_error(run(capsys, monkeypatch, *args), "cannot migrate the database", "readonly")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bandwise.db",
        "bandwise.db.migrate-lock",
    ]  # nothing made from the URL's text (no "file:" folder)


def _sqlite_with_users(tmp_path: Path, *people: tuple[str, str]) -> Path:
    from bandwise.store.migrate import upgrade

    path = tmp_path / "bandwise.db"
    upgrade(f"sqlite:///{path}")
    db = Database.connect(f"sqlite:///{path}")
    accounts.create_admin(db, "Trust A", "admin@a.example")
    for email, _ in people:
        accounts.create_user_as_operator(db, email, "x", "viewer")
    db.engine.dispose()
    raw = sqlite3.connect(path, isolation_level=None)
    for email, name in people:  # stored as an older release, which did not check, may have
        raw.execute("UPDATE users SET name = ? WHERE email = ?", (name, email))
    raw.execute("PRAGMA journal_mode=DELETE")  # as a copied or restored file may be
    raw.close()
    return path


def test_users_list_reads_a_read_only_database(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = _sqlite_with_users(tmp_path)
    monkeypatch.setenv("BANDWISE_DATABASE_URL", _read_only_url(path))
    code, out, err = run(capsys, monkeypatch, "users", "list", "--json")
    assert (code, err) == (0, "")
    assert [u["email"] for u in json.loads(out)] == ["admin@a.example"]


def test_users_list_on_an_empty_database_says_it_is_not_set_up(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BANDWISE_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    one_line_error(run(capsys, monkeypatch, "users", "list"), "not set up", "db upgrade")


def test_users_list_prints_control_characters_and_markup_in_names_literally(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = _sqlite_with_users(
        tmp_path, ("esc@a.example", "Eve\x1b[2J\x07"), ("mark@a.example", "[bold]Mal[/bold]")
    )
    monkeypatch.setenv("BANDWISE_DATABASE_URL", f"sqlite:///{path}")
    code, out, err = run(capsys, monkeypatch, "users", "list")
    assert (code, err) == (0, "")
    assert "\x1b" not in out and "\x07" not in out
    assert "Eve\\x1b[2J\\x07" in out
    assert "[bold]Mal[/bold]" in out
    code, out, _ = run(capsys, monkeypatch, "users", "list", "--json")
    names = {u["email"]: u["name"] for u in json.loads(out)}
    assert names["esc@a.example"] == "Eve\x1b[2J\x07"  # JSON escapes it and keeps it exact


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Eve\x1b[2J\x07", "Eve\\x1b[2J\\x07"),
        ("C1\x9b31m", "C1\\x9b31m"),
        ("rtl\u202eexe", "rtl\\u202eexe"),
        ("[bold]x[/bold]", "\\[bold]x\\[/bold]"),
        ("Ergothérapeute – 作業療法士", "Ergothérapeute – 作業療法士"),
    ],
)
def test_plain_shows_control_characters_as_escapes_and_markup_as_text(
    text: str, shown: str
) -> None:
    from rich.console import Console
    from rich.text import Text

    from bandwise.cli_common import plain, printable

    assert plain(text) == shown
    assert Text.from_markup(plain(text)).plain == printable(text)
    out = Console(width=200, force_terminal=False)
    with out.capture() as captured:
        out.print(plain(text))
    assert not any(c in captured.get() for c in "\x1b\x07\x9b\u202e")


def test_printable_keeps_the_characters_it_is_told_to() -> None:
    from bandwise.cli_common import printable

    assert printable("a\nb\x1bc", keep="\n") == "a\nb\\x1bc"


def test_a_read_only_database_serves_reports_and_refuses_an_audited_export_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = _sqlite_with_users(tmp_path)
    monkeypatch.setenv("BANDWISE_DATABASE_URL", _read_only_url(path))
    args = ["report", "--from", "2026-01-01", "--to", "2026-12-31", "--json"]
    code, stdout, err = run(capsys, monkeypatch, *args)
    assert (code, err) == (0, ""), stdout
    assert json.loads(stdout)["totals"]["jobs_matched"] == 0
    out = tmp_path / "outcomes.csv"
    result = run(capsys, monkeypatch, "export", "--out", str(out))  # an export is audited
    one_line_error(result, "cannot use the database: attempt to write a readonly database")
    assert not out.exists()


def test_a_database_that_cannot_be_opened_is_not_called_not_set_up(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "garbage.db").write_bytes(b"this is not an SQLite database" * 100)
    monkeypatch.setenv("BANDWISE_DATABASE_URL", f"sqlite:///{tmp_path / 'garbage.db'}")
    for args in (["users", "list"], ["export", "--out", str(tmp_path / "x.csv")]):
        line = one_line_error(run(capsys, monkeypatch, *args), "cannot use the database")
        assert "not set up" not in line


SEED = Path(__file__).resolve().parents[1] / "src/bandwise/profiles/data"
SEED_TEXT = (SEED / "national-profiles-arts-therapy.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "score", ["4" * 5000 + "-448", "٤٣٨-٤٤٨"], ids=["5000-digits", "arabic-indic"]
)
def test_a_profile_documents_hostile_je_score_is_a_finding_not_a_traceback(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    score: str,
) -> None:
    assert SEED_TEXT.count("JE Score 438-448") == 1
    document = tmp_path / "profiles.txt"
    document.write_text(SEED_TEXT.replace("JE Score 438-448", f"JE Score {score}"), "utf-8")
    code, out, err = run(capsys, monkeypatch, "profiles", "import", str(document), "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    first = data["profiles"][0]
    assert first["stated_total"] is None  # the total was not read as a number
    assert "total-missing" in {f["code"] for f in data["findings"]}
