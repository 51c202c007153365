"""Archived profiles (withdrawn by their suite) are kept for the cases already opened on
them but left out of matching, nearest profiles, suggestions and pickers unless asked for."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from apikit import token_client
from bandwise.cli import app
from bandwise.profiles.library import Library, builtin_library
from bandwise.profiles.matching import match_profile, nearest
from bandwise.profiles.model import ReadResult, Suite
from bandwise.profiles.serialize import dump_suite_yaml
from bandwise.scheme.jobs import Job, job_factor
from bandwise.scheme.loader import load_scheme
from bandwise.scheme.rules import default_rule_set
from bandwise.services import suites
from bandwise.suggest import suggest
from bandwise.web.pages.jobs import matching_profiles
from pagekit import Web

HEAD = "head-of-arts-therapies"
RULES = default_rule_set()
HEAD_LEVELS = "6,8,4,4,3,6,4,4,4,1,2,5,1,3,3,2"  # the Head of Arts Therapies' own levels


def _archived_suite() -> Suite:
    suite = builtin_library().suite("arts-therapies")
    assert suite is not None
    return replace(
        suite,
        profiles=tuple(replace(p, archived=p.id == HEAD) for p in suite.profiles),
    )


def _job() -> Job:
    scheme = load_scheme()
    return Job(tuple(job_factor(scheme, n, lv) for n, lv in enumerate(HEAD_LEVELS.split(","), 1)))


def _ids(ranked: Any) -> list[str]:
    return [r.result.profile_id for r in ranked]


def test_nearest_profiles_leave_out_an_archived_profile_unless_asked_for() -> None:
    library = Library((_archived_suite(),))
    scheme = load_scheme()
    assert HEAD not in _ids(nearest(scheme, library, _job(), RULES))
    assert _ids(nearest(scheme, library, _job(), RULES, include_archived=True))[0] == HEAD


def test_an_archived_profile_is_still_found_by_id_and_matched_for_an_old_case() -> None:
    library = Library((_archived_suite(),))
    assert library.get(f"arts-therapies/{HEAD}").archived
    result = match_profile(load_scheme(), library, HEAD, _job(), RULES)
    assert (result.profile_id, result.verdict) == (HEAD, "profile-match")
    assert HEAD in [p.id for p in library.profiles]


def test_a_library_without_archived_profiles_is_offered_whole() -> None:
    library = builtin_library()
    assert library.offered() is library


def test_suggestions_leave_out_an_archived_profile_unless_asked_for() -> None:
    library = Library((_archived_suite(),))
    head = library.get(HEAD)
    text = "\n".join((head.title, *head.job_statement))
    left_out = suggest(text, library, load_scheme(), top=10)
    asked = suggest(text, library, load_scheme(), top=10, include_archived=True)
    assert HEAD not in [p.id for p in left_out.profiles]
    assert HEAD in [p.id for p in asked.profiles]


def test_the_case_picker_offers_no_archived_profile_unless_asked_for() -> None:
    library = Library((_archived_suite(),))
    offered = [c["value"] for c in matching_profiles(library, "head")]
    assert offered == []
    asked = [c["value"] for c in matching_profiles(library, "head", include_archived=True)]
    assert asked == [f"arts-therapies/{HEAD}"]


def _cli(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout)


def test_nearest_and_suggest_commands_include_archived_profiles_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BANDWISE_DATA_DIR", str(tmp_path / "data"))
    suite_file = tmp_path / "suite.yaml"
    suite_file.write_text(dump_suite_yaml(_archived_suite()), encoding="utf-8")
    base = ("nearest", "--levels", HEAD_LEVELS, "--suite", str(suite_file), "--json")
    assert HEAD not in [d["profile_id"] for d in _cli(*base)]
    assert _cli(*base, "--include-archived")[0]["profile_id"] == HEAD
    head = builtin_library().get(HEAD)
    description = tmp_path / "jd.txt"
    description.write_text("\n".join((head.title, *head.job_statement)), encoding="utf-8")
    base = ("suggest", str(description), "--top", "10", "--suite", str(suite_file), "--json")
    assert HEAD not in [p["id"] for p in _cli(*base)["profiles"]]
    assert HEAD in [p["id"] for p in _cli(*base, "--include-archived")["profiles"]]


def _import_archived(web: Web) -> None:
    suites.import_suite(web.db, web.people.lead, ReadResult(_archived_suite()))


def test_the_nearest_api_includes_archived_profiles_only_when_asked(web: Web) -> None:
    _import_archived(web)
    signed = token_client(web.app, web.db, web.people.viewer)
    levels = HEAD_LEVELS.split(",")

    def ranked(**extra: Any) -> list[str]:
        body = {"levels": levels, "top": 10, **extra}
        response = signed.client.post("/api/nearest", json=body, headers=signed.headers)
        assert response.status_code == 200, response.text
        return [d["profile_id"] for d in response.json()]

    assert HEAD not in ranked()
    assert ranked(include_archived=True)[0] == HEAD


def test_the_suite_page_lists_an_archived_profile_marked_archived(web: Web) -> None:
    _import_archived(web)
    page = web.client(web.people.viewer).get("/library/suites/arts-therapies")
    assert page.status_code == 200
    row = next(r for r in page.text.split("<tr") if f"/{HEAD}" in r)
    assert ">archived</strong>" in row
    others = [r for r in page.text.split("<tr") if "/arts-therapist-principal" in r]
    assert others and ">archived</strong>" not in others[0]
    search = web.client(web.people.viewer).get("/library", params={"q": "head of"})
    (item,) = [li for li in search.text.split("<li") if f"/{HEAD}" in li]
    assert ">archived</strong>" in item


def test_a_new_version_that_archives_a_profile_is_stored_as_a_change(web: Web) -> None:
    imported = suites.import_suite(web.db, web.people.lead, ReadResult(_archived_suite()))
    assert (imported.suite_id, imported.version) == ("arts-therapies", 2)
    library = suites.organisation_library(web.db, web.people.lead.organisation_id)
    assert library.get(f"arts-therapies/{HEAD}").archived
