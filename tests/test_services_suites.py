"""Profile suites stored per organisation with versions: the diff against the current
version, nothing stored when unchanged, and cases matched against the organisation's
library; on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from bandwise.documents.reader import read_document
from bandwise.profiles.library import SEED_DOCUMENT, builtin_library
from bandwise.profiles.model import ReadResult
from bandwise.profiles.serialize import load_suite_yaml, suite_to_data
from bandwise.scheme import strict_yaml
from bandwise.scheme.loader import load_scheme
from bandwise.services import cases, suites
from bandwise.services.base import Conflict, Database, Forbidden, RuleViolation
from bandwise.store import tables as t
from dbfixtures import People
from workflowkit import LEVELS, SAT_ON, audit_events, count, draft, last_audit, panel


def _edited(edit: Any) -> ReadResult:
    """The built-in Arts Therapies suite with ``edit`` applied to its stored data."""
    data = suite_to_data(builtin_library().suite("arts-therapies"))  # type: ignore[arg-type]
    edit(data)
    text = strict_yaml.dumps(data)
    return ReadResult(load_suite_yaml(load_scheme(), text, "edited.yaml"))


def _factor(data: dict[str, Any], profile: str, number: int) -> dict[str, Any]:
    entry = next(p for p in data["profiles"] if p["id"] == profile)
    return next(f for f in entry["factors"] if f["number"] == number)


def _lower_factor_15(data: dict[str, Any]) -> None:
    _factor(data, "arts-therapist", 15).update(level="3(b)", score="18")


def test_the_library_is_the_built_in_suites_until_the_organisation_imports_one(
    db: Database, people: People
) -> None:
    library = suites.organisation_library(db, people.organisation_id)
    assert library == builtin_library()
    [summary] = suites.list_suites(db, people.viewer)
    assert (summary.suite_id, summary.version, summary.builtin) == ("arts-therapies", 1, True)
    assert "arts-therapist" in summary.profiles


def test_importing_the_seed_document_again_changes_nothing_and_stores_nothing(
    db: Database, people: People
) -> None:
    result = read_document(SEED_DOCUMENT)
    assert result.suite.id != "arts-therapies"  # aligned to the library suite by its title
    imported = suites.import_suite(db, people.lead, result)
    assert (imported.suite_id, imported.created, imported.version) == ("arts-therapies", False, 1)
    assert imported.diff is not None and imported.diff.is_empty
    assert (count(db, t.StoredSuite), len(audit_events(db))) == (0, 0)


def test_a_changed_built_in_suite_is_stored_as_version_2_with_its_differences(
    db: Database, people: People, other_people: People
) -> None:
    preview = suites.preview_import(db, people.lead, _edited(_lower_factor_15))
    assert (preview.created, preview.version, count(db, t.StoredSuite)) == (True, 2, 0)
    imported = suites.import_suite(
        db, people.lead, _edited(_lower_factor_15), expected_version=preview.base_version
    )
    assert (imported.created, imported.base_version, imported.version) == (True, 1, 2)
    assert imported.diff is not None
    assert [(c.profile_id, c.levels_changed) for c in imported.diff.changed] == [
        ("arts-therapist", (15,))
    ]
    event = last_audit(db)
    assert (event.action, event.user_id, event.before) == (
        "suite.imported",
        people.lead.user_id,
        {"suite_id": "arts-therapies", "version": 1},
    )
    assert event.after is not None and event.after["version"] == 2
    assert event.after["changes"] == imported.diff.to_json()

    library = suites.organisation_library(db, people.organisation_id)
    assert library.version_of("arts-therapies") == 2
    assert library.get("arts-therapist").factor(15).levels == (3,)  # type: ignore[union-attr]
    assert suites.organisation_library(db, other_people.organisation_id) == builtin_library()
    assert [v.version for v in suites.list_suite_versions(db, people.viewer, "arts-therapies")] == [
        2
    ]
    assert suites.list_suite_versions(db, other_people.admin, "arts-therapies") == ()
    stored = suites.get_suite_yaml(db, people.viewer, "arts-therapies", 2)
    assert "3(b)" in stored and "4(b)" in suites.get_suite_yaml(
        db, people.viewer, "arts-therapies", 1
    )

    again = suites.import_suite(db, people.lead, _edited(_lower_factor_15))
    assert (again.created, again.version, count(db, t.StoredSuite)) == (False, 2, 1)
    with pytest.raises(Conflict, match="now at version 2, not 1"):
        suites.import_suite(db, people.lead, _edited(lambda d: None), expected_version=1)


def test_a_new_suite_starts_at_version_1(db: Database, people: People) -> None:
    def rename(data: dict[str, Any]) -> None:
        data["suite"].update(id="local-therapies", title="Local Therapies")
        for profile in data["profiles"]:
            profile["id"] = "local-" + profile["id"]

    imported = suites.import_suite(db, people.admin, _edited(rename))
    assert (imported.suite_id, imported.version, imported.diff) == ("local-therapies", 1, None)
    assert last_audit(db).before is None
    ids = [s.suite_id for s in suites.list_suites(db, people.viewer)]
    assert ids == ["arts-therapies", "local-therapies"]


def test_only_roles_with_the_import_permission_may_import(db: Database, people: People) -> None:
    for actor in (people.staff, people.viewer):
        with pytest.raises(Forbidden, match="may not import"):
            suites.import_suite(db, actor, _edited(_lower_factor_15))
    assert count(db, t.StoredSuite) == 0


def test_cases_match_against_the_organisations_current_suite_version(
    db: Database, people: People
) -> None:
    before = draft(db, people)
    assert before.case.suite_version == 1
    suites.import_suite(db, people.lead, _edited(_lower_factor_15))
    after = draft(db, people)
    assert after.case.suite_version == 2
    preview = cases.compute_preview(db, people.lead, after.case.id)
    assert preview.json is not None and preview.json["verdict"] == "match-with-variation"
    recorded = cases.record_panel_outcome(
        db, people.lead, after.case.id, after.case.version, SAT_ON, panel(people)
    )
    assert recorded.outcome is not None
    assert (recorded.outcome.suite_version, recorded.outcome.verdict) == (2, "match-with-variation")
    assert list(recorded.outcome.levels) == LEVELS


def test_a_case_whose_profile_was_removed_cannot_record_an_outcome(
    db: Database, people: People
) -> None:
    case = draft(db, people)

    def drop(data: dict[str, Any]) -> None:
        data["profiles"] = [p for p in data["profiles"] if p["id"] != "arts-therapist"]

    suites.import_suite(db, people.lead, _edited(drop))
    with pytest.raises(RuleViolation, match="no longer in the organisation's profile"):
        cases.record_panel_outcome(
            db, people.lead, case.case.id, case.case.version, SAT_ON, panel(people)
        )
    assert count(db, t.Outcome) == 0
