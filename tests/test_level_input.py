"""Hostile and mistaken level input is refused where levels are read: the grammar in
``scheme.levels`` and the job builder in ``scheme.jobs``, which the API, pages, command
line and batch all go through."""

from __future__ import annotations

import pytest

from bandwise.errors import InvalidLevelsError, LevelExpressionError
from bandwise.scheme import load_scheme
from bandwise.scheme.jobs import job_factor, parse_job
from bandwise.scheme.levels import parse_level_expression, parse_score_expression
from bandwise.scheme.views import score_levels

SCHEME = load_scheme()
ARTS = ["5", "7", "3", "2", "3", "5", "1", "2", "1", "1", "1", "3", "2", "2", "4", "2"]
HUGE = "1" * 5000


def test_a_level_of_thousands_of_digits_is_a_parse_error_with_a_short_message() -> None:
    with pytest.raises(LevelExpressionError) as info:
        parse_level_expression(HUGE)
    message = str(info.value)
    assert "level 11111111… is not a level number: it has 5000 digits, at most 3" in message
    assert len(message) < 300


def test_a_level_of_four_digits_is_not_a_level_number() -> None:
    with pytest.raises(LevelExpressionError, match="level 5000 is not a level number"):
        parse_level_expression("2-5000")


def test_a_huge_level_for_a_job_names_the_factor_and_its_levels() -> None:
    with pytest.raises(InvalidLevelsError) as info:
        job_factor(SCHEME, 3, HUGE)
    message = str(info.value)
    assert message.startswith("factor 3 (Analytical and judgemental skills): '1111")
    assert "it has 5000 digits" in message and "valid levels are 1 to 5" in message
    assert len(message) < 400
    assert info.value.factor == 3


@pytest.mark.parametrize("text", ["٥", "５", "1-٣", "3(a)-٤", "۵c"])
def test_level_numbers_are_ascii_digits_only(text: str) -> None:
    with pytest.raises(LevelExpressionError, match="is not one of the digits 0-9"):
        parse_level_expression(text)
    with pytest.raises(InvalidLevelsError, match=r"factor 1 .*is not one of the digits 0-9"):
        job_factor(SCHEME, 1, text)


@pytest.mark.parametrize("text", ["٤٥", "１２", "7-١٢"])
def test_score_numbers_are_ascii_digits_only(text: str) -> None:
    with pytest.raises(LevelExpressionError, match="is not one of the digits 0-9"):
        parse_score_expression(text)


def test_a_score_of_thousands_of_digits_is_a_parse_error() -> None:
    with pytest.raises(LevelExpressionError, match="it has 5000 digits"):
        parse_score_expression("7-" + HUGE)


@pytest.mark.parametrize(
    ("factor", "text", "words"),
    [
        (
            1,
            "1(q)",
            "factor 1 (Communication and relationship skills) level 1 has no option (q); "
            "it has no lettered options: give 1 alone",
        ),
        (1, "5(z)", "level 5 has no option (z); its options are (a), (b), (c)"),
        (
            5,
            "3abc",
            "factor 5 (Physical skills) level 3 has no option (c); its options are (a), (b)",
        ),
        (6, "2a-3b", "level 2 has no option (a)"),
        (13, "2(a)-3(d)", "level 3 has no option (d); its options are (a), (b), (c)"),
    ],
)
def test_an_option_the_factor_plan_does_not_give_the_level_is_refused(
    factor: int, text: str, words: str
) -> None:
    with pytest.raises(InvalidLevelsError) as info:
        job_factor(SCHEME, factor, text)
    assert words in str(info.value)
    assert info.value.factor == factor


def test_options_the_factor_plan_gives_are_kept() -> None:
    assert job_factor(SCHEME, 1, "3abc").options == ((3, ("a", "b", "c")),)
    assert job_factor(SCHEME, 6, "3(a)-6(d)").levels == (3, 4, 5, 6)


def test_a_whole_job_with_an_unknown_option_is_refused() -> None:
    levels = list(ARTS)
    levels[4] = "3abc"
    with pytest.raises(InvalidLevelsError, match=r"factor 5 .* has no option \(c\)"):
        parse_job(SCHEME, levels)


def test_scoring_refuses_an_option_the_factor_plan_does_not_give() -> None:
    levels = list(ARTS)
    levels[0] = "5(z)"
    with pytest.raises(InvalidLevelsError, match=r"level 5 has no option \(z\)") as info:
        score_levels(SCHEME, levels)
    assert info.value.factor == 1
    levels[0] = "5(c)"
    assert score_levels(SCHEME, levels).total == score_levels(SCHEME, ARTS).total


@pytest.mark.parametrize("text", [HUGE, "٥", "５"])
def test_scoring_refuses_huge_and_non_ascii_levels_in_a_short_message(text: str) -> None:
    levels = list(ARTS)
    levels[0] = text
    with pytest.raises(InvalidLevelsError, match=r"factor 1 .* is not a level") as info:
        score_levels(SCHEME, levels)
    assert len(str(info.value)) < 200
