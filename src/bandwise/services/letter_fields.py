"""The fields of a letter, filled from the records: the case and its outcome in force,
the job, the review request and its review case, the organisation and who produces the
letter (the documented set of :mod:`bandwise.letters.fields`). Read inside the caller's
unit of work; nothing here writes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from .. import workflow
from ..clock import uk_date
from ..scheme.loader import load_scheme
from ..store import tables as t
from .base import Actor, RuleViolation, get_owned
from .case_preview import case_profile
from .case_records import OutcomeView, detail, in_force, notified_date
from .organisation import letterhead_of
from .reviews import REVIEW_MONTHS, review_deadline
from .suites import library_in

#: Verdicts that mean the job was matched to a national profile.
_MATCHED = ("profile-match", "match-with-variation", "hybrid")


def confirmed_outcome(session: Session, row: t.Case) -> OutcomeView | None:
    """The case's outcome in force if the consistency check confirmed it (a check
    approved it, or the case is confirmed or under review), else None."""
    found = detail(session, row)
    outcome, _ = in_force(found)
    if outcome is None:
        return None
    approved = any(c.outcome_id == outcome.id and c.decision == "approved" for c in found.checks)
    facts = workflow.OutcomeFacts(outcome.id, False, approved)
    return outcome if workflow.confirmed(facts, row.status, latest=True) else None


def _names(names: Sequence[str]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _band(band: str) -> str:
    return re.sub(r"^\s*band\s+", "", band, flags=re.IGNORECASE)


def _total(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}–{high}"


#: Who a letter goes to when the user names nobody; such a letter greets "Dear colleague".
DEFAULT_JOBHOLDER = "The jobholder"
DEFAULT_MANAGER = "The manager"


def salutation(recipient: str) -> str:
    """``Dear Alex Morgan``, or ``Dear colleague`` for a letter to nobody by name."""
    if recipient in (DEFAULT_JOBHOLDER, DEFAULT_MANAGER):
        return "Dear colleague"
    return f"Dear {recipient}"


def _common(
    session: Session, actor: Actor, job: t.Job, recipient: str, today: dt.date
) -> dict[str, Any]:
    head = letterhead_of(session, actor.organisation_id)
    user = session.get(t.User, actor.user_id)
    return {
        "organisation_name": head.name,
        "letter_date": uk_date(today),
        "recipient_name": recipient,
        "salutation": salutation(recipient),
        "job_title": job.title,
        "job_reference": job.reference or "",
        "department": job.department or "",
        "signed_by": user.name if user else actor.name,
        "review_months": REVIEW_MONTHS,
    }


def outcome_facts(
    session: Session, actor: Actor, case_id: int
) -> tuple[t.Case, t.Job, dict[str, Any]]:
    """The case, its job and the outcome fields every outcome letter shares, or the rule
    that stops the letters."""
    row = get_owned(session, t.Case, case_id, actor, "case")
    if row.kind == "review":
        raise RuleViolation(
            "a review case's letter is the review decision letter: produce it from the "
            "review request once the review is decided",
            "kind",
        )
    outcome = confirmed_outcome(session, row)
    if outcome is None:
        raise RuleViolation(
            "outcome letters can be produced once the panel's outcome is confirmed by the "
            "consistency check",
            "status",
        )
    job = session.get(t.Job, row.job_id)
    assert job is not None
    profile = case_profile(library_in(session, actor.organisation_id), row)
    matched = outcome.verdict in _MATCHED and profile is not None
    title = profile.title if profile is not None else ""
    if not matched:
        words = "evaluated locally"
    elif outcome.verdict == "hybrid":
        words = f'matched to the national profile "{title}", with a local evaluation'
    else:
        words = f'matched to the national profile "{title}"'
    sat = outcome.panel.sat_on if outcome.panel else None
    recorded = outcome.recorded_at.date() if outcome.recorded_at else None
    facts = {
        "matched": matched,
        "profile_title": title if matched else "",
        "outcome": words,
        "band": _band(outcome.band),
        "total_score": _total(outcome.total_min, outcome.total_max),
        "panel_date": uk_date(sat or recorded),
    }
    return row, job, facts


def outcome_letter_fields(
    session: Session,
    actor: Actor,
    case_id: int,
    kind: str,
    recipient: str,
    jobholders: Sequence[str],
    manager: str,
    effective_on: dt.date | None,
    today: dt.date,
) -> dict[str, Any]:
    """The fields of one outcome letter of the case (the documented set)."""
    row, job, facts = outcome_facts(session, actor, case_id)
    notified = notified_date(row) or today
    return {
        **_common(session, actor, job, recipient, today),
        **facts,
        "notified_date": uk_date(notified),
        "effective_date": uk_date(effective_on or notified),
        "review_deadline": uk_date(review_deadline(notified)),
        "jobholder_names": _names(
            ["the jobholder" if n == DEFAULT_JOBHOLDER else n for n in jobholders]
        ),
        "manager_name": manager,
    }


def review_letter_fields(
    session: Session, actor: Actor, review_id: int, recipient: str, today: dt.date
) -> tuple[t.ReviewRequest, dict[str, Any]]:
    request = get_owned(session, t.ReviewRequest, review_id, actor, "review request")
    if request.status not in ("upheld", "not-upheld"):
        raise RuleViolation(
            "the review decision letter can be produced once the review is decided "
            f"(this request is {request.status.replace('-', ' ')})",
            "status",
        )
    original = session.get(t.Case, request.case_id)
    review_case = session.get(t.Case, request.review_case_id) if request.review_case_id else None
    assert original is not None
    job = session.get(t.Job, original.job_id)
    assert job is not None
    before = confirmed_outcome(session, original)
    after = confirmed_outcome(session, review_case) if review_case else None
    old_band = _band(before.band) if before else ""
    new_band = _band(after.band) if after else old_band
    upheld = request.status == "upheld"
    scheme = load_scheme()
    sat = after.panel.sat_on if after and after.panel else None
    if sat is None and after and after.recorded_at:
        sat = after.recorded_at.date()
    fields = {
        **_common(session, actor, job, recipient or request.requested_by, today),
        "requested_by": request.requested_by,
        "requested_on": uk_date(request.requested_on),
        "decision": "upheld" if upheld else "not upheld",
        "upheld": upheld,
        "original_band": old_band,
        "new_band": new_band if upheld else old_band,
        "band_changed": upheld and new_band != old_band,
        "backdated_to": uk_date(request.requested_on) if upheld else "",
        "review_panel_date": uk_date(sat) if sat else "",
        "disputed_factors": "; ".join(scheme.factor(int(n)).name for n in request.disputed_factors),
    }
    return request, fields
