"""Precise assertions on what the reader makes of the seed document (Arts Therapies suite).

Expected values are taken from the seed text itself (src/bandwise/profiles/data/
national-profiles-arts-therapy.txt), read here independently of the reader by splitting
lines at tabs.
"""

from __future__ import annotations

import pytest

from bandwise.documents.text_reader import read_profile_text
from bandwise.profiles.library import SEED_DOCUMENT
from bandwise.profiles.model import FactorEntry, Profile, Range, ReadResult
from bandwise.profiles.validate import compute, validate_suite
from bandwise.scheme.loader import load_scheme

SEED_LINES = SEED_DOCUMENT.read_text(encoding="utf-8").split("\n")
IDS = [
    "arts-therapist-entry-level",
    "arts-therapist",
    "arts-therapist-principal",
    "head-of-arts-therapies",
    "arts-therapies-consultant",
]
QUALIFIER = " (Art, Music, Drama, Dance Movement)"
TITLES = [
    "Arts Therapist Entry Level",
    "Arts Therapist",
    "Arts Therapist Principal",
    "Head of Arts Therapies",
    "Arts Therapies Consultant",
]
TOTALS = [(438, 448), (475, 516), (544, 595), (647, 689), (632, 704)]
BAND_LABELS = ["6", "7", "8a-b", "8c-d", "8c-d"]
BANDS = [("6",), ("7",), ("8a", "8b"), ("8c", "8d"), ("8c", "8d")]
STATEMENT_ITEMS = [2, 4, 4, 3, 5]


@pytest.fixture(scope="module")
def result() -> ReadResult:
    return read_profile_text(SEED_DOCUMENT.read_bytes(), SEED_DOCUMENT.name)


@pytest.fixture(scope="module")
def profiles(result: ReadResult) -> dict[str, Profile]:
    return {p.id: p for p in result.suite.profiles}


def seed_cells(line: int) -> list[str]:
    return SEED_LINES[line - 1].split("\t")


def entry(profiles: dict[str, Profile], pid: str, number: int) -> FactorEntry:
    found = profiles[pid].factor(number)
    assert found is not None
    return found


# -- suite ------------------------------------------------------------------------


def test_suite(result: ReadResult) -> None:
    suite = result.suite
    assert suite.title == "National Profiles for Art Therapy"
    assert suite.id == "art-therapy"
    assert suite.source == SEED_DOCUMENT.name
    assert result.encoding == "utf-8"
    assert [p.id for p in suite.profiles] == IDS
    assert [p.title for p in suite.profiles] == [t + QUALIFIER for t in TITLES]
    assert [p.line for p in suite.profiles] == [22, 49, 79, 109, 139]


def test_contents(result: ReadResult) -> None:
    assert [(c.title, c.band_text, c.page, c.line) for c in result.suite.contents] == [
        (TITLES[0] + QUALIFIER, "6", "2", 8),
        (TITLES[1] + QUALIFIER, "7", "4", 9),
        (TITLES[2] + QUALIFIER, "8A \u2013 8B", "6", 10),
        (TITLES[3] + QUALIFIER, "8C - 8D", "8", 11),
        (TITLES[4] + QUALIFIER + "*", "8C-8D", "10", 12),
    ]


def test_version_history(result: ReadResult) -> None:
    assert [(h.change, h.date, h.notes, h.line) for h in result.suite.history] == [
        (
            "Rebranding",
            "Nov 2023",
            "Profile suite has been transferred onto new template. No changes to wording, "
            "scores or levels.",
            17,
        ),
        (
            "New Profiles",
            "July 2005",
            "All profiles marked with an Astrix (*) (Arts Therapies Consultant)",
            18,
        ),
    ]


def test_mark(result: ReadResult) -> None:
    """The "*" is on the Consultant's contents entry; the history says what it means."""
    assert [p.marked for p in result.suite.profiles] == [False, False, False, False, True]
    meaning = result.suite.mark_meaning
    assert "July 2005" in meaning
    assert "New Profiles" in meaning
    assert "All profiles marked with an Astrix (*) (Arts Therapies Consultant)" in meaning


# -- totals and bands ---------------------------------------------------------------


@pytest.mark.parametrize(("index", "pid"), list(enumerate(IDS)))
def test_stated_total_is_reproduced_from_levels(
    profiles: dict[str, Profile], index: int, pid: str
) -> None:
    profile = profiles[pid]
    low, high = TOTALS[index]
    assert profile.stated_total == Range(low, high)
    comp = compute(load_scheme(), profile)
    assert comp.total == Range(low, high)
    assert comp.bands == BANDS[index]
    assert not comp.above_table


@pytest.mark.parametrize(("index", "pid"), list(enumerate(IDS)))
def test_band_label(profiles: dict[str, Profile], index: int, pid: str) -> None:
    assert profiles[pid].band_label == BAND_LABELS[index]
    assert profiles[pid].bands == BANDS[index]


def test_band_text_as_printed(profiles: dict[str, Profile]) -> None:
    assert [p.band_text for p in profiles.values()] == ["6", "7", "8a-b", "8c-d", "8c-d"]


# -- findings -----------------------------------------------------------------------


def test_findings(result: ReadResult) -> None:
    findings = [*result.findings, *validate_suite(load_scheme(), result.suite)]
    codes = sorted(f.code for f in findings)
    assert codes == [
        "continued-cell",
        "continued-cell",
        "page-reversed",
        "score-mismatch",
        "total-agrees-with-levels",
    ]
    (mismatch,) = [f for f in findings if f.code == "score-mismatch"]
    assert mismatch.severity == "error"
    assert mismatch.profile == "arts-therapist-principal"
    assert mismatch.factor == 2
    assert (mismatch.stated, mismatch.expected) == ("156", "196")
    assert mismatch.line == 87
    assert "156 is the chart's figure for level 6" in mismatch.message
    assert [f for f in findings if f.severity == "error"] == [mismatch]


def test_nothing_unplaced(result: ReadResult) -> None:
    assert result.unplaced == ()
    assert not [f for f in result.findings if f.code == "unplaced-text"]


def test_consultant_reversed_page(result: ReadResult, profiles: dict[str, Profile]) -> None:
    (reversed_,) = [f for f in result.findings if f.code == "page-reversed"]
    assert reversed_.severity == "warning"
    assert reversed_.profile == "arts-therapies-consultant"
    assert reversed_.line == 154
    assert "Lines 154-163" in reversed_.message
    consultant = profiles["arts-therapies-consultant"]
    # the page is printed 16 down to 9; the lines still point into the document
    assert [entry(profiles, consultant.id, n).line for n in range(9, 17)] == list(
        range(162, 154, -1)
    )
    assert [f.number for f in consultant.factors] == list(range(1, 17))
    assert consultant.stated_total == Range(632, 704)


def test_consultant_factor_8_continues_at_the_end(profiles: dict[str, Profile]) -> None:
    last = SEED_LINES[162]
    assert last.startswith("\t\tEnsures cleanliness")
    assert last.rstrip("\t").endswith("holds delegated budget")
    f8 = entry(profiles, "arts-therapies-consultant", 8)
    assert f8.line == 150
    assert f8.continuation_lines == (163,)
    assert f8.descriptor == seed_cells(150)[2]
    assert f8.example == seed_cells(163)[2]
    assert (f8.split_method, f8.split_confidence) == ("page-break", "high")


def test_head_factor_11_continuation(result: ReadResult, profiles: dict[str, Profile]) -> None:
    f11 = entry(profiles, "head-of-arts-therapies", 11)
    assert f11.line == 125
    assert f11.continuation_lines == (129,)
    assert f11.descriptor == "Undertakes R&D activities/ major job requirement/co-ordinates R&D"
    assert f11.example == (
        "Undertakes e.g. complex audits/carries out research/ co-ordinates research projects"
    )
    assert f11.split_method == "page-break"
    (cont,) = [f for f in result.findings if f.code == "continued-cell" and f.factor == 11]
    assert (cont.profile, cont.line, cont.severity) == ("head-of-arts-therapies", 129, "info")


# -- job statements ---------------------------------------------------------------


@pytest.mark.parametrize(("index", "pid"), list(enumerate(IDS)))
def test_job_statement_items(profiles: dict[str, Profile], index: int, pid: str) -> None:
    items = profiles[pid].job_statement
    assert len(items) == STATEMENT_ITEMS[index]
    for item in items:
        assert item == item.strip() and item
        assert not item[0].isdigit(), f"numbering not stripped: {item!r}"


def test_principal_statement_numbering_stripped(profiles: dict[str, Profile]) -> None:
    assert profiles["arts-therapist-principal"].job_statement == (
        "Assesses patients/clients with complex, high risk needs for suitability for individual "
        "or group arts therapy/psychotherapy in the relevant art form",
        "Provides specialist individual and group arts therapy/psychotherapy sessions, liaises "
        "with nursing or other care staff, evaluates care",
        "May provide specialist advice, clinical supervision for other therapists in relevant "
        "art form, may lead a team of arts therapists/psychotherapists",
        "Undertakes research in specialist field",
    )


def test_statements_run_together_are_split(profiles: dict[str, Profile]) -> None:
    """Entry Level's two items, and the Consultant's five, are each on one line in the seed."""
    entry_level = profiles["arts-therapist-entry-level"].job_statement
    assert " ".join(entry_level) == seed_cells(23)[1].strip()
    assert entry_level[1].startswith("Provides individual and group therapy")
    consultant = profiles["arts-therapies-consultant"].job_statement
    assert " ".join(consultant) == seed_cells(140)[1].strip()
    assert [item.split()[0] for item in consultant] == [
        "Provides",
        "Provides",
        "Undertakes",
        "Carries",
        "Provides",
    ]


# -- every factor's text, character for character ----------------------------------


def test_every_profile_has_sixteen_factors(profiles: dict[str, Profile]) -> None:
    for profile in profiles.values():
        assert [f.number for f in profile.factors] == list(range(1, 17))


def all_entries() -> list[tuple[str, int]]:
    return [(pid, n) for pid in IDS for n in range(1, 17)]


@pytest.mark.parametrize(("pid", "number"), all_entries())
def test_factor_text_as_read(profiles: dict[str, Profile], pid: str, number: int) -> None:
    e = entry(profiles, pid, number)
    cells = seed_cells(e.line)
    assert len(cells) == 5
    assert cells[0].strip() == f"{number}."
    assert e.name == cells[1].strip()
    assert e.level_text == cells[3].strip()
    assert e.score_text == cells[4].strip()
    parts = [cells[2].strip()]
    for cont in e.continuation_lines:
        cont_cells = seed_cells(cont)
        assert cont_cells[0] == cont_cells[1] == ""
        parts.append(cont_cells[2].strip())
    text = " ".join(parts)
    assert e.descriptor and e.example
    assert e.descriptor + " " + e.example == text
    assert e.text == text


@pytest.mark.parametrize(
    ("pid", "number", "descriptor_end", "example_start"),
    [
        (IDS[0], 1, "highly emotive atmosphere", "Communicates complex condition"),
        (IDS[0], 2, "underpinned by theory.", "Professional knowledge acquired"),
        (IDS[0], 15, "Frequent highly distressing", "Child abuse, self-injury"),
        (IDS[2], 11, "co- ordinates research", "Undertakes e.g. complex audits, research"),
        (IDS[2], 12, "Broad occupational policies", "Works within codes of practice"),
        (IDS[3], 8, "Holds budget", "Budget holder for arts"),
        (IDS[3], 9, "Line manager", "Line manager for arts"),
        (IDS[4], 6, "specialised advice concerning care", "Assesses, develops & implements"),
        (IDS[4], 11, "Initiate, develop R&D activities.", "Co-ordinates research projects"),
    ],
)
def test_split_spot_checks(
    profiles: dict[str, Profile], pid: str, number: int, descriptor_end: str, example_start: str
) -> None:
    e = entry(profiles, pid, number)
    assert e.descriptor.endswith(descriptor_end)
    assert e.example.startswith(example_start)


def test_entry_level_factor_1_split(profiles: dict[str, Profile]) -> None:
    f1 = entry(profiles, "arts-therapist-entry-level", 1)
    assert f1.descriptor == (
        "Communicates complex, sensitive information: requires empathy & reassurance, barriers "
        "to understanding, hostile, antagonistic or highly emotive atmosphere"
    )
    assert f1.example == (
        "Communicates complex condition related information to clients, relatives; undertakes "
        "group sessions where atmosphere may be highly emotive"
    )
    assert f1.level_text == "5(c)"
    assert f1.levels == (5,)
    assert f1.options == {5: ("c",)}
    assert f1.stated_scores == (45,)
