"""The organisation's local matching rule sets (services/rule_sets.py), on SQLite and
PostgreSQL: versions written by an administrator with a reason for every change from the
default, validated by the strict loader, one in force, used by every outcome."""

from __future__ import annotations

import pytest

from bandwise.clock import uk_date, uk_day
from bandwise.scheme.rules import default_rule_set
from bandwise.services import rule_sets
from bandwise.services.base import Conflict, Database, Forbidden, InvalidInput, NotFound, now
from bandwise.services.case_records import rule_set_for
from bandwise.services.rule_sets import SettingInput
from dbfixtures import People
from workflowkit import audit_events, recorded


def _four(reason: str = "Our JCC agreed four varied factors at most") -> dict[str, SettingInput]:
    return {"max_varied_factors": SettingInput(4, reason)}


def test_with_no_local_version_in_force_the_organisation_uses_the_built_in_default(
    db: Database, people: People
) -> None:
    current = rule_sets.current(db, people.viewer)
    assert current.is_default and current.rules == default_rule_set()
    with db.reading() as session:
        assert rule_set_for(session, people.organisation_id) == default_rule_set()
    assert rule_sets.versions(db, people.admin) == []


def test_a_setting_changed_from_the_default_without_a_reason_is_refused_on_its_reason_field(
    db: Database, people: People
) -> None:
    with pytest.raises(InvalidInput) as err:
        rule_sets.create_version(db, people.admin, _four(reason="  "))
    assert err.value.field == "max_varied_factors.reason"
    assert "reason" in err.value.message and "(5)" in err.value.message
    assert rule_sets.versions(db, people.admin) == []


def test_a_changed_setting_becomes_a_local_convention_with_its_reason_as_provenance(
    db: Database, people: People
) -> None:
    version = rule_sets.create_version(db, people.admin, _four())
    setting = version.rules.setting("max_varied_factors")
    today = uk_date(uk_day(now()))
    assert setting.value == 4 and setting.reliability == "U"
    assert setting.provenance == (
        f"Local convention (set by Admin on {today}): Our JCC agreed four varied factors at most"
    )
    assert (version.rule_set_id, version.version, version.title) == (
        "local-trust-a",
        1,
        "Local matching rules",
    )
    assert version.reasons == {"max_varied_factors": "Our JCC agreed four varied factors at most"}
    assert [(c.name, c.default, c.value) for c in version.changes] == [("max_varied_factors", 5, 4)]
    default = default_rule_set()
    unchanged = version.rules.setting("boundary_margin")
    assert unchanged == default.setting("boundary_margin")


def test_a_local_change_may_be_given_a_reliability_other_than_unverified(
    db: Database, people: People
) -> None:
    version = rule_sets.create_version(
        db, people.admin, {"boundary_margin": SettingInput(15, "Board decision", "C")}
    )
    assert version.rules.setting("boundary_margin").reliability == "C"
    with pytest.raises(InvalidInput) as err:
        rule_sets.create_version(
            db, people.admin, {"boundary_margin": SettingInput(12, "x", "maybe")}
        )
    assert err.value.field == "boundary_margin.reliability"


def test_a_new_version_put_in_force_is_the_rule_set_every_new_outcome_records(
    db: Database, people: People
) -> None:
    rule_sets.create_version(db, people.admin, _four())
    with db.reading() as session:
        rules = rule_set_for(session, people.organisation_id)
    assert (rules.id, rules.version, rules.max_varied_factors) == ("local-trust-a", 1, 4)
    case = recorded(db, people)
    assert case.outcome is not None
    assert (case.outcome.rule_set_id, case.outcome.rule_set_version) == ("local-trust-a", 1)


def test_a_version_saved_without_putting_it_in_force_changes_nothing_until_it_is(
    db: Database, people: People
) -> None:
    version = rule_sets.create_version(db, people.admin, _four(), in_force=False)
    assert not version.in_force and rule_sets.current(db, people.admin).is_default
    rule_sets.put_in_force(db, people.admin, version.rule_set_id, version.version)
    assert rule_sets.current(db, people.admin).rules.version == 1


def test_only_one_version_is_in_force_and_an_earlier_one_can_be_put_back(
    db: Database, people: People
) -> None:
    first = rule_sets.create_version(db, people.admin, _four())
    rule_sets.create_version(db, people.admin, {"boundary_margin": SettingInput(20, "Wider")})
    listed = rule_sets.versions(db, people.admin)
    assert [(v.version, v.in_force) for v in listed] == [(2, True), (1, False)]
    rule_sets.put_in_force(db, people.admin, first.rule_set_id, 1)
    listed = rule_sets.versions(db, people.admin)
    assert [(v.version, v.in_force) for v in listed] == [(2, False), (1, True)]
    assert rule_sets.current(db, people.admin).rules.boundary_margin == 10


def test_returning_to_the_default_takes_the_local_version_out_of_force(
    db: Database, people: People
) -> None:
    rule_sets.create_version(db, people.admin, _four())
    rule_sets.return_to_default(db, people.admin)
    assert rule_sets.current(db, people.admin).is_default
    assert [v.in_force for v in rule_sets.versions(db, people.admin)] == [False]
    case = recorded(db, people)
    assert case.outcome is not None and case.outcome.rule_set_id == "bandwise-default"


def test_a_kept_local_value_keeps_its_reason_in_the_next_version(
    db: Database, people: People
) -> None:
    rule_sets.create_version(db, people.admin, _four())
    second = rule_sets.create_version(
        db,
        people.admin,
        {"max_varied_factors": SettingInput(4), "boundary_margin": SettingInput(12, "Closer")},
    )
    assert second.reasons == {
        "max_varied_factors": "Our JCC agreed four varied factors at most",
        "boundary_margin": "Closer",
    }


def test_a_setting_put_back_to_the_default_needs_no_reason_and_has_the_default_provenance(
    db: Database, people: People
) -> None:
    rule_sets.create_version(db, people.admin, _four())
    second = rule_sets.create_version(db, people.admin, {"max_varied_factors": SettingInput(5)})
    assert second.reasons == {} and second.changes == ()
    assert second.rules.setting("max_varied_factors") == default_rule_set().setting(
        "max_varied_factors"
    )


def test_a_value_the_strict_loader_refuses_is_an_error_on_that_setting(
    db: Database, people: People
) -> None:
    with pytest.raises(InvalidInput) as err:
        rule_sets.create_version(
            db, people.admin, {"protected_factors": SettingInput([2, 17], "Add 17")}
        )
    assert err.value.field == "protected_factors.value" and "no factor 17" in err.value.message
    with pytest.raises(InvalidInput) as err:
        rule_sets.create_version(
            db, people.admin, {"total_within_profile_bands": SettingInput(1, "One")}
        )
    assert err.value.field == "total_within_profile_bands.value"
    with pytest.raises(InvalidInput) as err:
        rule_sets.create_version(db, people.admin, {"max_bands": SettingInput(1, "x")})
    assert err.value.field == "max_bands"


def test_a_typed_value_is_read_by_the_kind_of_its_setting() -> None:
    assert rule_sets.parse_value("max_varied_factors", " 4 ") == 4
    assert rule_sets.parse_value("total_within_profile_bands", "no") is False
    assert rule_sets.parse_value("protected_factors", "12, 2") == [2, 12]
    assert rule_sets.parse_value("protected_factors", "") == []
    for name, text in [("max_varied_factors", "four"), ("protected_factors", "2 and 12")]:
        with pytest.raises(InvalidInput) as err:
            rule_sets.parse_value(name, text)
        assert err.value.field == f"{name}.value"


def test_only_an_administrator_may_change_the_rule_set(db: Database, people: People) -> None:
    for actor in (people.lead, people.management, people.viewer):
        with pytest.raises(Forbidden):
            rule_sets.create_version(db, actor, _four())
        with pytest.raises(Forbidden):
            rule_sets.return_to_default(db, actor)
    assert rule_sets.versions(db, people.viewer) == []


def test_another_organisations_rule_set_is_neither_seen_nor_used(
    db: Database, people: People, other_people: People
) -> None:
    version = rule_sets.create_version(db, people.admin, _four())
    assert rule_sets.versions(db, other_people.admin) == []
    assert rule_sets.current(db, other_people.admin).is_default
    with pytest.raises(NotFound):
        rule_sets.put_in_force(db, other_people.admin, version.rule_set_id, 1)
    mine = rule_sets.create_version(db, other_people.admin, _four("Theirs"))
    assert (mine.rule_set_id, mine.version) == ("local-trust-b", 1)
    assert rule_sets.current(db, people.admin).rules.id == "local-trust-a"


def test_a_version_saved_since_the_administrator_opened_the_editor_is_a_conflict(
    db: Database, people: People
) -> None:
    rule_sets.create_version(db, people.admin, _four(), based_on=0)
    with pytest.raises(Conflict) as err:
        rule_sets.create_version(db, people.admin, _four("Again"), based_on=0)
    assert err.value.field == "version"
    assert rule_sets.create_version(db, people.admin, _four("Again"), based_on=1).version == 2


def test_each_change_to_the_rule_set_writes_its_audit_event(db: Database, people: People) -> None:
    rule_sets.create_version(db, people.admin, _four())
    rule_sets.return_to_default(db, people.admin)
    events = [e for e in audit_events(db) if e.entity == "rule-set"]
    assert [e.action for e in events] == [
        "rule-set.created",
        "rule-set.put-in-force",
        "rule-set.default-restored",
    ]
    assert events[0].after is not None
    assert events[0].after["changes"] == {"max_varied_factors": {"from": 5, "to": 4}}
    assert events[1].before == {"rule_set_id": "bandwise-default", "version": 1, "default": True}
    assert events[2].after == {"rule_set_id": "bandwise-default", "version": 1, "default": True}


def test_the_consistency_report_and_a_rematch_use_the_organisations_rule_set(
    db: Database, people: People
) -> None:
    from bandwise.services import consistency, rematch

    rule_sets.create_version(
        db, people.admin, {"boundary_margin": SettingInput(30, "Wider second look")}
    )
    report = consistency.check_consistency(db, people.viewer)
    assert (report.rule_set_id, report.rule_set_version, report.boundary_margin) == (
        "local-trust-a",
        1,
        30,
    )
    result = rematch.rematch(db, people.viewer, "arts-therapies")
    assert (result.rule_set_id, result.rule_set_version) == ("local-trust-a", 1)


def test_every_missing_reason_is_found_at_once_for_a_form_to_show_on_each_field(
    db: Database, people: People
) -> None:
    found = rule_sets.problems(
        db,
        people.admin,
        {
            "max_varied_factors": SettingInput(4),
            "boundary_margin": SettingInput(10),
            "protected_factors": SettingInput([2]),
        },
    )
    assert [p.field for p in found] == ["max_varied_factors.reason", "protected_factors.reason"]
    assert rule_sets.versions(db, people.admin) == []


def test_administrators_saving_versions_at_once_leave_numbered_versions_and_one_in_force(
    db: Database, people: People
) -> None:
    from test_concurrency import race

    def save(i: int) -> object:
        margin = {"boundary_margin": SettingInput(11 + i, f"Writer {i}")}
        return rule_sets.create_version(db, people.admin, margin)

    results = race(4, save)
    assert not [r for r in results if isinstance(r, BaseException)], results
    listed = rule_sets.versions(db, people.admin)
    assert sorted(v.version for v in listed) == [1, 2, 3, 4]
    assert [v.in_force for v in listed].count(True) == 1
    assert rule_sets.current(db, people.admin).rules.version == 4


def test_administrators_who_read_the_same_version_have_one_winner(
    db: Database, people: People
) -> None:
    from test_concurrency import one_winner, race

    def save(i: int) -> object:
        margin = {"boundary_margin": SettingInput(11 + i, f"Writer {i}")}
        return rule_sets.create_version(db, people.admin, margin, based_on=0)

    one_winner(race(4, save))
    assert [v.version for v in rule_sets.versions(db, people.admin)] == [1]
