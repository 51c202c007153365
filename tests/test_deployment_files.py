"""The service files in docs/deployment name only settings and options that exist, and
the nginx site lets through the largest request the app accepts."""

from __future__ import annotations

import re
import secrets
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import typer.main

from bandwise.cli import app
from bandwise.settings import Settings, variable

DEPLOYMENT = Path(__file__).resolve().parents[1] / "docs" / "deployment"
UNIT = DEPLOYMENT / "bandwise.service"
NGINX = DEPLOYMENT / "nginx-bandwise.conf"
VARIABLES = {variable(name) for name in Settings.model_fields}


def _unit() -> dict[str, list[str]]:
    """Every ``Key=value`` of the unit (comments left out), values by key."""
    found: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


@pytest.mark.parametrize("path", [UNIT, NGINX], ids=["systemd", "nginx"])
def test_every_setting_a_service_file_names_exists(path: Path) -> None:
    named = set(re.findall(r"\bBANDWISE_[A-Z0-9_]+", path.read_text(encoding="utf-8")))
    assert named, "no settings found: the test itself is broken"
    assert named <= VARIABLES, named - VARIABLES


def _command(words: list[str]) -> Any:
    """The command ``words`` name (they are taken off the list), or the group it stops at."""
    command: Any = typer.main.get_command(app)
    while words and words[0] in getattr(command, "commands", {}):
        command = command.commands[words.pop(0)]
    return command


def test_every_bandwise_command_and_option_the_unit_names_exists() -> None:
    calls = re.findall(r"/bin/bandwise ([^\n]+)", UNIT.read_text(encoding="utf-8"))
    assert any(c.startswith("serve ") for c in calls), calls
    for call in calls:
        words = shlex.split(call)
        command = _command(words)
        assert not hasattr(command, "commands"), f"not a command: bandwise {call}"
        options = {o for p in command.params for o in getattr(p, "opts", [])}
        given = {w.split("=")[0] for w in words if w.startswith("--")}
        assert given <= options, f"bandwise {call}: {given - options}"


def test_the_unit_is_hardened_and_writes_only_the_data_folder() -> None:
    unit = _unit()
    data = next(
        v.split("=", 1)[1] for v in unit["Environment"] if v.startswith("BANDWISE_DATA_DIR=")
    )
    assert unit["User"] == ["bandwise"] and unit["EnvironmentFile"]
    assert unit["NoNewPrivileges"] == ["yes"] and unit["ProtectSystem"] == ["strict"]
    assert unit["ReadWritePaths"] == [data]
    assert "--host 127.0.0.1" in unit["ExecStart"][0]


def _largest_request() -> int:
    from bandwise.web import limits
    from bandwise.web.app import create_app
    from bandwise.web.settings import MAX_BODY_BYTES
    from bandwise.web.settings import Settings as AppSettings

    create_app(AppSettings(database_url="sqlite://", secret_key=secrets.token_urlsafe(48)))
    return max(limits._largest_upload, MAX_BODY_BYTES)


def _nginx_size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()  # type: ignore[union-attr]
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]


def test_nginx_lets_through_the_largest_request_the_app_accepts() -> None:
    text = NGINX.read_text(encoding="utf-8")
    sizes = re.findall(r"^\s*client_max_body_size\s+(\S+);", text, re.MULTILINE)
    assert len(sizes) == 1
    largest = _largest_request()
    assert largest > 50 * 1024 * 1024  # a profile document: the test sees every route
    assert _nginx_size(sizes[0]) >= largest


def test_nginx_serves_https_and_passes_the_forwarded_headers_to_the_units_port() -> None:
    text = NGINX.read_text(encoding="utf-8")
    assert re.search(r"listen 443 ssl", text) and "return 301 https://" in text
    for header in ("Host $host", "X-Forwarded-For $proxy_add_x_forwarded_for",
                   "X-Forwarded-Proto $scheme"):  # fmt: skip
        assert f"proxy_set_header {header};" in text
    port = re.search(r"--port (\d+)", _unit()["ExecStart"][0]).group(1)  # type: ignore[union-attr]
    assert f"proxy_pass http://127.0.0.1:{port};" in text


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    cert, key = tmp_path / "site.pem", tmp_path / "site.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=je.trust.example.nhs.uk", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    site = NGINX.read_text(encoding="utf-8")
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", site)
    site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", site)
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    conf = tmp_path / "nginx.conf"
    temp = " ".join(
        f"{kind}_temp_path {tmp_path}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log off; {temp} include {tmp_path}/site.conf; }}\n",
        encoding="utf-8",
    )
    done = subprocess.run(["nginx", "-t", "-c", str(conf)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
