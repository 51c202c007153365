"""The server's command line on SQLite and PostgreSQL: ``db upgrade``, ``users
create-admin`` (one-time password), ``users create``, ``users list``; mistakes are one
line and exit 2."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bandwise.cli import app
from bandwise.services import accounts, sessions
from bandwise.services.base import Database
from clikit import Ran, run_main

runner = CliRunner()


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {"BANDWISE_DATABASE_URL": db_url, "BANDWISE_DATA_DIR": str(tmp_path)}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def _main(env: dict[str, str], *args: str) -> Ran:
    """``bandwise ARGS`` through ``main()`` in-process, with only ``env``'s settings."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("BANDWISE_")} | env
    return run_main(*args, env=full)


def test_db_upgrade_is_safe_to_run_again(cli_env: dict[str, str]) -> None:
    for _ in range(2):
        result = runner.invoke(app, ["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert "Database up to date" in result.output
    assert "bandwise:bandwise@" not in result.output  # no password in messages


def test_create_admin_prints_a_one_time_password_that_signs_in(
    cli_env: dict[str, str], db: Database
) -> None:
    result = runner.invoke(
        app,
        ["users", "create-admin", "--email", "Lead@Trust.nhs.uk", "--organisation",
         "Example NHS Trust", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["email"] == "lead@trust.nhs.uk"
    user = sessions.authenticate(db, "lead@trust.nhs.uk", data["one_time_password"], "cli")
    assert user.role == "admin" and user.must_change_password
    text = runner.invoke(app, ["users", "create-admin", "--email", "b@x.example",
                               "--organisation", "Second Trust"])  # fmt: skip
    assert text.exit_code == 0 and "One-time password: " in text.output


def test_users_create_and_list(cli_env: dict[str, str], db: Database) -> None:
    accounts.create_admin(db, "Trust A", "admin@a.example")
    result = runner.invoke(
        app,
        ["users", "create", "--email", "p@a.example", "--name", "Pat", "--role",
         "practitioner", "--side", "staff-side", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["one_time_password"]
    listed = json.loads(runner.invoke(app, ["users", "list", "--json"]).output)
    assert [(u["email"], u["role"], u["side"]) for u in listed] == [
        ("admin@a.example", "admin", None),
        ("p@a.example", "practitioner", "staff-side"),
    ]
    assert all(u["organisation"] == "trust-a" and u["must_change_password"] for u in listed)
    table = runner.invoke(app, ["users", "list"])
    assert table.exit_code == 0 and "p@a.example" in table.output


def test_users_create_checker_makes_a_consistency_checker_and_list_says_so(
    cli_env: dict[str, str], db: Database
) -> None:
    accounts.create_admin(db, "Trust A", "admin@a.example")
    result = runner.invoke(
        app,
        ["users", "create", "--email", "l@a.example", "--name", "Lee", "--role", "je-lead",
         "--side", "management", "--checker"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    listed = json.loads(runner.invoke(app, ["users", "list", "--json"]).output)
    assert [(u["email"], u["side"], u["consistency_checker"]) for u in listed] == [
        ("admin@a.example", None, False),
        ("l@a.example", "management", True),
    ]
    assert "checker" in runner.invoke(app, ["users", "list"]).output  # the table wraps it


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["users", "create", "--email", "x@a.example", "--name", "X", "--role", "practitioner"],
         "sits for one side"),
        (["users", "create", "--email", "x@a.example", "--name", "X", "--role", "viewer",
          "--checker"], "a viewer cannot check outcomes"),
        (["users", "create", "--email", "x@a.example", "--name", "X", "--role", "boss"],
         "role is one of"),
        (["users", "create", "--email", "admin@a.example", "--name", "X", "--role", "viewer"],
         "already an account"),
        (["users", "list", "--organisation", "nowhere"], "no organisation 'nowhere'"),
        (["users", "create-admin", "--email", "y@a.example", "--organisation", "Trust A"],
         "already exists"),
    ],
)  # fmt: skip
def test_mistakes_are_one_line_and_exit_2(
    cli_env: dict[str, str], db: Database, args: list[str], needle: str
) -> None:
    accounts.create_admin(db, "Trust A", "admin@a.example")
    result = _main(cli_env, *args)
    assert result.returncode == 2, result.stderr
    assert needle in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
