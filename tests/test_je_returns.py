"""The quarterly JE KPI return: figures from the register and the JD reviews as at the
quarter's end, gaps, board readiness, SRO sign-off, submission, comparison."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bandwise.errors import Forbidden, InvalidInput, RuleViolation
from bandwise.services import je_returns, register
from bandwise.services.base import Database
from dbfixtures import People
from jekit import D, nm_job, sample_register
from recordfixtures import add_job, add_outcome, noon

GOLDEN = Path(__file__).parent / "golden_returns" / "je_kpi_2026_q3.json"
TODAY = D("2026-12-02")


def _return(db: Database, people: People, quarter: str = "2026-Q3", **kw: object) -> dict:
    return je_returns.je_kpi_return(db, people.viewer, quarter, today=TODAY, **kw)  # type: ignore[arg-type]


def test_the_2026_q3_return_matches_its_golden_json(db: Database, people: People) -> None:
    sample_register(db, people)
    got = _return(db, people)
    assert got == json.loads(GOLDEN.read_text())


def test_the_register_tables_match_their_models(db: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from bandwise.store import tables as t

    ours = ("job_register", "job_postholders", "jd_reviews", "je_training", "je_returns")
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), t.Base.metadata)
    assert [d for d in differences if any(name in repr(d) for name in ours)] == []


def test_the_return_has_exactly_the_collections_keys(db: Database, people: People) -> None:
    sample_register(db, people)
    got = _return(db, people)
    assert tuple(got) == je_returns.CONTRACT_KEYS
    assert list(got["nm_job_descriptions"]) == ["5", "6", "7", "8a+"]
    assert set(got["nm_job_descriptions"]["5"]) == {
        "in_use", "reviewed_3y", "reviewed_12m", "estimated",
    }  # fmt: skip
    assert set(got["nm_staff_reviewed"]["5"]) == {
        "staff_reviewed", "increase", "decrease", "no_change", "estimated",
    }  # fmt: skip
    assert set(got["sro_signoff"]) == {"confirmed", "by", "on"}
    assert all(set(s) == {"statement", "answer"} for s in got["board_readiness"])


def test_a_job_with_no_band_is_listed_as_a_gap_and_not_counted(
    db: Database, people: People
) -> None:
    nm_job(db, people, "Practice educator", "NM-007", None, "2026-02-01")
    got = _return(db, people)
    assert sum(c["in_use"] for c in got["nm_job_descriptions"].values()) == 0
    assert got["gaps"] == [
        {"job": "NM-007 Practice educator", "reason": "no band: left out of the tables"}
    ]


def test_an_nm_job_below_band_5_is_left_out_of_the_table_and_listed(
    db: Database, people: People
) -> None:
    nm_job(db, people, "Nursing associate", "NM-006", "4", "2026-01-01")
    got = _return(db, people)
    assert sum(c["in_use"] for c in got["nm_job_descriptions"].values()) == 0
    assert "below 5" in got["gaps"][0]["reason"]


def test_a_job_with_no_review_date_counts_in_use_but_not_reviewed_and_is_a_gap(
    db: Database, people: People
) -> None:
    nm_job(db, people, "Head of nursing", "NM-005", "8c", None)
    got = _return(db, people)
    assert got["nm_job_descriptions"]["8a+"] == {
        "in_use": 1, "reviewed_3y": 0, "reviewed_12m": 0, "estimated": False,
    }  # fmt: skip
    assert got["gaps"][0]["reason"] == "no JD review date: counted as not reviewed"


def test_a_quarter_in_the_future_is_refused(db: Database, people: People) -> None:
    with pytest.raises(InvalidInput, match="not over yet") as caught:
        _return(db, people, "2026-Q4")
    assert caught.value.field == "quarter"


def test_a_quarter_not_written_yyyy_qn_is_refused_with_the_form_expected(
    db: Database, people: People
) -> None:
    with pytest.raises(InvalidInput, match="YYYY-QN"):
        _return(db, people, "Q3 2026")


def test_the_band_of_the_latest_outcome_wins_over_the_registers(
    db: Database, people: People
) -> None:
    job_id = nm_job(db, people, "Staff nurse", "NM-001", "5", "2026-03-01")
    add_outcome(db, people, job_id, recorded_at=noon("2026-08-01"))  # arts therapist: band 7
    got = _return(db, people)
    assert got["nm_job_descriptions"]["7"]["in_use"] == 1
    assert got["nm_job_descriptions"]["5"]["in_use"] == 0
    entry = register.get_entry(db, people.viewer, job_id)
    assert (entry.band, entry.band_source, entry.last_matched) == ("7", "outcome", D("2026-08-01"))


def test_an_outcome_after_the_quarters_end_does_not_change_its_band(
    db: Database, people: People
) -> None:
    job_id = nm_job(db, people, "Staff nurse", "NM-001", "5", "2026-03-01")
    add_outcome(db, people, job_id, recorded_at=noon("2026-10-01"))
    assert _return(db, people)["nm_job_descriptions"]["5"]["in_use"] == 1


def test_staff_reviewed_split_by_result_adds_up_to_the_staff_reviewed(
    db: Database, people: People
) -> None:
    sample_register(db, people)
    for column in _return(db, people)["nm_staff_reviewed"].values():
        assert (
            column["increase"] + column["decrease"] + column["no_change"]
            == column["staff_reviewed"]
        )


def test_an_estimated_flag_needs_the_lead_and_shows_in_the_return(
    db: Database, people: People
) -> None:
    sample_register(db, people)
    with pytest.raises(Forbidden):
        je_returns.set_estimated(db, people.management, "2026-Q3", "nm_job_descriptions", "5", "x")
    je_returns.set_estimated(
        db, people.lead, "2026-Q3", "nm_job_descriptions", "5", "ESR export was a month old"
    )
    got = _return(db, people, detail=True)
    assert got["nm_job_descriptions"]["5"]["estimated"] is True
    assert got["nm_job_descriptions"]["6"]["estimated"] is False
    assert got["estimated_reasons"] == {"nm_job_descriptions.5": "ESR export was a month old"}


def test_a_return_is_not_submitted_before_the_sro_signs_off(db: Database, people: People) -> None:
    with pytest.raises(RuleViolation, match="SRO"):
        je_returns.submit_return(db, people.lead, "2026-Q3")


def _answer_all(db: Database, people: People, quarter: str = "2026-Q3") -> None:
    from bandwise.returns.rules import board_readiness_statements

    je_returns.set_board_readiness(
        db, people.lead, quarter, {s.id: "yes" for s in board_readiness_statements()}
    )
    je_returns.record_sro_signoff(db, people.lead, quarter, "Dr A. Director", D("2026-10-20"))


def test_a_submitted_return_is_frozen_and_later_changes_do_not_move_it(
    db: Database, people: People
) -> None:
    jobs = sample_register(db, people)
    _answer_all(db, people)
    submitted = je_returns.submit_return(db, people.lead, "2026-Q3")
    register.update_register(db, people.lead, jobs["sn"], {"band": "6"})
    after = _return(db, people, detail=True)
    assert after["nm_job_descriptions"] == submitted["nm_job_descriptions"]
    assert after["sro_signoff"] == {"confirmed": True, "by": "Dr A. Director", "on": "2026-10-20"}
    assert after["submitted"]["by"] == people.lead.user_id
    with pytest.raises(RuleViolation, match="frozen"):
        je_returns.set_board_readiness(db, people.lead, "2026-Q3", {"sro-appointed": "no"})


def test_the_detail_compares_each_figure_with_the_previous_quarter(
    db: Database, people: People
) -> None:
    nm_job(db, people, "Staff nurse", "NM-001", "5", "2026-03-01")
    nm_job(db, people, "Ward sister", "NM-002", "6", "2026-08-01")
    got = _return(db, people, detail=True)["previous_quarter"]
    assert got["quarter"] == "2026-Q2"
    assert got["nm_job_descriptions"]["6"]["reviewed_12m"] == {
        "current": 1, "previous": 0, "change": 1,
    }  # fmt: skip


def test_the_drill_down_names_the_jobs_behind_each_figure(db: Database, people: People) -> None:
    jobs = sample_register(db, people)
    drill = _return(db, people, detail=True)["drill_down"]["nm_job_descriptions"]
    assert [j["job_id"] for j in drill["8a+"]["in_use"]] == [jobs["matron"], jobs["head"]]
    assert [j["job_id"] for j in drill["8a+"]["reviewed_12m"]] == [jobs["matron"]]


def test_every_staff_group_option_counts_the_other_groups_by_band(
    db: Database, people: People
) -> None:
    jobs = sample_register(db, people)
    got = _return(db, people, all_staff_groups=True)["by_staff_group"]
    ahp = got["allied-health-professionals"]
    assert ahp["job_descriptions"]["6"]["in_use"] == 1
    assert ahp["staff_reviewed"]["6"]["no_change"] == 12
    assert jobs["ahp"]


def test_an_archived_job_is_not_in_use(db: Database, people: People) -> None:
    job_id = add_job(db, people, "Old nurse post", "NM-900", status="archived")
    register.update_register(
        db, people.lead, job_id, {"staff_group": "nursing-midwifery-registered", "band": "5"}
    )
    assert _return(db, people)["nm_job_descriptions"]["5"]["in_use"] == 0


def test_a_job_description_written_after_the_quarter_is_not_counted(
    db: Database, people: People
) -> None:
    job_id = nm_job(db, people, "Staff nurse", "NM-001", "5", None)
    register.update_register(db, people.lead, job_id, {"jd_written": dt.date(2026, 11, 1)})
    assert _return(db, people)["nm_job_descriptions"]["5"]["in_use"] == 0


def test_another_organisations_return_does_not_see_these_jobs(
    db: Database, people: People, other_people: People
) -> None:
    sample_register(db, people)
    got = je_returns.je_kpi_return(db, other_people.viewer, "2026-Q3", today=TODAY)
    assert got["gaps"] == [] and got["organisation"] == "Trust B"
    assert all(c["in_use"] == 0 for c in got["nm_job_descriptions"].values())


def test_quarters_are_calendar_quarters_and_q1_follows_the_previous_years_q4() -> None:
    from bandwise.returns.rules import Quarter, years_before

    q = Quarter.parse("2026-Q3")
    assert (q.start, q.end, str(q.previous())) == (D("2026-07-01"), D("2026-09-30"), "2026-Q2")
    assert str(Quarter.parse("2027-Q1").previous()) == "2026-Q4"
    assert Quarter.parse("2026-Q1").end == D("2026-03-31")
    assert years_before(D("2028-02-29"), 1) == D("2027-02-28")


def test_a_job_title_that_looks_like_a_formula_stays_text_in_the_workbook(
    db: Database, people: People, tmp_path: Path
) -> None:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    from bandwise.returns.export import return_xlsx

    nm_job(db, people, '=HYPERLINK("http://x.example","open")', "", None, None)
    path = tmp_path / "r.xlsx"
    path.write_bytes(return_xlsx(_return(db, people, detail=True)))
    cell = load_workbook(path)["Gaps"]["A2"]
    assert cell.data_type == "s" and cell.value.startswith("'=HYPERLINK")


def test_staff_group_names_ids_and_aliases_each_name_one_group_and_carry_provenance() -> None:
    from bandwise.returns.rules import find_staff_group, staff_groups, staff_groups_source

    named: dict[str, set[str]] = {}
    for g in staff_groups():
        for key in (g.id, g.name.lower(), *g.aliases):
            named.setdefault(key, set()).add(g.id)
    assert {k: ids for k, ids in named.items() if len(ids) > 1} == {}
    assert [g.id for g in staff_groups() if g.nursing_midwifery] == ["nursing-midwifery-registered"]
    assert find_staff_group("  NURSING and Midwifery  Registered ") is not None
    assert "not verified" in staff_groups_source()
