"""Suggestions for a job description against the organisation's profile library (the
built-in suites plus its imported versions, :func:`.suites.organisation_library`, the
library every surface reads). Reading permission; nothing is stored.
Suggestions only: a panel decides every level and the band.

A practitioner may accept or ignore a factor's suggestion on a case
(:func:`record_suggestion`); either is written to the case's audit trail.

Files are read in a child process within the parsing limits (:mod:`.parsing`); a stored
document's text is extracted once and kept, not parsed again on every view.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..documents.limits import ParseLimits
from ..errors import DocumentError
from ..scheme.loader import load_scheme
from ..suggest import (
    FactorSuggestion,
    Suggestions,
    checked_text,
    suggest,
)
from . import documents, parsing
from .base import (
    Actor,
    Database,
    InvalidInput,
    RuleViolation,
    audit,
)
from .case_records import (
    CaseDetail,
    decisions_of,
    detail,
    lock_case,
    require_status,
)
from .cases import MAX_EVIDENCE, DecisionInput, apply_decisions, decision_json
from .documents import DocumentView
from .suites import organisation_library

MAX_TOP = 20


def suggest_for_text(
    db: Database, actor: Actor, text: str, top: int = 5, backend: str | None = None
) -> Suggestions:
    """Suggestions for the text of a job description."""
    actor.require("read")
    if not 1 <= top <= MAX_TOP:
        raise InvalidInput(f"top is 1 to {MAX_TOP}", "top")
    try:
        text = checked_text(text, "the job description")
    except DocumentError as exc:
        raise InvalidInput(str(exc), "text") from exc
    library = organisation_library(db, actor.organisation_id)
    try:
        return suggest(text, library, load_scheme(), top, backend)
    except ValueError as exc:  # an unknown backend
        raise InvalidInput(str(exc), "backend") from exc


def suggest_for_file(
    db: Database,
    actor: Actor,
    data: bytes,
    filename: str,
    top: int = 5,
    backend: str | None = None,
    limits: ParseLimits | None = None,
) -> Suggestions:
    """Suggestions for a job description file (PDF, Word or text), as uploaded: read in a
    child process within ``limits`` (the environment's when None)."""
    actor.require("read")
    if not 1 <= top <= MAX_TOP:
        raise InvalidInput(f"top is 1 to {MAX_TOP}", "top")
    text = parsing.job_description_upload(data, filename, limits)
    return suggest_for_text(db, actor, text, top, backend)


def suggest_for_document(
    db: Database,
    actor: Actor,
    document_id: int,
    top: int = 5,
    backend: str | None = None,
    limits: ParseLimits | None = None,
) -> Suggestions:
    """Suggestions for a stored job document: its text is extracted once (in a child
    process within ``limits``) and kept, so later views do not parse it again."""
    actor.require("read")
    if not 1 <= top <= MAX_TOP:
        raise InvalidInput(f"top is 1 to {MAX_TOP}", "top")
    text = parsing.document_text(db, actor, document_id, limits)
    return suggest_for_text(db, actor, text, top, backend)


# ---------------------------------------------------------------- a case's suggestions

#: What a practitioner may do with one factor's suggestion.
SUGGESTION_CHOICES = ("accepted", "ignored")


def latest_job_description(db: Database, actor: Actor, job_id: int) -> DocumentView | None:
    """The job's most recently attached job description document, if any."""
    described = [
        d for d in documents.list_documents(db, actor, job_id) if d.kind == "job-description"
    ]
    return max(described, key=lambda d: d.id) if described else None


def record_suggestion(
    db: Database,
    actor: Actor,
    case_id: int,
    version: int | None,
    factor: FactorSuggestion,
    choice: str,
    level: int | None = None,
    backend: str = "bm25",
    source: str = "",
    sentences: Sequence[int] | None = None,
) -> CaseDetail:
    """Record that a practitioner accepted or ignored one factor's suggestion.

    Accepting sets the factor's decision on the draft (or returned) case to ``level`` (one
    of the suggested levels) and adds the supporting sentences to its evidence (after any
    evidence the panel typed, under "From the job description:"), and writes the
    ordinary ``case.decisions-changed`` event beside ``suggestion.accepted``, all in one
    transaction: the decision never changes without the record of where it came from.
    Ignoring changes nothing but the audit trail (``suggestion.ignored``); the case's
    version is not bumped, so a form open beside it stays current.

    ``sentences`` (the ``sentence`` numbers of the suggestion's evidence the panel ticked)
    chooses which supporting sentences become evidence: none when empty, every one when
    None. The audit record names the ones used (``evidence_used``).
    """
    actor.require("write")
    if choice not in SUGGESTION_CHOICES:
        raise InvalidInput("a suggestion is accepted or ignored", "choice")
    numbers = {e.sentence for e in factor.evidence}
    if sentences is not None and not set(sentences) <= numbers:
        unknown = ", ".join(str(n) for n in sorted(set(sentences) - numbers))
        raise InvalidInput(
            f"sentence {unknown} is not among factor {factor.number}'s supporting sentences",
            "sentences",
        )
    used = [e for e in factor.evidence if sentences is None or e.sentence in sentences]
    chosen = "\n".join(e.text for e in used).strip()
    record: dict[str, Any] = {
        "factor": factor.number,
        "suggested_levels": list(factor.levels),
        "confidence": factor.confidence,
        "backend": backend,
        "source": source[:300],
        "evidence": [e.text for e in factor.evidence],
        "evidence_used": [e.text for e in used],
    }
    if choice == "accepted":
        if not factor.levels:
            raise RuleViolation(
                f"there is not enough evidence for factor {factor.number} to accept a level",
                "level",
            )
        if level not in factor.levels:
            offered = " or ".join(str(lv) for lv in factor.levels)
            raise InvalidInput(
                f"factor {factor.number}'s suggestion is level {offered}, not {level}", "level"
            )
        record["level"] = level
    with db.transaction() as session:
        row = lock_case(session, actor, case_id)
        if choice == "ignored":
            require_status(row, "change the factor decisions")
            audit(session, actor, "suggestion.ignored", "case", row.id, None, record)
            return detail(session, row)
        decisions = decisions_of(session, row.id)
        current = decisions.get(factor.number)
        evidence = merged_evidence(current.evidence if current else "", chosen)
        before = decision_json(current)
        decision = DecisionInput(factor.number, str(level), evidence)
        apply_decisions(session, actor, row, version, [decision], decisions)
        audit(
            session,
            actor,
            "suggestion.accepted",
            "case",
            row.id,
            {"factor": factor.number, "decision": before},
            {**record, "version": row.version},
        )
        return detail(session, row)


#: Heads the sentences an accepted suggestion adds to a factor's evidence.
FROM_JOB_DESCRIPTION = "From the job description:"


def merged_evidence(typed: str, sentences: str) -> str:
    """A factor's evidence after accepting a suggestion: what the panel typed, kept whole,
    then the suggestion's sentences under :data:`FROM_JOB_DESCRIPTION` (only the added part
    is cut to fit :data:`MAX_EVIDENCE`; accepting the same sentences twice adds nothing)."""
    typed = typed.strip()
    if not sentences or sentences in typed:
        return typed
    added = f"{FROM_JOB_DESCRIPTION}\n{sentences}"
    merged = f"{typed}\n\n{added}" if typed else added
    return merged[: max(MAX_EVIDENCE, len(typed))].strip()
