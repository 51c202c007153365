"""Cases: a job matched to a profile (or hybrid, or evaluated locally) through the workflow

    draft -> outcome-recorded -> (consistency check) -> confirmed -> notified -> closed
                                   \\-> returned -> (new panel outcome) ...
    confirmed & notified -> review-requested -> closed (see :mod:`.reviews`)

The services enforce every rule; pages, the API and the CLI only call them. Each
change checks the role, the organisation (another tenant's case is NotFound), the case
``version`` the caller read (stale: Conflict) and the current status (a wrong
transition is a RuleViolation naming the status and what is allowed), and writes one
audit event in the same transaction as the change.

Results are computed by the same library functions the CLI uses (``match_profile``,
``evaluate``, ``match_to_json``, ``evaluation_to_json``) against the organisation's
profile library (:func:`.suites.organisation_library`) and the default rule set.

This module opens, reads and lists cases and changes their factor decisions; the panel
outcome, consistency check, notification and closing live in :mod:`.case_outcomes` and
are re-exported here, so callers use ``cases.*`` for the whole workflow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from .. import workflow
from ..errors import InvalidLevelsError, UnknownProfileError
from ..policy import policy
from ..scheme.jobs import job_factor
from ..scheme.loader import load_scheme
from ..store import tables as t
from .base import (
    Actor,
    Database,
    InvalidInput,
    RuleViolation,
    audit,
    get_owned,
    now,
    snapshot,
)
from .case_changes import change_case
from .case_outcomes import (
    EVALUATED,
    MAX_RATIONALE,
    Guest,
    close,
    consistency_check,
    notify,
    record_panel_outcome,
)
from .case_records import (
    FACTORS,
    TRANSITIONS,
    CaseDetail,
    CaseView,
    CheckView,
    DecisionInput,
    DecisionView,
    MemberView,
    OutcomeView,
    PanelView,
    Preview,
    allowed_actions,
    check_refusal,
    compute,
    decisions_of,
    detail,
    is_checker,
    lock_case,
    notified_date,
    require_status,
)
from .jobs import Page
from .suites import library_in

__all__ = [
    "EVALUATED",
    "MAX_RATIONALE",
    "TRANSITIONS",
    "CaseDetail",
    "CaseView",
    "CheckView",
    "DecisionInput",
    "DecisionView",
    "Guest",
    "MemberView",
    "OutcomeView",
    "PanelView",
    "Preview",
    "allowed_actions",
    "awaiting_check_by",
    "check_refusal",
    "close",
    "compute",
    "compute_preview",
    "consistency_check",
    "get_case",
    "list_cases",
    "notified_date",
    "notify",
    "open_case",
    "record_panel_outcome",
    "set_factor_decision",
    "set_factor_decisions",
]

OPENABLE_KINDS = ("match", "hybrid", "evaluation")
#: The longest evidence one factor decision takes, in characters: several paragraphs of
#: a panel's reasons (about 650 words). Checked where decisions are written
#: (:func:`apply_decisions`), so the API, the pages and accepted suggestions all meet it;
#: it also bounds a report of 16 factors to a few seconds of PDF layout.
MAX_EVIDENCE = 4_000
CASE_FIELDS = (
    "job_id",
    "kind",
    "status",
    "profile_id",
    "suite_id",
    "suite_version",
    "parent_case_id",
    "version",
)


# ---------------------------------------------------------------- opening and reading


def open_case(
    db: Database, actor: Actor, job_id: int, kind: str, profile_id: str | None = None
) -> CaseDetail:
    """Open a draft case for a job: ``match`` or ``hybrid`` against a profile of the
    organisation's library (``arts-therapist`` or ``arts-therapies/arts-therapist``), or
    ``evaluation``. The suite and its current version are recorded on the case. Review
    cases are opened by :func:`.reviews.request_review`."""
    actor.require("write")
    if kind not in OPENABLE_KINDS:
        hint = "; a review case is opened by requesting a review" if kind == "review" else ""
        raise InvalidInput(
            f"a case is a match, hybrid or evaluation case, not {kind!r}{hint}", "kind"
        )
    if kind == "evaluation" and profile_id:
        raise InvalidInput("an evaluation case has no profile", "profile_id")
    if kind != "evaluation" and not (profile_id or "").strip():
        raise InvalidInput(f"a {kind} case needs the profile to match", "profile_id")
    with db.transaction() as session:
        job = get_owned(session, t.Job, job_id, actor, "job")
        if job.status != "active":
            raise RuleViolation(
                f"job {job.id} is {job.status}; open cases on active jobs only", "job_id"
            )
        suite_id: str | None = None
        suite_version: int | None = None
        if profile_id:
            library = library_in(session, actor.organisation_id)
            try:
                profile = library.get(profile_id.strip())
            except UnknownProfileError as exc:
                raise InvalidInput(str(exc), "profile_id") from exc
            suite = library.suite_of(profile)
            profile_id, suite_id, suite_version = profile.id, suite.id, library.version_of(suite.id)
        row = t.Case(
            organisation_id=actor.organisation_id,
            job_id=job.id,
            kind=kind,
            status=workflow.INITIAL,
            profile_id=profile_id,
            suite_id=suite_id,
            suite_version=suite_version,
            created_by=actor.user_id,
            version=1,
        )
        session.add(row)
        session.flush()
        audit(session, actor, "case.opened", "case", row.id, None, snapshot(row, CASE_FIELDS))
        return detail(session, row)


def get_case(db: Database, actor: Actor, case_id: int) -> CaseDetail:
    actor.require("read")
    with db.reading() as session:
        return detail(session, get_owned(session, t.Case, case_id, actor, "case"))


def list_cases(
    db: Database,
    actor: Actor,
    status: str | None = None,
    kind: str | None = None,
    job_id: int | None = None,
    profile_id: str | None = None,
    parent_case_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page[CaseView]:
    actor.require("read")
    most = policy().page_size("list_limit")
    if not 1 <= limit <= most or offset < 0:
        raise InvalidInput(f"limit is 1 to {most} and offset at least 0", "limit")
    if status and status not in t.CASE_STATUSES:
        raise InvalidInput(f"status is one of {', '.join(t.CASE_STATUSES)}", "status")
    if kind and kind not in t.CASE_KINDS:
        raise InvalidInput(f"kind is one of {', '.join(t.CASE_KINDS)}", "kind")
    query = select(t.Case).where(t.Case.organisation_id == actor.organisation_id)
    if status:
        query = query.where(t.Case.status == status)
    if kind:
        query = query.where(t.Case.kind == kind)
    if job_id is not None:
        query = query.where(t.Case.job_id == job_id)
    if profile_id:
        query = query.where(t.Case.profile_id == profile_id.rpartition("/")[2])
    if parent_case_id is not None:
        query = query.where(t.Case.parent_case_id == parent_case_id)
    with db.reading() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(query.order_by(t.Case.id).offset(offset).limit(limit))
        return Page(tuple(CaseView.of(r) for r in rows), total, offset, limit)


def awaiting_check_by(db: Database, actor: Actor, limit: int = 500) -> tuple[CaseView, ...]:
    """The cases whose recorded outcome ``actor`` may check: the actor is a consistency
    checker, the outcome is recorded, and the actor neither sat on the panel of that
    (the latest) outcome, nor recorded it, nor made (last changed) any of the case's
    factor decisions: the query form of :func:`check_refusal`, which
    :func:`consistency_check` applies. Opening the case does not bar a checker. Empty
    for a role that may not check or someone who is not a consistency checker."""
    actor.require("read")
    if not actor.can("check"):
        return ()
    with db.reading() as session:
        if not is_checker(session, actor.user_id):
            return ()
    latest = (
        select(func.max(t.Outcome.id))
        .where(t.Outcome.case_id == t.Case.id)
        .correlate(t.Case)
        .scalar_subquery()
    )
    sat = exists(
        select(t.PanelMember.id)
        .join(t.Outcome, t.Outcome.panel_id == t.PanelMember.panel_id)
        .where(t.Outcome.id == latest, t.PanelMember.user_id == actor.user_id)
    )
    recorded = exists(
        select(t.Outcome.id).where(t.Outcome.id == latest, t.Outcome.recorded_by == actor.user_id)
    )
    decided = exists(
        select(t.FactorDecision.id).where(
            t.FactorDecision.case_id == t.Case.id, t.FactorDecision.updated_by == actor.user_id
        )
    )
    query = (
        select(t.Case)
        .where(
            t.Case.organisation_id == actor.organisation_id,
            t.Case.status == "outcome-recorded",
            ~sat,
            ~recorded,
            ~decided,
        )
        .order_by(t.Case.id)
        .limit(limit)
    )
    with db.reading() as session:
        return tuple(CaseView.of(r) for r in session.scalars(query))


def compute_preview(db: Database, actor: Actor, case_id: int) -> Preview:
    actor.require("read")
    with db.reading() as session:
        return compute(session, get_owned(session, t.Case, case_id, actor, "case"))


# ---------------------------------------------------------------- factor decisions


def decision_json(d: t.FactorDecision | None) -> dict[str, str] | None:
    return None if d is None else {"levels": d.levels, "evidence": d.evidence}


def set_factor_decisions(
    db: Database,
    actor: Actor,
    case_id: int,
    version: int | None,
    decisions: Sequence[DecisionInput],
) -> CaseDetail:
    """Set (or, with empty levels, remove) factor decisions, all in one change; only while
    the case is a draft or returned to the panel. Unchanged decisions are no change."""
    actor.require(workflow.action("change the factor decisions").permission)
    scheme = load_scheme()
    given: dict[int, DecisionInput] = {}
    for d in decisions:
        if d.factor not in FACTORS:
            raise InvalidInput(f"factor {d.factor} does not exist; factors are 1 to 16", "factor")
        if d.factor in given:
            raise InvalidInput(f"factor {d.factor} is given twice", "factor")
        if d.levels.strip():
            try:
                job_factor(scheme, d.factor, d.levels)
            except InvalidLevelsError as exc:
                raise InvalidInput(str(exc), "levels") from exc
        given[d.factor] = DecisionInput(d.factor, d.levels.strip(), d.evidence.strip())
    if not given:
        raise InvalidInput("give at least one factor decision", "decisions")
    with db.transaction() as session:
        row = lock_case(session, actor, case_id)
        apply_decisions(session, actor, row, version, given.values())
        return detail(session, row)


def check_evidence(factor: int, evidence: str) -> None:
    """Refuse evidence over :data:`MAX_EVIDENCE`, naming the factor and the limit."""
    if len(evidence) > MAX_EVIDENCE:
        raise InvalidInput(
            f"the evidence for factor {factor} is {len(evidence):,} characters long; at most "
            f"{MAX_EVIDENCE:,} are kept: shorten it",
            "evidence",
        )


def apply_decisions(
    session: Session,
    actor: Actor,
    row: t.Case,
    version: int | None,
    decisions: Iterable[DecisionInput],
    current: Mapping[int, t.FactorDecision] | None = None,
) -> bool:
    """Write checked, stripped decisions to a locked case in the caller's transaction, with
    the ``case.decisions-changed`` audit event; whether anything changed. Unchanged
    decisions at the current version are no change (but still need an editable case).
    ``current`` is the case's decisions when the caller has read them already."""
    current = decisions_of(session, row.id) if current is None else current
    changed = [
        d
        for d in decisions
        if decision_json(current.get(d.factor))
        != (None if not d.levels else {"levels": d.levels, "evidence": d.evidence})
    ]
    for d in changed:  # evidence saved before the bound may stay as it is, unchanged
        check_evidence(d.factor, d.evidence)
    if not changed and (version is None or version == row.version):
        require_status(row, "change the factor decisions")
        return False
    before = {str(d.factor): decision_json(current.get(d.factor)) for d in changed}
    with change_case(
        session,
        actor,
        row.id,
        "change the factor decisions",
        version,
        before={"decisions": before},
        row=row,
    ) as change:
        for d in changed:
            existing = current.get(d.factor)
            if not d.levels:
                if existing is not None:
                    session.delete(existing)
            elif existing is None:
                session.add(
                    t.FactorDecision(
                        case_id=row.id,
                        factor=d.factor,
                        levels=d.levels,
                        evidence=d.evidence,
                        updated_by=actor.user_id,
                        updated_at=now(),
                    )
                )
            else:
                existing.levels, existing.evidence = d.levels, d.evidence
                existing.updated_by, existing.updated_at = actor.user_id, now()
        session.flush()
        change.after = {
            "decisions": {
                str(d.factor): (
                    None if not d.levels else {"levels": d.levels, "evidence": d.evidence}
                )
                for d in changed
            }
        }
    return True


def set_factor_decision(
    db: Database,
    actor: Actor,
    case_id: int,
    version: int | None,
    factor: int,
    levels: str,
    evidence: str = "",
) -> CaseDetail:
    """One factor's levels ("5", "5c", "3(a)", "2-3") and the evidence for them."""
    return set_factor_decisions(
        db, actor, case_id, version, [DecisionInput(factor, levels, evidence)]
    )
