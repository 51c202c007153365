"""Board figures over a period and its quarters, from known records: jobs matched and
evaluated, reviews, re-banding up/down/unchanged, and ageing job descriptions at the
12-month and 3-year edges."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bandwise.cli import app
from bandwise.cli_common import UsageError
from bandwise.services.base import Database, Forbidden, InvalidInput
from bandwise.services.reporting import board_report, months_before, quarter_label, quarters
from bandwise.store.migrate import upgrade
from dbfixtures import People, make_people
from recordfixtures import (
    ARTS_THERAPIST,
    add_document,
    add_job,
    add_outcome,
    add_review_request,
    noon,
    with_level,
)

BAND_6 = with_level(ARTS_THERAPIST, 2, "6")  # 442
BAND_5 = with_level(with_level(ARTS_THERAPIST, 2, "5"), 6, "2")  # 385
BAND_4 = with_level(with_level(with_level(ARTS_THERAPIST, 2, "4"), 6, "2"), 1, "3")  # 314
START, END = dt.date(2024, 4, 1), dt.date(2025, 3, 31)  # the 2024/25 financial year


def _year(db: Database, people: People) -> dict[str, int]:
    """A financial year of records, one situation per job:

    * matched: Q1 (then reviewed up in Q4), Q2 (hybrid); evaluated: Q3;
    * down: band 5 before the period, band 4 in Q1; unchanged: band 6 twice (Q2);
    * not counted: an unconfirmed outcome, an outcome after the period."""
    jobs = {name: add_job(db, people, name.title()) for name in (
        "reviewed", "hybrid", "evaluated", "down", "unchanged", "unconfirmed", "later",
    )}  # fmt: skip
    reviewed_case, _ = add_outcome(
        db, people, jobs["reviewed"], BAND_6, recorded_at=noon("2024-05-10")
    )
    add_outcome(db, people, jobs["reviewed"], kind="review", recorded_at=noon("2025-02-01"))
    add_outcome(
        db, people, jobs["hybrid"], kind="hybrid", verdict="hybrid", recorded_at=noon("2024-08-01")
    )
    add_outcome(db, people, jobs["evaluated"], kind="evaluation", recorded_at=noon("2024-11-15"))
    add_outcome(db, people, jobs["down"], BAND_5, recorded_at=noon("2023-12-01"))
    add_outcome(db, people, jobs["down"], BAND_4, recorded_at=noon("2024-06-01"))
    add_outcome(db, people, jobs["unchanged"], BAND_6, recorded_at=noon("2024-01-01"))
    add_outcome(db, people, jobs["unchanged"], BAND_6, recorded_at=noon("2024-09-09"))
    add_outcome(db, people, jobs["unconfirmed"], recorded_at=noon("2024-07-01"), confirmed=False)
    add_outcome(db, people, jobs["later"], recorded_at=noon("2025-04-01"))
    add_review_request(db, people, reviewed_case, "2024-12-01", "upheld", "2025-02-01")
    add_review_request(db, people, reviewed_case, "2025-01-10", "not-upheld", "2025-03-31")
    add_review_request(db, people, reviewed_case, "2024-03-31", "upheld", "2024-04-01")
    add_review_request(db, people, reviewed_case, "2025-03-01", "open")
    return jobs


def test_the_fixture_levels_fall_in_the_bands_they_are_named_for() -> None:
    from recordfixtures import total_of

    assert [total_of(lv)[1] for lv in (BAND_4, BAND_5, BAND_6, ARTS_THERAPIST)] == [
        "4", "5", "6", "7",
    ]  # fmt: skip


def test_the_figures_for_a_year_count_jobs_reviews_and_rebanding(
    db: Database, people: People
) -> None:
    _year(db, people)
    figures = board_report(db, people.viewer, START, END).period
    assert (figures.jobs_matched, figures.jobs_evaluated) == (4, 1)
    assert figures.review_requests == 3
    assert (figures.reviews_upheld, figures.reviews_not_upheld) == (2, 1)
    assert (figures.rebanded_up, figures.rebanded_down, figures.rebanded_unchanged) == (1, 1, 1)


def test_each_quarter_counts_what_happened_in_it(db: Database, people: People) -> None:
    _year(db, people)
    report = board_report(db, people.viewer, START, END)
    assert [q.label for q in report.quarters] == [
        "2024/25 Q1", "2024/25 Q2", "2024/25 Q3", "2024/25 Q4",
    ]  # fmt: skip
    rows = {
        q.label: (
            q.jobs_matched, q.jobs_evaluated, q.review_requests, q.reviews_upheld,
            q.reviews_not_upheld, q.rebanded_up, q.rebanded_down, q.rebanded_unchanged,
        )
        for q in report.quarters
    }  # fmt: skip
    assert rows == {
        "2024/25 Q1": (2, 0, 0, 1, 0, 0, 1, 0),
        "2024/25 Q2": (2, 0, 0, 0, 0, 0, 0, 1),
        "2024/25 Q3": (0, 1, 1, 0, 0, 0, 0, 0),
        "2024/25 Q4": (0, 0, 2, 1, 1, 1, 0, 0),
    }


def test_rebanding_lists_each_job_with_its_previous_and_new_band(
    db: Database, people: People
) -> None:
    jobs = _year(db, people)
    moves = {m.job_id: (m.previous_band, m.band, m.direction) for m in board_report(
        db, people.viewer, START, END).rebanding}  # fmt: skip
    assert moves == {
        jobs["down"]: ("5", "4", "down"),
        jobs["unchanged"]: ("6", "6", "unchanged"),
        jobs["reviewed"]: ("6", "7", "up"),
    }


def test_a_band_order_follows_the_band_table_not_the_text(db: Database, people: People) -> None:
    job = add_job(db, people, "Manager")
    add_outcome(db, people, job, band="9", recorded_at=noon("2024-01-01"))
    add_outcome(db, people, job, band="8a", recorded_at=noon("2024-05-01"))
    (move,) = board_report(db, people.viewer, START, END).rebanding
    assert move.direction == "down"  # "8a" > "9" as text, but band 9 is higher


def test_a_period_part_way_through_a_quarter_is_clipped(db: Database, people: People) -> None:
    _year(db, people)
    report = board_report(db, people.viewer, dt.date(2024, 5, 15), dt.date(2024, 8, 1))
    assert [(q.start, q.end) for q in report.quarters] == [
        (dt.date(2024, 5, 15), dt.date(2024, 6, 30)),
        (dt.date(2024, 7, 1), dt.date(2024, 8, 1)),
    ]
    assert [q.jobs_matched for q in report.quarters] == [1, 1]  # the down job; the hybrid job
    assert report.period.jobs_matched == 2


def test_quarters_are_labelled_by_nhs_financial_year() -> None:
    assert quarter_label(dt.date(2025, 1, 1)) == "2024/25 Q4"
    assert quarter_label(dt.date(2025, 4, 1)) == "2025/26 Q1"
    assert quarter_label(dt.date(1999, 12, 31)) == "1999/00 Q3"
    assert quarters(dt.date(2024, 3, 31), dt.date(2024, 4, 1)) == [
        (dt.date(2024, 3, 31), dt.date(2024, 3, 31)),
        (dt.date(2024, 4, 1), dt.date(2024, 4, 1)),
    ]


def test_months_before_keeps_the_day_or_takes_the_months_last() -> None:
    assert months_before(dt.date(2025, 3, 31), 12) == dt.date(2024, 3, 31)
    assert months_before(dt.date(2024, 2, 29), 12) == dt.date(2023, 2, 28)
    assert months_before(dt.date(2025, 3, 31), 1) == dt.date(2025, 2, 28)


def _job_descriptions(db: Database, people: People) -> dict[str, int]:
    jobs = {name: add_job(db, people, name) for name in (
        "exactly-12-months", "a-day-over-12-months", "exactly-3-years", "a-day-over-3-years",
        "newer-undated", "no-jd", "archived",
    )}  # fmt: skip
    add_document(db, people, jobs["exactly-12-months"], "2024-03-31")
    add_document(db, people, jobs["a-day-over-12-months"], "2024-03-30")
    add_document(db, people, jobs["exactly-3-years"], "2022-03-31")
    add_document(db, people, jobs["a-day-over-3-years"], "2022-03-30")
    add_document(db, people, jobs["a-day-over-3-years"], "2020-01-01")  # older, not latest
    add_document(db, people, jobs["newer-undated"], "2020-01-01")
    add_document(db, people, jobs["newer-undated"], None, uploaded="2025-01-02")
    add_document(db, people, jobs["no-jd"], "2010-01-01", kind="person-specification")
    with db.transaction() as session:
        from bandwise.store import tables as t

        job = session.get(t.Job, jobs["archived"])
        assert job is not None
        job.status = "archived"
    add_document(db, people, jobs["archived"], "2010-01-01")
    return jobs


def test_job_descriptions_older_than_12_months_and_3_years_are_counted_at_the_edges(
    db: Database, people: People
) -> None:
    jobs = _job_descriptions(db, people)
    report = board_report(db, people.viewer, START, END)
    assert report.as_at == END
    older_12 = {a.job_id for a in report.jd_older_than_12_months}
    older_36 = {a.job_id for a in report.jd_older_than_3_years}
    assert older_12 == {
        jobs["a-day-over-12-months"], jobs["exactly-3-years"], jobs["a-day-over-3-years"],
    }  # fmt: skip
    assert older_36 == {jobs["a-day-over-3-years"]}
    assert [a.job_id for a in report.jobs_without_job_description] == [jobs["no-jd"]]
    oldest = report.jd_older_than_12_months[0]
    assert (oldest.job_id, oldest.dated, oldest.age_days) == (
        jobs["a-day-over-3-years"], dt.date(2022, 3, 30), (END - dt.date(2022, 3, 30)).days,
    )  # fmt: skip
    data = report.to_json()["job_descriptions"]
    assert (data["older_than_12_months"], data["older_than_3_years"]) == (3, 1)


def test_an_undated_job_description_is_aged_from_when_it_was_uploaded(
    db: Database, people: People
) -> None:
    job = add_job(db, people, "Porter")
    add_document(db, people, job, None, uploaded="2024-03-30")
    report = board_report(db, people.viewer, START, END)
    (age,) = report.jd_older_than_12_months
    assert age.dated == dt.date(2024, 3, 30)


def test_job_description_ages_can_be_taken_at_another_date(db: Database, people: People) -> None:
    jobs = _job_descriptions(db, people)
    later = board_report(db, people.viewer, START, END, as_at=dt.date(2025, 4, 1))
    assert jobs["exactly-12-months"] in {a.job_id for a in later.jd_older_than_12_months}
    assert jobs["exactly-3-years"] in {a.job_id for a in later.jd_older_than_3_years}


def test_another_organisations_records_are_not_counted(
    db: Database, people: People, other_people: People
) -> None:
    _year(db, other_people)
    _job_descriptions(db, other_people)
    report = board_report(db, people.viewer, START, END)
    assert report.period.jobs_matched == 0 and report.period.review_requests == 0
    assert report.rebanding == () and report.jd_older_than_12_months == ()
    assert board_report(db, other_people.viewer, START, END).period.jobs_matched == 4


def test_a_period_that_ends_before_it_starts_is_refused(db: Database, people: People) -> None:
    with pytest.raises(InvalidInput):
        board_report(db, people.viewer, END, START)


def test_a_role_without_read_permission_is_refused(db: Database, people: People) -> None:
    with pytest.raises(Forbidden):
        board_report(db, dataclasses.replace(people.viewer, role="nobody"), START, END)


def test_the_report_as_json_has_the_totals_quarters_and_job_descriptions(
    db: Database, people: People
) -> None:
    _year(db, people)
    data = board_report(db, people.viewer, START, END).to_json()
    assert set(data) >= {"start", "end", "totals", "quarters", "rebanding", "job_descriptions"}
    assert data["totals"]["jobs_matched"] == 4
    assert len(data["quarters"]) == 4
    json.dumps(data)


# -- the command line --------------------------------------------------------------------------


def test_the_report_command_prints_the_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    monkeypatch.setenv("BANDWISE_DATABASE_URL", url)
    db = Database.connect(url)
    people = make_people(db)
    _year(db, people)
    result = CliRunner().invoke(
        app, ["report", "--from", "2024-04-01", "--to", "2025-03-31", "--json"]
    )
    assert result.exit_code == 0, (result.output, result.exception)
    data = json.loads(result.output)
    assert data["totals"]["jobs_matched"] == 4
    assert [q["label"] for q in data["quarters"]][-1] == "2024/25 Q4"
    text = CliRunner().invoke(app, ["report", "--from", "2024-04-01", "--to", "2025-03-31"])
    assert text.exit_code == 0, (text.output, text.exception)
    assert "The period (01 Apr 2024 to 31 Mar 2025): 4 jobs matched" in text.output
    assert "2024/25 Q4 (01 Jan 2025 to 31 Mar 2025)" in text.output
    bad = CliRunner().invoke(app, ["report", "--from", "1 April", "--to", "2025-03-31"])
    assert isinstance(bad.exception, UsageError) and "YYYY-MM-DD" in str(bad.exception)
