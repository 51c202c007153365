"""The level-expression grammar of national profiles, and score expressions."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bandwise.errors import LevelExpressionError
from bandwise.scheme.levels import parse_level_expression, parse_score_expression


@dataclass(frozen=True)
class Form:
    text: str
    levels: tuple[int, ...]
    options: dict[int, tuple[str, ...]]
    canonical: str
    compact: str


# Every form seen in the seed document and in compact profile-derived data, with what it
# admits written out by hand.
FORMS = [
    # seed document forms
    Form("5(c)", (5,), {5: ("c",)}, "5(c)", "5c"),
    Form("7", (7,), {}, "7", "7"),
    Form("2(b)(c)", (2,), {2: ("b", "c")}, "2(b)(c)", "2bc"),
    Form("3(a)(c)", (3,), {3: ("a", "c")}, "3(a)(c)", "3ac"),
    Form("6(a)(c)", (6,), {6: ("a", "c")}, "6(a)(c)", "6ac"),
    Form("6(a),(c)", (6,), {6: ("a", "c")}, "6(a)(c)", "6ac"),
    Form("8(a)", (8,), {8: ("a",)}, "8(a)", "8a"),
    Form("2(a)(d)- 3(c)", (2, 3), {2: ("a", "d"), 3: ("c",)}, "2(a)(d)-3(c)", "2ad-3c"),
    Form("2(a)(d)– 3(c)", (2, 3), {2: ("a", "d"), 3: ("c",)}, "2(a)(d)-3(c)", "2ad-3c"),
    Form("2(a) (d)", (2,), {2: ("a", "d")}, "2(a)(d)", "2ad"),
    Form("1–2(a) (b)(c)", (1, 2), {2: ("a", "b", "c")}, "1-2(a)(b)(c)", "1-2abc"),
    Form("1–2(a)", (1, 2), {2: ("a",)}, "1-2(a)", "1-2a"),
    Form("2(a), 4(b)", (2, 4), {2: ("a",), 4: ("b",)}, "2(a), 4(b)", "2a, 4b"),
    Form(
        "2(a)-3(a) - 4(a)",
        (2, 3, 4),
        {2: ("a",), 3: ("a",), 4: ("a",)},
        "2(a)-3(a)-4(a)",
        "2a-3a-4a",
    ),
    Form(
        "2(a)– 3(a) – 4(a)",
        (2, 3, 4),
        {2: ("a",), 3: ("a",), 4: ("a",)},
        "2(a)-3(a)-4(a)",
        "2a-3a-4a",
    ),
    Form(
        "2(b)(c)(d) - 3(a) (b) (d)",
        (2, 3),
        {2: ("b", "c", "d"), 3: ("a", "b", "d")},
        "2(b)(c)(d)-3(a)(b)(d)",
        "2bcd-3abd",
    ),
    Form(
        "2(b)(c) (d)- 3(a) (b) (d)",
        (2, 3),
        {2: ("b", "c", "d"), 3: ("a", "b", "d")},
        "2(b)(c)(d)-3(a)(b)(d)",
        "2bcd-3abd",
    ),
    Form("2(a)-3-4", (2, 3, 4), {2: ("a",)}, "2(a)-3-4", "2a-3-4"),
    Form("2(a)- 3-4", (2, 3, 4), {2: ("a",)}, "2(a)-3-4", "2a-3-4"),
    Form("3(a)-4(b)", (3, 4), {3: ("a",), 4: ("b",)}, "3(a)-4(b)", "3a-4b"),
    Form("3(a)- 4(b)", (3, 4), {3: ("a",), 4: ("b",)}, "3(a)-4(b)", "3a-4b"),
    Form("3(b)- 4(b)", (3, 4), {3: ("b",), 4: ("b",)}, "3(b)-4(b)", "3b-4b"),
    Form("3–4", (3, 4), {}, "3-4", "3-4"),
    Form("4–5", (4, 5), {}, "4-5", "4-5"),
    # compact forms
    Form("4a", (4,), {4: ("a",)}, "4(a)", "4a"),
    Form("5ac", (5,), {5: ("a", "c")}, "5(a)(c)", "5ac"),
    Form("1-2acd", (1, 2), {2: ("a", "c", "d")}, "1-2(a)(c)(d)", "1-2acd"),
    Form("2-3ab", (2, 3), {3: ("a", "b")}, "2-3(a)(b)", "2-3ab"),
    Form("3ab-4b", (3, 4), {3: ("a", "b"), 4: ("b",)}, "3(a)(b)-4(b)", "3ab-4b"),
    Form(
        "2a-3ab4b",
        (2, 3, 4),
        {2: ("a",), 3: ("a", "b"), 4: ("b",)},
        "2(a)-3(a)(b)-4(b)",
        "2a-3ab-4b",
    ),
    Form(
        "1-2b-3c4b",
        (1, 2, 3, 4),
        {2: ("b",), 3: ("c",), 4: ("b",)},
        "1-2(b)-3(c)-4(b)",
        "1-2b-3c-4b",
    ),
]


@pytest.mark.parametrize("form", FORMS, ids=[f.text for f in FORMS])
def test_level_expression_forms(form: Form) -> None:
    expr = parse_level_expression(form.text)
    assert expr.levels == form.levels
    assert expr.options == form.options
    assert expr.render() == form.text
    assert str(expr) == form.text
    assert expr.canonical() == form.canonical
    assert expr.canonical(compact=True) == form.compact
    assert expr.is_range == (len(form.levels) > 1)


@pytest.mark.parametrize("form", FORMS, ids=[f.text for f in FORMS])
def test_canonical_spelling_parses_to_the_same_meaning(form: Form) -> None:
    for spelling in (form.canonical, form.compact):
        again = parse_level_expression(spelling)
        assert again.levels == form.levels
        assert again.options == form.options
        assert again.canonical() == form.canonical


def test_comma_lists_alternatives_not_a_range() -> None:
    expr = parse_level_expression("2(a), 4(b)")
    assert 3 not in expr.levels
    assert [[t.level for t in g] for g in expr.groups] == [[2], [4]]
    # a hyphen instead of the comma admits the level between
    assert parse_level_expression("2(a)- 4(b)").levels == (2, 3, 4)


def test_comma_between_letter_groups_lists_more_options_of_one_level() -> None:
    expr = parse_level_expression("6(a),(c)")
    assert len(expr.terms) == 1
    assert expr.terms[0].level == 6
    assert expr.terms[0].raw_options == "(a),(c)"


def test_separators_are_kept_as_printed() -> None:
    expr = parse_level_expression("2(a)– 3(a) – 4(a)")
    assert [t.separator for t in expr.terms] == ["– ", " – ", ""]
    assert [t.raw_options for t in expr.terms] == ["(a)", "(a)", "(a)"]


def test_leading_and_trailing_blanks_are_kept_by_render_only() -> None:
    expr = parse_level_expression(" 3(a)- 4(b) ")
    assert expr.render() == " 3(a)- 4(b) "
    assert expr.canonical() == "3(a)-4(b)"
    assert expr.levels == (3, 4)


# ---------------------------------------------------------------- score expressions

SCORES = [
    ("45", (45,)),
    ("7-12", (7, 12)),
    ("5-12", (5, 12)),
    ("12-21- 32", (12, 21, 32)),
    ("7-12- 18", (7, 12, 18)),
    ("7–12", (7, 12)),
]


@pytest.mark.parametrize(("text", "values"), SCORES, ids=[s for s, _ in SCORES])
def test_score_expressions(text: str, values: tuple[int, ...]) -> None:
    expr = parse_score_expression(text)
    assert expr.values == values
    assert expr.render() == text


# ---------------------------------------------------------------- errors

# (text, position of the offending character, words the message must contain)
LEVEL_ERRORS = [
    ("", 0, "empty"),
    ("x", 0, "expected a level number"),
    ("3-2", 2, "must ascend"),
    ("2(a", 1, "unexpected '('"),
    ("2()", 1, "unexpected '('"),
    ("2(a)(a)", 5, "option (a) is repeated"),
    ("2aa", 2, "option (a) is repeated"),
    ("2-", 1, "ends with a separator"),
    ("2,,3", 2, "expected a level number"),
    ("2 3", 1, "unexpected ' '"),
    ("0", 0, "levels start at 1"),
    ("2(A)", 1, "unexpected '('"),
    ("4, 2", 3, "alternatives must ascend"),
    ("2(a)-3(b)-3(c)", 10, "must ascend"),
]


@pytest.mark.parametrize(("text", "position", "words"), LEVEL_ERRORS, ids=repr)
def test_level_expression_errors(text: str, position: int, words: str) -> None:
    with pytest.raises(LevelExpressionError) as info:
        parse_level_expression(text)
    err = info.value
    assert err.text == text
    assert err.position == position
    assert repr(text) in str(err)  # the message quotes the text
    assert f"at position {position + 1}" in str(err)
    assert words in str(err)
    if text:
        assert 0 <= err.position < len(text)


SCORE_ERRORS = [("7-x", 2), ("", 0), ("  ", 0), ("7,a", 2)]


@pytest.mark.parametrize(("text", "position"), SCORE_ERRORS, ids=repr)
def test_score_expression_errors(text: str, position: int) -> None:
    with pytest.raises(LevelExpressionError) as info:
        parse_score_expression(text)
    assert info.value.text == text
    assert info.value.position == position
    assert repr(text) in str(info.value)


# ---------------------------------------------------------------- properties

LEVEL_DASHES = ["-", "- ", " - ", "–", "– "]
COMMAS = [", ", ","]
OPTION_JOINS = ["", " ", ","]


@dataclass(frozen=True)
class Built:
    text: str
    levels: tuple[int, ...]
    options: dict[int, tuple[str, ...]]


@st.composite
def expressions(draw: st.DrawFn) -> Built:
    """A valid expression with the meaning it must have, built independently of the parser."""
    compact = draw(st.booleans())
    chosen = draw(st.lists(st.integers(1, 8), min_size=1, max_size=5, unique=True))
    chosen.sort()
    # cut the ascending levels into comma-separated groups of ranges
    cuts = draw(st.lists(st.booleans(), min_size=len(chosen) - 1, max_size=len(chosen) - 1))
    text = draw(st.sampled_from(["", " "]))
    admitted: set[int] = set()
    options: dict[int, tuple[str, ...]] = {}
    group_start = chosen[0]
    for i, level in enumerate(chosen):
        letters = tuple(draw(st.lists(st.sampled_from("abcde"), max_size=3, unique=True)))
        if letters:
            options[level] = letters
        if compact:
            written = "".join(letters)
        else:
            joins = [draw(st.sampled_from(OPTION_JOINS)) for _ in letters]
            written = "".join(
                f"{j if k else ''}({o})"
                for k, (j, o) in enumerate(zip(joins, letters, strict=True))
            )
        text += f"{level}{written}"
        if i == len(chosen) - 1:
            admitted.update(range(group_start, level + 1))
            break
        if cuts[i]:  # alternatives: close the group
            admitted.update(range(group_start, level + 1))
            group_start = chosen[i + 1]
            text += draw(st.sampled_from(COMMAS))
        else:
            seps = LEVEL_DASHES + ([""] if compact and letters else [])  # "3ab4b"
            text += draw(st.sampled_from(seps))
    text += draw(st.sampled_from(["", " "]))
    return Built(text, tuple(sorted(admitted)), options)


@given(expressions())
def test_render_gives_back_the_printed_text(built: Built) -> None:
    expr = parse_level_expression(built.text)
    assert expr.render() == built.text
    assert expr.levels == built.levels
    assert expr.options == built.options


@given(expressions())
def test_canonical_spellings_keep_the_meaning(built: Built) -> None:
    expr = parse_level_expression(built.text)
    for compact in (False, True):
        spelling = expr.canonical(compact=compact)
        again = parse_level_expression(spelling)
        assert again.levels == expr.levels
        assert again.options == expr.options
        assert again.canonical(compact=compact) == spelling  # canonical is a fixed point
