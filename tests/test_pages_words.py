"""No internal id reaches a person and no date reads as a weekday: every page, rendered
with real records (a notified case under review, an outcome waiting for its check, a
returned local evaluation, a job description with suggestions), shows titles and words,
never the ids and codes the records keep (``arts-therapist``, ``afc-je-7-2024``,
``bandwise-default``, ``profile-match``, ``outcome-recorded``...). Ids in URLs and
attributes are fine, and so is an identifier a page offers on purpose for the command
line and API, marked ``<code class="bw-id">`` (the library's and the rule set's pages)."""

from __future__ import annotations

import re

import pytest

from bandwise.profiles.library import builtin_library
from bandwise.scheme.loader import load_scheme
from bandwise.scheme.rules import default_rule_set
from bandwise.services import cases
from bandwise.store import tables as t
from bandwise.web.pages import labels
from pagekit import NOT_HTML, Web, page_paths, text_of
from test_pages_matrix import fill, records
from workflowkit import recorded

LIBRARY = builtin_library()
#: Every id and code a page could leak: profile, suite, edition and rule set ids, and
#: the hyphenated codes of verdicts, statuses, kinds, roles and sides.
INTERNAL = sorted(
    {p.id for p in LIBRARY.profiles}
    | {s.id for s in LIBRARY.suites}
    | {load_scheme().edition.id, default_rule_set().id}
    | {
        code
        for codes in (
            labels.VERDICT_LABELS,
            t.CASE_STATUSES,
            labels.REVIEW_STATUS_LABELS,
            t.DOCUMENT_KINDS,
            t.ROLES,
            t.SIDES,
        )
        for code in codes
        if "-" in code
    },
    key=len,
    reverse=True,
)
LEAK = re.compile(r"(?<![\w/-])(" + "|".join(map(re.escape, INTERNAL)) + r")(?![\w/-])")
#: A date after an abbreviated weekday (or "Sat", as the panel once "sat"): ambiguous.
WEEKDAY_LIKE = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]+ \d{4}")
IDENTIFIER = re.compile(r'<code class="bw-id">[^<]*</code>')
#: A record named by its database number ("case 12", "Job 3", "review #4", "user 7"): pages
#: name a case by its job's title, a person by their name, a review by who asked and when.
#: (A count after a heading, "Waiting for my consistency check 1", "Add a user 8 users",
#: and a range, "1 job 486 to 505 points", are not names.)
RECORD_NUMBER = re.compile(
    r"(?<!different )(?<!consistency )\b(case|job|user|review|outcome|document|check)"
    r" (?:number |no\. ?|#)?\d+\b(?! to \d| \w+s\b)",
    re.IGNORECASE,
)


def visible(html: str) -> str:
    return text_of(IDENTIFIER.sub(" ", html))


def test_the_list_of_internal_ids_holds_the_ones_people_met() -> None:
    for code in ("arts-therapist", "afc-je-7-2024", "bandwise-default", "profile-match"):
        assert code in INTERNAL
    assert "outcome-recorded" in INTERNAL and "no-match" in INTERNAL


@pytest.mark.parametrize("role", ["admin", "lead", "checker"])
def test_no_page_shows_an_internal_id_in_its_visible_text(web: Web, role: str) -> None:
    values = records(web)
    waiting = recorded(web.db, web.people)  # an outcome waiting for its check
    returned = recorded(web.db, web.people, kind="evaluation", profile=None)
    cases.consistency_check(
        web.db, web.people.checker, returned.case.id, returned.case.version, "returned", "No"
    )
    browser = web.client(getattr(web.people, role))
    urls = [fill(p, values) for p in page_paths(web.app) if not NOT_HTML.search(p)]
    for case_id in (waiting.case.id, returned.case.id):
        urls += [f"/cases/{case_id}{tail}" for tail in ("", "/check", "/report", "/audit")]
    urls += [
        f"/cases/{values['case']}/nearest",
        "/library/compare?profile=arts-therapies/arts-therapist"
        "&profile=arts-therapies/arts-therapist-principal",
        "/consistency?scope=recorded",
        "/consistency/rematch?suite=arts-therapies",
        "/cases?status=outcome-recorded",
        "/reviews?status=open",
    ]
    leaks = []
    for url in urls:
        response = browser.get(url)
        if response.status_code != 200 or "text/html" not in response.headers["content-type"]:
            continue
        text = visible(response.text)
        for match in WEEKDAY_LIKE.finditer(text):  # "Sat 2 December 2026" reads as Saturday
            leaks.append(f"{url}: a date that reads as a weekday: {match.group(0)!r}")
        for match in LEAK.finditer(text):
            around = text[max(0, match.start() - 60) : match.end() + 20]
            leaks.append(f"{url}: {match.group(0)!r} in …{around}…")
        for match in RECORD_NUMBER.finditer(text):
            around = text[max(0, match.start() - 60) : match.end() + 20]
            leaks.append(f"{url}: a record by its number {match.group(0)!r} in …{around}…")
        title = re.search(r"<title>(.*?)</title>", response.text, flags=re.S)
        if title and RECORD_NUMBER.search(title.group(1)):
            leaks.append(f"{url}: a record by its number in the title {title.group(1)!r}")
    assert not leaks, "\n".join(leaks)


def test_generated_sentences_read_with_titles_and_words() -> None:
    titles = labels.Titles(builtin_library)
    line = (
        "Verdict: no-match (possible: profile-match). Broken rule protected-factor: Factor 2. "
        "Next: Try the nearest other profiles: arts-therapist-principal. Levels 2(a)-3(c), 2-3."
    )
    assert labels.in_words(line, titles) == (
        "Verdict: no match (possible: profile match). Rule broken: Factor 2. Next: Try the "
        "nearest other profiles: Arts Therapist Principal (Art, Music, Drama, Dance Movement)."
        " Levels 2(a)-3(c), 2-3."
    )
    assert labels.in_words("the closest profile (arts-therapies-consultant)", titles) == (
        "the closest profile (Arts Therapies Consultant (Art, Music, Drama, Dance Movement))"
    )


def test_every_code_has_words_and_an_unknown_one_still_reads_as_words() -> None:
    for status in t.CASE_STATUSES:
        assert "-" not in labels.status_label(status)
    assert labels.verdict_label("match-with-variation") == "match with variation"
    assert labels.status_label("some-new-status") == "some new status"
    assert labels.rule_set_title("bandwise-default", 1).endswith(", version 1")
    assert labels.rule_set_title("trust-rules") == "rule set trust rules"
    assert labels.rule_set_title("local-trust-a", 2) == "Local matching rules, version 2"
    assert labels.edition_title("afc-je-7-2024") == load_scheme().edition.title
    titles = labels.Titles(builtin_library)
    assert titles.profile("gone-profile", "arts-therapies") == (
        "gone profile (no longer in the profile library)"
    )
    assert titles.suite("arts-therapies") == "National Profiles for Art Therapy"


def test_a_case_is_named_by_its_jobs_title_and_what_it_does_never_its_number() -> None:
    assert labels.case_name("match", "Arts Therapist") == "Arts Therapist: matching"
    assert labels.case_name("evaluation", "Porter") == "Porter: local evaluation"
    assert labels.case_name("review", "Porter") == "Porter: review"
    assert labels.case_name("hybrid", None) == "Hybrid matching"
    assert labels.case_name("some-new-kind", "Porter") == "Porter: some new kind"


def test_the_record_number_pattern_finds_names_by_number_but_not_counts() -> None:
    for leak in ("Case 12", "back to case 3", "Job 4", "review 7", "user 9", "Review #2"):
        assert RECORD_NUMBER.search(leak), leak
    for fine in ("Waiting for my consistency check 1", "Add a user 8 users", "1 job 486 to 505"):
        assert not RECORD_NUMBER.search(fine), fine
