"""Words for the ids records keep, in one place for every page.

Records name things by id (``arts-therapist``, ``afc-je-7-2024``, ``bandwise-default``)
and by code (``profile-match``, ``outcome-recorded``); a person reads titles and words.
The label maps turn codes into words (a code not listed still reads as words, never as
the code); :class:`Titles` gives a profile's, suite's, rule set's and scheme edition's
title from the organisation's library, read once per page and only when a template asks.
Ids stay in URLs and attributes, where only the browser reads them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ...errors import UnknownProfileError
from ...letters import KIND_LABELS
from ...profiles.library import Library
from ...scheme.loader import load_scheme
from ...scheme.rules import LOCAL_PREFIX, LOCAL_TITLE, default_rule_set

VERDICT_LABELS = {
    "profile-match": "profile match",
    "match-with-variation": "match with variation",
    "no-match": "no match",
    "undecided": "undecided",
    "evaluated": "evaluated locally",
    "hybrid": "hybrid (matched with local evaluation)",
}
CASE_STATUS_LABELS = {
    "draft": "draft",
    "outcome-recorded": "outcome recorded",
    "returned": "returned to the panel",
    "confirmed": "confirmed",
    "review-requested": "review requested",
    "closed": "closed",
}
CASE_KIND_LABELS = {
    "match": "profile match",
    "hybrid": "hybrid",
    "evaluation": "local evaluation",
    "review": "review",
}
REVIEW_STATUS_LABELS = {
    "open": "open",
    "upheld": "upheld",
    "not-upheld": "not upheld",
    "withdrawn": "withdrawn",
}
FACTOR_OUTCOME_LABELS = {"match": "match", "variation": "variation", "mismatch": "mismatch"}
DOCUMENT_KIND_LABELS = {
    "job-description": "job description",
    "person-specification": "person specification",
    "organisation-chart": "organisation chart",
    "other": "other",
}
ROLE_LABELS = {
    "admin": "administrator",
    "je-lead": "JE lead",
    "practitioner": "practitioner",
    "viewer": "viewer",
}
SIDE_LABELS = {"management": "management side", "staff-side": "staff side"}
#: The letters a JE team sends (bandwise.letters.KIND_LABELS, the one source of the words).
LETTER_KIND_LABELS = dict(KIND_LABELS)
JD_REVIEW_RESULT_LABELS = {
    "unchanged": "JD unchanged",
    "band-increased": "JD changed, band increased",
    "band-decreased": "JD changed, band decreased",
    "band-unchanged": "JD changed, band unchanged",
}


#: A case's kind as the noun that names it after its job ("Arts Therapist: matching").
CASE_NAME_KINDS = {
    "match": "matching",
    "hybrid": "hybrid matching",
    "evaluation": "local evaluation",
    "review": "review",
}


def case_name(kind: str | None, job_title: str | None) -> str:
    """A case in people's words, for titles, headings, breadcrumbs and links: its job's
    title and what the case does (``Arts Therapist: matching``); never its number."""
    what = CASE_NAME_KINDS.get(kind or "", words(kind)) or "case"
    return f"{job_title}: {what}" if job_title else what.capitalize()


def words(code: str | None) -> str:
    """A code not in any map, as words: ``some-new_code`` → ``some new code``."""
    return (code or "").replace("-", " ").replace("_", " ").strip()


def _labeller(labels: dict[str, str]) -> Callable[[str | None], str]:
    def label(code: str | None) -> str:
        return labels.get(code or "", words(code))

    return label


verdict_label = _labeller(VERDICT_LABELS)
status_label = _labeller(CASE_STATUS_LABELS)
kind_label = _labeller(CASE_KIND_LABELS)
review_status_label = _labeller(REVIEW_STATUS_LABELS)
factor_outcome_label = _labeller(FACTOR_OUTCOME_LABELS)
document_kind_label = _labeller(DOCUMENT_KIND_LABELS)
role_label = _labeller(ROLE_LABELS)
side_label = _labeller(SIDE_LABELS)
jd_review_result_label = _labeller(JD_REVIEW_RESULT_LABELS)


def rule_set_title(rule_set_id: str | None, version: int | None = None) -> str:
    """The rule set's title (with its version); one the server no longer has, in words."""
    rules = default_rule_set()
    if rule_set_id == rules.id:
        title = rules.title
    elif rule_set_id and rule_set_id.startswith(LOCAL_PREFIX):
        title = LOCAL_TITLE  # the organisation's own (services/rule_sets.py)
    else:
        title = f"rule set {words(rule_set_id)}"
    return f"{title}, version {version}" if version is not None else title


def edition_title(edition_id: str | None) -> str:
    """The scheme edition's title; one the server no longer has, in words."""
    edition = load_scheme().edition
    return edition.title if edition_id == edition.id else f"scheme edition {words(edition_id)}"


class Titles:
    """Profile and suite titles from the organisation's library, loaded on first use."""

    def __init__(self, load: Callable[[], Library]) -> None:
        self._load = load
        self._library: Library | None = None

    @property
    def library(self) -> Library:
        if self._library is None:
            self._library = self._load()
        return self._library

    def profile(self, profile_id: str | None, suite_id: str | None = None) -> str:
        """The profile's title; one no longer in the library, in words and marked so."""
        if not profile_id:
            return ""
        ref = f"{suite_id}/{profile_id}" if suite_id else profile_id
        try:
            return self.library.get(ref).title
        except UnknownProfileError:
            return f"{words(profile_id)} (no longer in the profile library)"

    def suite(self, suite_id: str | None) -> str:
        """The suite's title; one no longer in the library, in words."""
        if not suite_id:
            return ""
        suite = self.library.suite(suite_id)
        return suite.title if suite is not None else f"profile suite {words(suite_id)}"

    def known_profile(self, profile_id: str) -> str | None:
        """The title of a profile named by its bare id, or None when it is not one."""
        try:
            return self.library.get(profile_id).title
        except UnknownProfileError:
            return None

    rule_set = staticmethod(rule_set_title)
    edition = staticmethod(edition_title)


#: A hyphenated lower-case code in generated text (``no-match``, ``arts-therapist``).
_CODE = re.compile(r"(?<![\w/-])[a-z][a-z0-9]*(?:-[a-z0-9]+)+(?![\w/-])")
_BROKEN_RULE = re.compile(r"\bBroken rule [a-z0-9-]+: ")


def in_words(text: str, titles: Titles | None = None) -> str:
    """A sentence the matching library wrote (the explanation's summary, a rule's
    message) with its codes as words: verdicts by their labels, profiles by their titles,
    a broken rule without its id, case statuses in words. The library's own text stays as
    it is for the command line and the API; only what a page shows is reworded."""
    text = _BROKEN_RULE.sub("Rule broken: ", text)

    def word(match: re.Match[str]) -> str:
        code = match.group(0)
        if code in VERDICT_LABELS:
            return VERDICT_LABELS[code]
        if code in CASE_STATUS_LABELS:
            return CASE_STATUS_LABELS[code]
        title = titles.known_profile(code) if titles is not None else None
        return title or code

    return _CODE.sub(word, text)
