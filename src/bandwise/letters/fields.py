"""The documented fields a letter template may use, kind by kind, with a sample value of
each (what a template is rendered with when an administrator saves or previews it).

A letter is produced from these fields only: the service fills them from the case (and
the review request), the organisation and what the user typed, and stores them with the
letter, so a letter can be read years later with exactly what its template saw. Dates
are written as people read them ("1 October 2026"); yes/no fields are booleans for
``{% if ... %}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

#: The letters a JE team sends (the codes the records keep).
OUTCOME_JOBHOLDER = "outcome-jobholder"
OUTCOME_MANAGER = "outcome-manager"
REVIEW_DECISION = "review-decision"
KINDS = (OUTCOME_JOBHOLDER, OUTCOME_MANAGER, REVIEW_DECISION)

#: What each kind is called on pages and in the CLI's messages.
KIND_LABELS = MappingProxyType(
    {
        OUTCOME_JOBHOLDER: "outcome letter to the jobholder",
        OUTCOME_MANAGER: "outcome letter to the manager",
        REVIEW_DECISION: "review decision letter",
    }
)


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    description: str
    sample: Any


_COMMON = (
    Field("organisation_name", "the organisation's name", "Riverside NHS Foundation Trust"),
    Field("letter_date", "the date of the letter", "3 December 2026"),
    Field("recipient_name", "who the letter is to", "Alex Morgan"),
    Field(
        "salutation",
        'the greeting: "Dear" and the name, or "Dear colleague" for a letter to nobody by name',
        "Dear Alex Morgan",
    ),
    Field("job_title", "the job's title", "Arts Therapist"),
    Field("job_reference", "the job's reference (empty when none)", "AT-104"),
    Field("department", "the job's department (empty when none)", "Therapies"),
    Field("signed_by", "the name of the person who produced the letter", "Sam Patel"),
    Field("review_months", "the months allowed to ask for a review (policy: 3)", 3),
)
_OUTCOME = (
    Field("matched", "yes when the job was matched to a national profile", True),
    Field(
        "profile_title",
        "the national profile the job was matched to (empty when evaluated locally)",
        "Arts Therapist",
    ),
    Field("outcome", "the outcome in words", 'matched to the national profile "Arts Therapist"'),
    Field("band", "the pay band (e.g. 7, 8a)", "7"),
    Field("total_score", "the job evaluation score (e.g. 475, or 470–480)", "475"),
    Field("panel_date", "the date the panel sat", "1 October 2026"),
    Field("notified_date", "the date of notification of the outcome", "5 October 2026"),
    Field("effective_date", "the date the band takes effect", "5 October 2026"),
    Field(
        "review_deadline",
        "the last day to ask for a review (notification date plus the review months)",
        "5 January 2027",
    ),
    Field("jobholder_names", "the jobholder(s), for the manager's letter", "Alex Morgan"),
    Field("manager_name", "the manager (empty when none was named)", "Jo Evans"),
)
_REVIEW = (
    Field("requested_by", "who asked for the review", "Alex Morgan"),
    Field("requested_on", "the date the request for a review was lodged", "12 November 2026"),
    Field("decision", "the decision in words: upheld or not upheld", "upheld"),
    Field("upheld", "yes when the review was upheld", True),
    Field("original_band", "the band before the review", "6"),
    Field("new_band", "the band after the review", "7"),
    Field("band_changed", "yes when the review changed the band", True),
    Field(
        "backdated_to",
        "when upheld: the date the outcome is backdated to (the request date, TCS s.47); "
        "empty otherwise",
        "12 November 2026",
    ),
    Field("review_panel_date", "the date the review panel sat", "2 December 2026"),
    Field(
        "disputed_factors",
        "the factors the jobholder disputed, by name",
        "Knowledge, training and experience",
    ),
)

#: The fields of each kind of letter, in the order the admin page lists them.
FIELDS: Mapping[str, tuple[Field, ...]] = MappingProxyType(
    {
        OUTCOME_JOBHOLDER: _COMMON + _OUTCOME,
        OUTCOME_MANAGER: _COMMON + _OUTCOME,
        REVIEW_DECISION: _COMMON + _REVIEW,
    }
)


def sample_fields(kind: str) -> dict[str, Any]:
    """Sample values of every field of ``kind`` (the preview's and the save check's)."""
    return {f.name: f.sample for f in FIELDS[kind]}


def field_names(kind: str) -> tuple[str, ...]:
    return tuple(f.name for f in FIELDS[kind])
