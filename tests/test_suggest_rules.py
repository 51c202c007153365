"""Behaviour rules of JE-aware suggestions (issue 16): seniority statements with negation,
"may" and "under supervision"; a stated band is never evidence; other professions stay
weak; the ranking says which factors decided it. Accuracy figures live in
bench/suggest_eval.py, never here."""

from __future__ import annotations

import pytest

from bandwise.profiles.library import builtin_library
from bandwise.scheme.loader import load_scheme
from bandwise.suggest import Suggestions, suggest
from bandwise.suggest.cues import factor_levels, find_hits, settings_from
from bandwise.suggest.stated import find_stated

PRINCIPAL_DUTIES = """Music Therapist
Children's Services

- Line manage the music therapists, including recruitment, appraisal and sickness absence.
- Authorise spending on instruments from the team's non-pay budget.
- Develop and review the team's operational procedures and referral criteria.
- Lead the team's audit programme and initiate service evaluation.
- Provide music therapy to children with highly complex needs.
"""

ENTRY_DUTIES = """Music Therapist
Children's Services

- Provide music therapy to children, under the supervision of the lead music therapist.
- This post is suitable for a newly qualified music therapist.
- Follow the trust's policies and safeguarding procedures.
- Keep accurate records of every session.
- Take part in audits when asked.
"""


@pytest.fixture(scope="module")
def run() -> object:
    library, scheme = builtin_library(), load_scheme()

    def go(text: str) -> Suggestions:
        return suggest(text, library, scheme, top=5)

    return go


def _level(result: Suggestions, factor: int) -> int | None:
    return result.factors[factor - 1].level


def _levels(sentences: list[str]) -> dict[int, int]:
    return {f: c.level for f, c in factor_levels(find_hits(sentences)).items()}


def test_a_stated_band_does_not_change_the_ranking_or_the_levels(run) -> None:  # type: ignore[no-untyped-def]
    plain = run(ENTRY_DUTIES)
    for header in (
        "Band 8c\n",
        "Agenda for Change Band 4\n",
        "Salary: £55,690 - £62,682 per annum\n",
    ):
        stated = run(header + ENTRY_DUTIES)
        assert [(p.id, round(p.score, 6)) for p in stated.profiles] == [
            (p.id, round(p.score, 6)) for p in plain.profiles
        ]
        assert [f.levels for f in stated.factors] == [f.levels for f in plain.factors]
        assert stated.bands == plain.bands


def test_a_stated_band_is_reported_separately_and_flagged_when_the_suggestion_disagrees(
    run,
) -> None:  # type: ignore[no-untyped-def]
    result = run("Music Therapist, Band 8c\n" + ENTRY_DUTIES)
    assert result.stated_bands == ("8c",)
    assert result.stated_band_disagrees
    assert "8c" not in result.bands
    stated = result.to_json()["stated"]
    assert stated == {"bands": ["8c"], "text": ["Band 8c"], "disagrees": True}
    assert any("states Band 8c" in note for note in result.notes)


def test_a_stated_band_that_agrees_is_not_flagged(run) -> None:  # type: ignore[no-untyped-def]
    plain = run(ENTRY_DUTIES)
    band = plain.bands[0]
    result = run(f"Band {band}\n" + ENTRY_DUTIES)
    assert result.stated_bands == (band,)
    assert not result.stated_band_disagrees


def test_another_posts_band_is_not_reported_as_the_job_descriptions_band() -> None:
    assert find_stated("Supervise the band 6 art therapist's clinical work.").bands == ()
    assert find_stated("Supervise band 5 physiotherapists and assistants.").bands == ()
    assert find_stated("Art Therapist (Band 6 equivalent)").bands == ("6",)


def test_a_negated_duty_is_not_evidence() -> None:
    assert _levels(["The post holder will line manage the team."])[9] == 3
    assert 9 not in _levels(["There is no line management responsibility for this post."])
    assert 9 not in _levels(["The post does not line manage staff."])


def test_leadership_named_after_supervised_by_is_not_the_post_holders() -> None:
    levels = _levels(["You will be supervised by the head of arts therapies."])
    assert levels.get(12) == 3  # works under supervision
    assert levels.get(2) != 8  # the head's post, not this one


def test_under_supervision_lowers_freedom_to_act(run) -> None:  # type: ignore[no-untyped-def]
    supervised = run(ENTRY_DUTIES)
    leading = run(PRINCIPAL_DUTIES)
    assert _level(supervised, 12) == 3
    assert _level(leading, 12) is not None and _level(leading, 12) > 3  # type: ignore[operator]


def test_may_makes_a_statement_weaker() -> None:
    sure = factor_levels(find_hits(["Lead the service's audit programme."]))[11]
    maybe = factor_levels(find_hits(["May lead the service's audit programme."]))
    assert sure.level == 3
    assert 11 not in maybe or maybe[11].weight < sure.weight


def test_supporting_the_lead_in_research_points_one_level_lower() -> None:
    own = _levels(["Lead a programme of research into music therapy."])[11]
    helping = _levels(["Support the lead in a programme of research into music therapy."])[11]
    assert helping == own - 1


def test_duties_that_imply_band_6_levels_rank_the_entry_profile_first(run) -> None:  # type: ignore[no-untyped-def]
    result = run(ENTRY_DUTIES)
    assert result.profiles[0].id == "arts-therapist-entry-level"
    assert result.factors[11].basis == "rules"


def test_line_management_ranks_the_principal_first_with_the_same_vocabulary(run) -> None:  # type: ignore[no-untyped-def]
    result = run(PRINCIPAL_DUTIES)
    assert result.profiles[0].id == "arts-therapist-principal"


def test_the_ranking_says_which_factors_decided_it(run) -> None:  # type: ignore[no-untyped-def]
    result = run(PRINCIPAL_DUTIES)
    first, second = result.profiles[0], result.profiles[1]
    assert result.ranking[0].startswith(f"{first.id} is above {second.id} on factor ")
    assert result.to_json()["ranking"] == list(result.ranking)
    fits = {f.factor: f for f in first.factor_fit}
    assert fits[9].level == 3 and 3 in fits[9].admitted and fits[9].distance == 0


@pytest.mark.parametrize(
    "text",
    [
        """Occupational Therapist
- Line manage occupational therapy support workers, including appraisal.
- Carry out occupational therapy assessments and home visits for equipment.
- Develop the team's operational procedures and lead audit.
""",
        """Team Administrator, Arts Therapies Service
- Provide administrative support to the arts therapies team, typing letters.
- Manage the waiting list and book rooms for the therapists.
- Order art materials and instruments using the ordering system.
""",
    ],
    ids=["occupational-therapist", "arts-therapies-administrator"],
)
def test_another_professions_job_description_is_a_weak_fit(run, text: str) -> None:  # type: ignore[no-untyped-def]
    result = run(text)
    assert all(p.fit == "weak" for p in result.profiles)


def test_little_seniority_evidence_is_at_most_a_partial_fit(run) -> None:  # type: ignore[no-untyped-def]
    result = run("Art Therapist\nProvide art therapy to adults in the community team.")
    assert result.profiles[0].fit in ("partial", "weak")


def test_a_broken_cue_names_its_number() -> None:
    with pytest.raises(ValueError, match="cue 1: "):
        settings_from(
            {
                "markers": {
                    "negation": "no",
                    "hedge": "may",
                    "receiving": "by",
                    "supporting": "help",
                    "hedge_weight": 0.5,
                    "negation_window": 30,
                },
                "levels": {"min_weight": 0.6, "high_weight": 2, "medium_weight": 1},
                "ranking": {},
                "cues": [{"pattern": "(unclosed", "levels": {9: 3}, "why": "x"}],
            }
        )


def test_may_after_the_statement_does_not_weaken_it() -> None:
    sure = factor_levels(find_hits(["Lead the service's audit programme."]))[11]
    later = factor_levels(find_hits(["Lead the audit programme for patients who may refuse."]))
    assert later[11].weight == sure.weight


def test_when_no_profile_fits_the_total_borrows_no_profiles_levels(run) -> None:  # type: ignore[no-untyped-def]
    result = run(
        """Team Administrator, Arts Therapies Service
- Provide administrative support to the arts therapies team, typing letters.
- Book rooms and appointments for the therapists.
"""
    )
    assert result.profiles[0].fit == "weak"
    assert result.assumed_from is None
    assert any("No profile in the library fits" in note for note in result.notes)
    assert any("the whole scale" in note for note in result.notes)


@pytest.mark.parametrize(
    "sentence",
    [
        "Deputise for the Head of Arts Therapies when required.",
        "Work closely with the head of service and the clinical director.",
        "You will receive line management from the Principal Art Psychotherapist.",
        "Participate in research led by the consultant art psychotherapist.",
    ],
)
def test_someone_elses_seniority_named_in_a_duty_is_not_the_post_holders(sentence: str) -> None:
    levels = _levels([sentence])
    assert levels.get(12, 0) < 4 and levels.get(2, 0) < 8 and levels.get(9, 0) < 3


def test_a_support_posts_job_description_is_a_weak_fit(run) -> None:  # type: ignore[no-untyped-def]
    result = run(
        """Arts Therapies Assistant (Music)
- Help the music therapists to run groups on the wards and set up the instruments.
- Provide music sessions under the direction of the music therapist.
"""
    )
    assert all(p.fit == "weak" for p in result.profiles)


def test_a_therapist_who_supervises_an_assistant_is_not_read_as_a_support_post(run) -> None:  # type: ignore[no-untyped-def]
    result = run(PRINCIPAL_DUTIES + "- Supervise the arts therapies assistant.\n")
    assert result.profiles[0].fit != "weak"


def test_a_first_duty_about_assistants_is_not_read_as_the_jobs_title(run) -> None:  # type: ignore[no-untyped-def]
    duties = PRINCIPAL_DUTIES.replace("Music Therapist\n", "")
    first = "Supervise the arts therapies assistant and the volunteers in the team.\n"
    result = run(first + duties)
    assert result.profiles[0].fit != "weak"
