"""One settings object: every ``BANDWISE_*`` variable is a typed field of
:class:`bandwise.settings.Settings`, read in one place, documented with its default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bandwise.documents.limits import ParseLimits
from bandwise.errors import ConfigError, LimitSettingError
from bandwise.settings import Settings, load, variable
from bandwise.web.settings import Settings as AppSettings

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "bandwise"
SECRET = "k" + "9f8e7d6c5b4a3" * 4


def _documented() -> dict[str, str]:
    """Each variable in docs/deployment.md's tables, with its row's last cell (the default)."""
    rows: dict[str, str] = {}
    for line in (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3:
            continue
        for name in re.findall(r"`(BANDWISE_[A-Z_]+)`", cells[0]):
            rows[name] = cells[-1]
    return rows


def _shown(default: object) -> str:
    if isinstance(default, bool):
        return str(int(default))
    if isinstance(default, float):
        return f"{default:g}"
    return str(default)


def test_every_setting_is_documented_in_the_deployment_guide_with_its_default() -> None:
    documented = _documented()
    for name, field in Settings.model_fields.items():
        if name == "xdg_data_home":
            continue  # not ours: the XDG base directory convention
        assert variable(name) in documented, f"{variable(name)} is not in docs/deployment.md"
        default = field.default
        if default not in (None, "") and not hasattr(default, "get_secret_value"):
            assert f"`{_shown(default)}`" in documented[variable(name)], variable(name)


def test_every_documented_variable_is_a_setting() -> None:
    fields = {variable(name) for name in Settings.model_fields}
    assert set(_documented()) <= fields


def test_only_the_settings_module_reads_the_environment() -> None:
    reading = re.compile(r"os\.getenv|os\.environ\.get|os\.environ\[[^\]]+\](?!\s*=)")
    readers = [
        f"{path.relative_to(SRC)}:{number}"
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "settings.py" or path.parent != SRC
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if reading.search(line)
    ]
    assert readers == [], "read settings through bandwise.settings.load() (load().database...)"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("BANDWISE_SESSION_HOURS", "a day", "BANDWISE_SESSION_HOURS: 'a day' is not a number"),
        ("BANDWISE_LOGIN_MAX_FAILURES", "0", "BANDWISE_LOGIN_MAX_FAILURES is at least 1"),
        ("BANDWISE_HTTPS", "maybe", "BANDWISE_HTTPS is 1 or 0"),
        ("BANDWISE_ENV", "staging", "BANDWISE_ENV is 'production' or 'development'"),
        ("BANDWISE_TIMEZONE", "Mars/Olympus", "BANDWISE_TIMEZONE is a time zone name such as"),
        ("BANDWISE_PARSE_WORKERS", "1.5", "BANDWISE_PARSE_WORKERS: '1.5' is not a whole number"),
    ],
)
def test_a_bad_value_is_one_error_naming_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load({name: value})
    assert str(caught.value).startswith(message)


def test_a_bad_parse_limit_is_a_limit_setting_error_also_from_the_app_settings() -> None:
    env = {"BANDWISE_ENV": "development", "BANDWISE_PARSE_MAX_CHARS": "-1"}
    with pytest.raises(LimitSettingError, match="BANDWISE_PARSE_MAX_CHARS is more than 0"):
        AppSettings.from_env(env)


def test_an_empty_variable_counts_as_unset() -> None:
    settings = load({"BANDWISE_SESSION_HOURS": "", "BANDWISE_ENV": ""})
    assert settings.session_hours == 12 and settings.env == "production"


def test_a_given_mapping_is_read_instead_of_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BANDWISE_SESSION_HOURS", "3")
    assert load().session_hours == 3
    assert load({}).session_hours == 12


def test_the_postgresql_scheme_means_psycopg_for_the_cli_and_the_web_alike(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bandwise.store.db import database_url

    url = "postgresql://u:p@db/bandwise"
    monkeypatch.setenv("BANDWISE_DATABASE_URL", url)
    web = AppSettings.from_env({"BANDWISE_DATABASE_URL": url, "BANDWISE_SECRET_KEY": SECRET})
    assert database_url() == web.database_url == "postgresql+psycopg://u:p@db/bandwise"


def test_the_data_folder_follows_bandwise_data_dir_then_xdg_data_home() -> None:
    assert load({"BANDWISE_DATA_DIR": "/srv/bw"}).data_folder == Path("/srv/bw")
    assert load({"XDG_DATA_HOME": "/home/u/.d"}).data_folder == Path("/home/u/.d/bandwise")


def test_the_parse_limits_defaults_are_the_settings_defaults() -> None:
    assert ParseLimits.from_env({}) == ParseLimits()


def test_a_bad_setting_stops_a_command_with_one_line_naming_it(tmp_path: Path) -> None:
    from clikit import run_main

    env = {"PATH": "/usr/bin:/bin", "BANDWISE_DATA_DIR": str(tmp_path), "BANDWISE_HTTPS": "maybe"}
    ran = run_main("db", "upgrade", env=env)
    assert ran.returncode == 2
    assert ran.stderr.strip().splitlines() == [
        "bandwise: BANDWISE_HTTPS is 1 or 0 (true/false, yes/no, on/off), not 'maybe'"
    ]
