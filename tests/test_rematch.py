"""Re-matching after a profile suite changes: a dry run lists exactly the jobs whose
profile changed, with old and new verdicts, and changes nothing; applying opens a draft
case for each, audited, in one transaction."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bandwise.cli import app
from bandwise.services.base import Database, Forbidden, InvalidInput, NotFound
from bandwise.services.rematch import rematch
from bandwise.store import tables as t
from dbfixtures import People, copy_of, make_people
from recordfixtures import (
    ARTS_THERAPIST,
    SUITE,
    add_job,
    add_outcome,
    builtin_suite,
    change_profile,
    noon,
    store_suite,
    with_level,
    without_profile,
)

ENTRY_LEVEL = ("5", "7", "3", "2", "3", "5", "1", "2", "1", "1", "1", "3", "2", "2", "4", "2")


def _counts(db: Database) -> dict[str, int]:
    with db.transaction() as session:
        return {
            name: session.scalar(select(func.count()).select_from(model)) or 0
            for name, model in (
                ("cases", t.Case),
                ("decisions", t.FactorDecision),
                ("audit", t.AuditEvent),
            )
        }


def _factor_3_raised(db: Database, people: People, version: int = 2) -> None:
    """Version ``version``: the arts-therapist profile now needs level 5 on factor 3."""
    store_suite(
        db, people.lead, change_profile(builtin_suite(), "arts-therapist", {3: "5"}), version
    )


@pytest.fixture
def scenario(db: Database, people: People) -> dict[str, int]:
    """Jobs on version 1 of the suite, one per situation."""
    jobs = {
        "changed": add_job(db, people, "Arts therapist", "AT-1"),
        "changed-too": add_job(db, people, "Art therapist", "AT-2"),
        "other-profile": add_job(db, people, "Entry-level therapist", "AT-3"),
        "unconfirmed": add_job(db, people, "Music therapist", "AT-4"),
    }
    add_outcome(db, people, jobs["changed"])
    add_outcome(db, people, jobs["changed-too"], with_level(ARTS_THERAPIST, 3, "5"))
    add_outcome(
        db, people, jobs["other-profile"], ENTRY_LEVEL, profile_id="arts-therapist-entry-level"
    )
    add_outcome(db, people, jobs["unconfirmed"], confirmed=False)
    return jobs


def test_a_dry_run_lists_exactly_the_jobs_whose_profile_changed_with_old_and_new_verdicts(
    db: Database, people: People, scenario: dict[str, int]
) -> None:
    _factor_3_raised(db, people)
    before = _counts(db)
    result = rematch(db, people.viewer, SUITE)
    assert not result.applied and result.to_version == 2
    assert result.outcomes_on_suite == 3  # the unconfirmed outcome is not counted
    by_job = {i.job_id: i for i in result.items}
    assert set(by_job) == {scenario["changed"], scenario["changed-too"]}
    moved = by_job[scenario["changed"]]
    assert moved.levels_changed == (3,)
    assert (moved.old_verdict, moved.new_verdict) == ("profile-match", "match-with-variation")
    assert (moved.old_band, moved.new_band) == ("7", "7")
    assert (moved.old_suite_version, moved.new_suite_version) == (1, 2)
    assert "factor 3" in moved.reason and "match-with-variation (was profile-match)" in moved.reason
    still = by_job[scenario["changed-too"]]
    assert (still.old_verdict, still.new_verdict) == ("profile-match", "profile-match")
    assert not still.verdict_changed
    assert result.opened == ()
    assert _counts(db) == before


def test_a_band_change_alone_lists_the_jobs_on_the_profile(
    db: Database, people: People, scenario: dict[str, int]
) -> None:
    suite = change_profile(builtin_suite(), "arts-therapist-entry-level", band="5")
    store_suite(db, people.lead, suite, 2)
    (item,) = rematch(db, people.viewer, SUITE).items
    assert item.job_id == scenario["other-profile"]
    assert item.levels_changed == ()
    assert (item.old_profile_band, item.new_profile_band) == ("6", "5")
    assert item.new_verdict == "no-match"  # the total 438 is outside band 5
    assert "its band (6 to 5)" in item.reason


def test_an_unchanged_suite_version_lists_no_job(
    db: Database, people: People, scenario: dict[str, int]
) -> None:
    store_suite(db, people.lead, builtin_suite(), 2)
    result = rematch(db, people.viewer, SUITE)
    assert result.items == () and result.outcomes_on_suite == 3


def test_outcomes_already_on_the_new_version_are_not_listed(db: Database, people: People) -> None:
    _factor_3_raised(db, people)
    job = add_job(db, people, "Therapist")
    add_outcome(db, people, job, with_level(ARTS_THERAPIST, 3, "5"), suite_version=2)
    result = rematch(db, people.viewer, SUITE)
    assert result.items == () and result.outcomes_on_suite == 0


def test_only_each_jobs_latest_confirmed_outcome_counts(db: Database, people: People) -> None:
    _factor_3_raised(db, people)
    job = add_job(db, people, "Therapist")
    add_outcome(db, people, job, recorded_at=noon("2024-01-01"))
    add_outcome(
        db, people, job, ENTRY_LEVEL, profile_id="arts-therapist-entry-level",
        recorded_at=noon("2024-03-01"),
    )  # fmt: skip
    assert rematch(db, people.viewer, SUITE).items == ()


def test_a_removed_profile_is_listed_without_a_new_verdict(
    db: Database, people: People, scenario: dict[str, int]
) -> None:
    store_suite(db, people.lead, without_profile(builtin_suite(), "arts-therapist-entry-level"), 2)
    (item,) = rematch(db, people.viewer, SUITE).items
    assert item.job_id == scenario["other-profile"]
    assert item.profile_removed and item.new_verdict is None
    assert "no longer has" in item.reason


def test_two_stored_versions_can_be_compared(db: Database, people: People) -> None:
    store_suite(db, people.lead, builtin_suite(), 2)
    _factor_3_raised(db, people, version=3)
    on_1 = add_job(db, people, "On version 1")
    on_2 = add_job(db, people, "On version 2")
    add_outcome(db, people, on_1, suite_version=1)
    add_outcome(db, people, on_2, suite_version=2)
    both = rematch(db, people.viewer, SUITE)
    assert {i.job_id for i in both.items} == {on_1, on_2}
    only_2 = rematch(db, people.viewer, SUITE, from_version=2, to_version=3)
    assert [i.job_id for i in only_2.items] == [on_2]
    assert only_2.from_version == 2
    assert rematch(db, people.viewer, SUITE, to_version=2).items == ()  # 1 and 2 are alike


def test_an_unknown_suite_or_version_is_not_found(db: Database, people: People) -> None:
    with pytest.raises(NotFound):
        rematch(db, people.viewer, "no-such-suite")
    with pytest.raises(NotFound):
        rematch(db, people.viewer, SUITE, to_version=7)
    with pytest.raises(InvalidInput):
        rematch(db, people.viewer, SUITE, from_version=1, to_version=1)


def test_applying_opens_a_draft_case_per_job_with_its_levels_and_one_audit_event_each(
    db: Database, people: People, scenario: dict[str, int]
) -> None:
    _factor_3_raised(db, people)
    result = rematch(db, people.lead, SUITE, apply=True)
    assert result.applied and len(result.opened) == 2
    with db.transaction() as session:
        cases = {
            c.job_id: c for c in session.scalars(select(t.Case).where(t.Case.id.in_(result.opened)))
        }
        assert set(cases) == {scenario["changed"], scenario["changed-too"]}
        for item in result.items:
            case = cases[item.job_id]
            assert (case.kind, case.status, case.profile_id) == ("match", "draft", "arts-therapist")
            assert (case.suite_id, case.suite_version) == (SUITE, 2)
            assert case.parent_case_id == item.case_id
            assert case.created_by == people.lead.user_id
            levels = dict(
                session.execute(
                    select(t.FactorDecision.factor, t.FactorDecision.levels).where(
                        t.FactorDecision.case_id == case.id
                    )
                ).all()
            )
            recorded = ARTS_THERAPIST if item.job_id == scenario["changed"] else None
            assert len(levels) == 16
            if recorded:
                assert levels == dict(enumerate(recorded, start=1))
        events = list(
            session.scalars(select(t.AuditEvent).where(t.AuditEvent.action == "case.opened"))
        )
    assert sorted(e.entity_id for e in events if e.entity_id) == sorted(result.opened)
    assert all(e.user_id == people.lead.user_id for e in events)
    assert all(e.after and e.after["reason"] == "rematch" for e in events)
    assert {e.organisation_id for e in events} == {people.organisation_id}


def test_applying_again_opens_no_second_case_for_the_same_job(
    db: Database, people: People, scenario: dict[str, int]
) -> None:
    _factor_3_raised(db, people)
    first = rematch(db, people.lead, SUITE, apply=True)
    second = rematch(db, people.lead, SUITE, apply=True)
    assert second.opened == ()
    assert all(i.not_opened and "already open" in i.not_opened for i in second.items)
    assert len(first.opened) == 2


def test_a_removed_profile_gets_no_case_on_apply(
    db: Database, people: People, scenario: dict[str, int]
) -> None:
    store_suite(db, people.lead, without_profile(builtin_suite(), "arts-therapist-entry-level"), 2)
    (item,) = rematch(db, people.lead, SUITE, apply=True).items
    assert item.opened_case_id is None and item.not_opened


def test_only_a_user_with_write_permission_may_apply(
    db: Database, people: People, scenario: dict[str, int]
) -> None:
    _factor_3_raised(db, people)
    before = _counts(db)
    with pytest.raises(Forbidden):
        rematch(db, people.viewer, SUITE, apply=True)
    assert _counts(db) == before
    assert len(rematch(db, people.viewer, SUITE).items) == 2  # a viewer may look


def test_applying_is_all_or_nothing(
    db: Database, people: People, scenario: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    _factor_3_raised(db, people)
    before = _counts(db)
    import bandwise.services.rematch as module

    real = module.audit
    calls = []

    def failing(*args: object, **kwargs: object) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "audit", failing)
    with pytest.raises(RuntimeError):
        rematch(db, people.lead, SUITE, apply=True)
    assert _counts(db) == before


def test_another_organisations_jobs_and_suites_are_never_touched(
    db: Database, people: People, other_people: People, scenario: dict[str, int]
) -> None:
    theirs = add_job(db, other_people, "Arts therapist")
    add_outcome(db, other_people, theirs)
    _factor_3_raised(db, people)  # only trust-a has version 2
    ours = rematch(db, people.lead, SUITE, apply=True)
    assert theirs not in {i.job_id for i in ours.items}
    assert rematch(db, other_people.lead, SUITE).to_version == 1
    assert rematch(db, other_people.lead, SUITE).items == ()
    with pytest.raises(NotFound):
        rematch(db, other_people.lead, SUITE, to_version=2)


def test_the_result_as_json_says_whether_it_was_a_dry_run(
    db: Database, people: People, scenario: dict[str, int]
) -> None:
    _factor_3_raised(db, people)
    data = rematch(db, people.viewer, SUITE).to_json()
    assert data["dry_run"] is True and data["affected"] == 2
    assert set(data["items"][0]) >= {
        "job_id", "profile_id", "old_verdict", "new_verdict", "old_band", "new_band",
        "levels_changed", "opened_case_id", "reason",
    }  # fmt: skip
    json.dumps(data)


def test_a_viewer_cannot_be_stretched_into_applying(db: Database, people: People) -> None:
    lead_as_viewer = dataclasses.replace(people.lead, role="viewer")
    with pytest.raises(Forbidden):
        rematch(db, lead_as_viewer, SUITE, apply=True)


# -- the command line ----------------------------------------------------------------------


def test_the_rematch_command_is_a_dry_run_unless_told_to_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path
) -> None:
    url = copy_of(sqlite_template, tmp_path / "cli.db")
    monkeypatch.setenv("BANDWISE_DATABASE_URL", url)
    db = Database.connect(url)
    people = make_people(db)
    job = add_job(db, people, "Arts therapist")
    add_outcome(db, people, job)
    _factor_3_raised(db, people)
    dry = CliRunner().invoke(app, ["rematch", "--suite", SUITE, "--json"])
    assert dry.exit_code == 0, (dry.output, dry.exception)
    data = json.loads(dry.output)
    assert data["dry_run"] and [i["job_id"] for i in data["items"]] == [job]
    assert _counts(db)["cases"] == 1
    text = CliRunner().invoke(app, ["rematch", "--suite", SUITE])
    assert "Dry run: nothing was changed" in text.output
    applied = CliRunner().invoke(app, ["rematch", "--suite", SUITE, "--apply", "--json"])
    assert applied.exit_code == 0, (applied.output, applied.exception)
    opened = json.loads(applied.output)["opened_case_ids"]
    assert len(opened) == 1
    with db.transaction() as session:
        case = session.get(t.Case, opened[0])
        assert case is not None and case.created_by == people.admin.user_id
