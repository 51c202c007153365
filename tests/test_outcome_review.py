"""The consistency checker's view of one outcome: the factor table, the variations and
boundary distance, and the three most similar outcomes in force (on SQLite and
PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from bandwise.services import cases
from bandwise.services.base import Database, NotFound
from bandwise.services.outcome_review import review_outcome, similar_outcomes
from dbfixtures import People, make_people
from recordfixtures import add_job, add_outcome, noon, with_level
from workflowkit import LEVELS, draft, recorded

#: LEVELS with factor 3 one level up: a variation (total 493, band 7, 27 points above
#: band 7's floor and 47 below band 8a).
VARIED = with_level(LEVELS, 3, "5")


def test_the_factor_table_gives_each_factor_its_name_levels_outcome_and_evidence(
    db: Database, people: People
) -> None:
    case = recorded(db, people, levels=list(VARIED))
    review = review_outcome(db, people.checker, case.case.id)
    assert review is not None
    assert review.profile_title == "Arts Therapist (Art, Music, Drama, Dance Movement)"
    assert len(review.factors) == 16
    first, third = review.factors[0], review.factors[2]
    assert (first.number, first.name) == (1, "Communication and relationship skills")
    assert (first.profile_level, first.agreed_level, first.outcome) == ("6", "6", "match")
    assert first.evidence == "evidence for factor 1"
    assert not first.flagged and not first.evidence_changed
    assert (third.profile_level, third.agreed_level, third.outcome) == ("4", "5", "variation")
    assert third.flagged and third.reason
    assert review.factors[12].profile_level == "2(a)(d)– 3(c)"  # as the profile prints it
    assert review.variations == (3,) and review.mismatches == ()


def test_a_total_within_the_margin_of_a_band_boundary_is_flagged_with_its_distance(
    db: Database, people: People
) -> None:
    case = recorded(db, people)  # total 475: band 7 starts at 466
    review = review_outcome(db, people.checker, case.case.id)
    assert review is not None
    (b,) = review.boundaries
    assert (b.total, b.band, b.to_band_below, b.margin) == (475, "7", 10, 10)
    assert b.within_margin and review.near_boundary
    varied = recorded(db, people, levels=list(VARIED))
    far = review_outcome(db, people.checker, varied.case.id)
    assert far is not None and not far.near_boundary


def test_the_similar_outcomes_are_in_force_on_the_same_profile_and_nearest_in_total(
    db: Database, people: People
) -> None:
    case = recorded(db, people)  # total 475
    job = case.case.job_id

    def other(title: str, levels: tuple[str, ...], status: str = "active", **kw: Any) -> int:
        return add_outcome(db, people, add_job(db, people, title, status=status), levels, **kw)[0]

    near = other("Near", with_level(LEVELS, 9, "2"))  # 482, one factor differs
    same = other("Same", tuple(LEVELS))  # 475
    third = other("Third", VARIED)  # 493
    other("Farther", ARTS_THERAPIST_FAR)
    other("Not confirmed", tuple(LEVELS), confirmed=False)
    other("Other profile", tuple(LEVELS), profile_id="arts-therapist-principal")
    other("Evaluated", tuple(LEVELS), kind="evaluation")
    other("Archived", tuple(LEVELS), status="archived")
    superseded = add_job(db, people, "Superseded")  # its latest outcome is far off
    add_outcome(db, people, superseded, tuple(LEVELS), recorded_at=noon("2024-01-01"))
    add_outcome(db, people, superseded, ARTS_THERAPIST_FAR, recorded_at=noon("2025-01-01"))
    elsewhere = make_people(db, "trust-b")
    add_outcome(db, elsewhere, add_job(db, elsewhere, "Elsewhere"), tuple(LEVELS))
    similar = similar_outcomes(db, people.checker, case.case.id)
    assert [s.case_id for s in similar] == [same, near, third]
    assert [s.gap for s in similar] == [0, 7, 18]
    assert similar[0].differing == () and similar[1].differing == (9,)
    assert all(s.case_id != case.case.id and s.job_id != job for s in similar)


#: A confirmed outcome far from 475 (538, band 7).
ARTS_THERAPIST_FAR = with_level(VARIED, 4, "5")


def test_a_case_without_an_outcome_has_no_review_and_no_similar_outcomes(
    db: Database, people: People
) -> None:
    case = draft(db, people)
    add_outcome(db, people, add_job(db, people, "Banded"), tuple(LEVELS))
    assert review_outcome(db, people.checker, case.case.id) is None
    assert similar_outcomes(db, people.checker, case.case.id) == ()


def test_another_organisations_case_is_not_found(
    db: Database, people: People, other_people: People
) -> None:
    case = recorded(db, people)
    with pytest.raises(NotFound):
        review_outcome(db, other_people.admin, case.case.id)
    assert cases.get_case(db, people.checker, case.case.id).outcome is not None
