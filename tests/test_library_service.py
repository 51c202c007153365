"""One profile library per organisation, read by every surface: a suite imported through
the API or with ``bandwise profiles import --save`` is listed, matched, ranked and
suggested by the API and by the command line alike; with no database the command line
works on the built-in suites and on ``--suite`` files. On SQLite and PostgreSQL where a
database is involved; the command line runs in-process through ``main()``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from apikit import LEVELS, make_app, token_client
from bandwise.cli import main
from bandwise.profiles.library import SEED_DOCUMENT
from bandwise.profiles.store import data_dir
from bandwise.services.base import Database
from dbfixtures import People, make_people
from workflowkit import last_audit

OURS = "hyperbaric-chamber-operator"
STATEMENT = "Operates the hyperbaric oxygen chamber for divers with decompression illness"
JOB_DESCRIPTION = (
    "The post holder operates the hyperbaric oxygen chamber for divers with decompression "
    "illness, monitors chamber pressure and keeps the hyperbaric chamber log."
)


def one_profile_document() -> str:
    """A national profile document with one profile (the seed's first, renamed, with a
    job statement of its own) in a suite of its own."""
    lines = SEED_DOCUMENT.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Profile Suite and Label"))
    end = next(i for i, line in enumerate(lines) if "JE Score 438-448" in line)
    body = "\n".join(lines[start : end + 1])
    body = body.replace(
        "Arts Therapist Entry Level (Art, Music, Drama, Dance Movement)",
        "Hyperbaric Chamber Operator",
    )
    statement = next(line for line in lines[start:end] if line.startswith("Job Statement"))
    body = body.replace(statement, f"Job Statement\t {STATEMENT}")
    return "National Profiles for Hyperbaric Medicine\n\n\n" + body + "\n"


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
    return (code if isinstance(code, int) else (0 if code is None else 1)), out, err


def run_json(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> Any:
    code, out, err = run(capsys, monkeypatch, *args, "--json")
    assert code == 0, (out, err)
    return json.loads(out)


def profile_ids(rows: list[dict[str, Any]]) -> list[str]:
    return [r["id"] for r in rows]


@pytest.fixture
def document(tmp_path: Path) -> Path:
    path = tmp_path / "hyperbaric.txt"
    path.write_text(one_profile_document(), encoding="utf-8")
    return path


# ---------------------------------------------------------------- the API


def test_a_suite_imported_through_the_api_is_listed_matched_ranked_and_suggested_by_the_api(
    db: Database, db_url: str, people: People
) -> None:
    app = make_app(db_url)
    lead = token_client(app, db, people.lead)
    api, headers = lead.client, lead.headers
    before = api.get("/api/profiles", headers=headers).json()
    assert OURS not in profile_ids(before)

    files = {"file": ("hyperbaric.txt", one_profile_document().encode(), "text/plain")}
    imported = api.post("/api/suites/import", files=files, data={"version": "0"}, headers=headers)
    assert imported.status_code == 201, imported.text

    listed = api.get("/api/profiles", headers=headers).json()
    assert profile_ids(listed) == [*profile_ids(before), OURS]
    ours = next(r for r in listed if r["id"] == OURS)
    assert (ours["suite"], ours["suite_version"]) == ("hyperbaric-medicine", 1)
    shown = api.get(f"/api/profiles/hyperbaric-medicine/{OURS}", headers=headers)
    assert shown.status_code == 200 and shown.json()["title"] == "Hyperbaric Chamber Operator"

    matched = api.post("/api/match", json={"profile_id": OURS, "levels": LEVELS}, headers=headers)
    assert matched.status_code == 200, matched.text
    twin = api.post(
        "/api/match",
        json={"profile_id": "arts-therapist-entry-level", "levels": LEVELS},
        headers=headers,
    ).json()
    assert matched.json()["profile_id"] == OURS
    assert matched.json()["factors"] == twin["factors"]  # the same levels as the profile copied

    ranked = api.post("/api/nearest", json={"levels": LEVELS, "top": 100}, headers=headers)
    assert ranked.status_code == 200
    assert OURS in [r["profile_id"] for r in ranked.json()]
    assert len(ranked.json()) == len(listed)

    suggested = api.post("/api/suggest", json={"text": JOB_DESCRIPTION}, headers=headers)
    assert suggested.status_code == 200, suggested.text
    assert suggested.json()["profiles"][0]["id"] == OURS


def test_another_organisations_import_is_not_in_the_apis_library(
    db: Database, db_url: str, people: People, other_people: People
) -> None:
    app = make_app(db_url)
    lead = token_client(app, db, people.lead)
    files = {"file": ("hyperbaric.txt", one_profile_document().encode(), "text/plain")}
    new = {"version": "0"}
    assert lead.client.post(
        "/api/suites/import", files=files, data=new, headers=lead.headers
    ).is_success
    stranger = token_client(app, db, other_people.viewer)
    listed = stranger.client.get("/api/profiles", headers=stranger.headers).json()
    assert OURS not in profile_ids(listed)
    refused = stranger.client.post(
        "/api/match", json={"profile_id": OURS, "levels": LEVELS}, headers=stranger.headers
    )
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "profile_id"


# ---------------------------------------------------------------- the command line


def test_profiles_import_save_stores_a_version_that_the_command_line_and_the_server_both_read(
    db: Database,
    db_url: str,
    people: People,
    document: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BANDWISE_DATABASE_URL", db_url)
    report = run_json(capsys, monkeypatch, "profiles", "import", str(document), "--save", "--yes")
    assert report["saved"] == {
        "suite_id": "hyperbaric-medicine",
        "version": 1,
        "path": None,
        "organisation": "trust-a",
    }
    event = last_audit(db)
    assert (event.action, event.user_id) == ("suite.imported", people.admin.user_id)
    assert event.after is not None and event.after["profiles"] == [OURS]

    listed = run_json(capsys, monkeypatch, "profiles", "list")
    assert OURS in profile_ids(listed)
    app = make_app(db_url)
    viewer = token_client(app, db, people.viewer)
    assert OURS in profile_ids(viewer.client.get("/api/profiles", headers=viewer.headers).json())
    matched = run_json(
        capsys, monkeypatch, "match", "--profile", OURS, "--levels", ",".join(LEVELS)
    )
    assert matched["profile_id"] == OURS
    ranked = run_json(capsys, monkeypatch, "nearest", "--levels", ",".join(LEVELS), "--top", "50")
    assert OURS in [r["profile_id"] for r in ranked]

    again = run_json(capsys, monkeypatch, "profiles", "import", str(document), "--save", "--yes")
    assert (again["saved"], again["library_version"]) == (None, 1)  # unchanged: nothing stored
    assert not (data_dir() / "suites").exists()  # nothing written to the data folder's files


def test_profiles_import_save_without_an_organisation_says_how_to_create_one(
    tmp_path: Path,
    document: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BANDWISE_DATABASE_URL", raising=False)
    code, out, err = run(
        capsys, monkeypatch, "profiles", "import", str(document), "--save", "--yes"
    )
    assert (code, out) == (2, "")
    assert err.strip() == (
        "bandwise: the database holds no organisation yet: create one with "
        "`bandwise users create-admin`, then save the suite"
    )
    assert (data_dir() / "bandwise.db").is_file()  # created and migrated, as documented


def test_with_several_organisations_a_library_command_names_them_and_asks_for_one(
    db: Database,
    db_url: str,
    people: People,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_people(db, "trust-b")
    monkeypatch.setenv("BANDWISE_DATABASE_URL", db_url)
    code, out, err = run(capsys, monkeypatch, "profiles", "list")
    assert (code, out) == (2, "")
    assert err.strip() == (
        "bandwise: the database holds several organisations (trust-a, trust-b): "
        "name one with --organisation SLUG"
    )
    listed = run_json(capsys, monkeypatch, "profiles", "list", "--organisation", "trust-b")
    assert "arts-therapist" in profile_ids(listed)
    code, _, err = run(capsys, monkeypatch, "profiles", "list", "--organisation", "trust-c")
    assert code == 2
    assert (
        err.strip()
        == "bandwise: no organisation 'trust-c' in the database (known: trust-a, trust-b)"
    )


def test_with_no_database_the_command_line_works_on_the_built_in_suites_and_creates_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BANDWISE_DATABASE_URL", raising=False)
    listed = run_json(capsys, monkeypatch, "profiles", "list")
    assert {r["suite"] for r in listed} == {"arts-therapies"}
    assert run_json(capsys, monkeypatch, "profiles", "show", "arts-therapist")["id"] == (
        "arts-therapist"
    )
    assert not (data_dir() / "bandwise.db").exists()
    code, _, err = run(capsys, monkeypatch, "profiles", "list", "--organisation", "trust-a")
    assert code == 2 and "there is no database yet" in err


def test_suite_files_given_with_suite_are_matched_without_a_database(
    tmp_path: Path,
    document: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BANDWISE_DATABASE_URL", raising=False)
    suite = tmp_path / "hyperbaric.yaml"
    code, _, err = run(
        capsys, monkeypatch, "profiles", "import", str(document), "--out", str(suite)
    )
    assert code == 0, err
    levels = ",".join(LEVELS)
    matched = run_json(
        capsys, monkeypatch, "match", "--suite", str(suite), "--profile", OURS, "--levels", levels
    )
    assert matched["profile_id"] == OURS
    listed = run_json(capsys, monkeypatch, "profiles", "list", "--suite", str(suite))
    assert [r["suite_version"] for r in listed if r["id"] == OURS] == [0]  # in no library
    code, out, err = run(capsys, monkeypatch, "profiles", "list", "--suite", str(document))
    assert (code, out) == (2, "")
    assert "expected a suite YAML" in err and len(err.strip().splitlines()) == 1


def test_suite_files_an_older_bandwise_saved_are_not_read_and_a_note_says_how_to_import_them(
    tmp_path: Path,
    document: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BANDWISE_DATABASE_URL", raising=False)
    old = data_dir() / "suites" / "hyperbaric-medicine" / "v1.yaml"
    old.parent.mkdir(parents=True)
    run(capsys, monkeypatch, "profiles", "import", str(document), "--out", str(old))
    code, out, err = run(capsys, monkeypatch, "profiles", "list", "--json")
    assert code == 0 and OURS not in profile_ids(json.loads(out))
    assert "bandwise profiles import FILE --save" in err and str(old) in err


def test_a_folder_of_old_suite_files_imports_as_successive_versions_of_the_database_library(
    db: Database,
    db_url: str,
    people: People,
    document: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BANDWISE_DATABASE_URL", db_url)
    folder = data_dir() / "suites" / "hyperbaric-medicine"
    folder.mkdir(parents=True)
    first = folder / "v1.yaml"
    run(capsys, monkeypatch, "profiles", "import", str(document), "--out", str(first))
    text = first.read_text(encoding="utf-8")
    assert STATEMENT in text
    (folder / "v2.yaml").write_text(text.replace(STATEMENT, "Runs the chamber"), "utf-8")
    report = run_json(capsys, monkeypatch, "profiles", "import", str(folder), "--save", "--yes")
    saved = [f["saved"] for f in report["files"]]
    assert [(s["suite_id"], s["version"]) for s in saved] == [
        ("hyperbaric-medicine", 1),
        ("hyperbaric-medicine", 2),
    ]
    shown = run_json(capsys, monkeypatch, "profiles", "show", OURS)
    assert shown["job_statement"] == ["Runs the chamber"]


def test_an_app_built_with_a_library_loader_still_answers_from_it(
    db: Database, db_url: str, people: People
) -> None:
    from apikit import settings_for
    from bandwise.profiles.library import builtin_library
    from bandwise.web.app import create_app

    calls: list[int] = []

    def loader() -> Any:
        calls.append(1)
        return builtin_library()

    app = create_app(settings_for(db_url), library_loader=loader)
    viewer = token_client(app, db, people.viewer)
    listed = viewer.client.get("/api/profiles", headers=viewer.headers)
    assert listed.status_code == 200 and calls == [1]
