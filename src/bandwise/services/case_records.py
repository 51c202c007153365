"""The case records as the workflow services return them (frozen views), and the helpers
the case and review services share: locking a case, the status rules, reading a case's
decisions, outcomes, panels and checks, and computing the result of its decisions with
the same library functions the CLI uses. Nothing here commits a change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import workflow
from ..clock import UK, as_utc
from ..errors import UnknownProfileError
from ..profiles.library import Library
from ..profiles.matching import match_profile
from ..scheme.evaluation import Evaluation, evaluate
from ..scheme.explain import evaluation_to_json, match_to_json
from ..scheme.jobs import job_factor, parse_job
from ..scheme.loader import load_scheme
from ..scheme.matching import MatchResult
from ..scheme.rules import RuleSet
from ..store import tables as t
from .base import LOCK, Actor, NotFound, RuleViolation, now, snapshot
from .rule_sets import rule_set_in_force
from .suites import library_in

FACTORS = range(1, 17)

#: What may be done to a case in each status: the sources of the workflow table
#: (:mod:`bandwise.workflow`, which also says who may and on what conditions).
TRANSITIONS: dict[str, tuple[str, ...]] = {a.name: a.source for a in workflow.TABLE}


# ---------------------------------------------------------------- views

#: A stored timestamp as aware UTC (the old name of :func:`bandwise.clock.as_utc`).
utc = as_utc


@dataclass(frozen=True, slots=True)
class CaseView:
    id: int
    job_id: int
    kind: str
    status: str
    profile_id: str | None
    suite_id: str | None
    suite_version: int | None
    parent_case_id: int | None
    created_by: int
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    notified_at: dt.datetime | None
    closed_at: dt.datetime | None
    version: int

    @classmethod
    def of(cls, r: t.Case) -> CaseView:
        return cls(
            r.id,
            r.job_id,
            r.kind,
            r.status,
            r.profile_id,
            r.suite_id,
            r.suite_version,
            r.parent_case_id,
            r.created_by,
            utc(r.created_at),
            utc(r.updated_at),
            utc(r.notified_at),
            utc(r.closed_at),
            r.version,
        )


@dataclass(frozen=True, slots=True)
class DecisionView:
    factor: int
    levels: str
    evidence: str
    updated_by: int
    updated_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class MemberView:
    """A panel member: an account (``user_id``), or a guest recorded by name, side and
    organisation (``user_id`` None, ``organisation`` maybe "")."""

    user_id: int | None
    name: str
    side: str
    organisation: str = ""

    @property
    def guest(self) -> bool:
        return self.user_id is None

    @property
    def text(self) -> str:
        """How people see the member: "Ann Jones (staff side, guest from UNISON)"."""
        side = "staff side" if self.side == "staff-side" else f"{self.side} side"
        if not self.guest:
            return f"{self.name} ({side})"
        where = f" from {self.organisation}" if self.organisation else ""
        return f"{self.name} ({side}, guest{where})"


@dataclass(frozen=True, slots=True)
class PanelView:
    id: int
    sat_on: dt.date
    members: tuple[MemberView, ...]


@dataclass(frozen=True, slots=True)
class OutcomeView:
    id: int
    panel: PanelView | None
    verdict: str
    total_min: int
    total_max: int
    band: str
    levels: tuple[str, ...]
    profile_id: str | None
    suite_id: str | None
    suite_version: int | None
    scheme_edition: str
    rule_set_id: str
    rule_set_version: int
    explanation: dict[str, Any]
    recorded_by: int
    recorded_at: dt.datetime | None
    rationale: str = ""  # the panel's reasons in its own words


@dataclass(frozen=True, slots=True)
class CheckView:
    id: int
    outcome_id: int
    checker_id: int
    decision: str
    reasons: str
    checked_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class CaseDetail:
    """A case with its decisions, its outcomes (oldest first: a returned case has several)
    and its consistency checks; ``actions`` are what its status allows next."""

    case: CaseView
    decisions: tuple[DecisionView, ...]
    outcomes: tuple[OutcomeView, ...]
    checks: tuple[CheckView, ...]
    actions: tuple[str, ...]

    @property
    def outcome(self) -> OutcomeView | None:
        return self.outcomes[-1] if self.outcomes else None


@dataclass(frozen=True, slots=True)
class DecisionInput:
    factor: int
    levels: str  # "5", "5c", "3(a)", "2-3"; "" removes the decision
    evidence: str = ""


@dataclass(frozen=True, slots=True)
class Preview:
    """The live result of a case's current decisions; ``result`` and ``json`` are None
    while a factor has no decision (``missing``)."""

    case_id: int
    mode: str  # match | hybrid | evaluation
    levels: tuple[str | None, ...]
    missing: tuple[int, ...]
    undecided: tuple[int, ...]  # factors given as a range
    result: MatchResult | Evaluation | None
    json: dict[str, Any] | None


# ---------------------------------------------------------------- shared helpers


def case_facts(
    row: t.Case,
    open_review: int | None = None,
    outcome: OutcomeView | None = None,
    decisions: Sequence[DecisionView] = (),
) -> workflow.CaseFacts:
    """What the workflow table judges of a case: its kind, status, notification, open
    review request and, for the check's independence, its latest outcome and decisions."""
    return workflow.CaseFacts(
        row.id,
        row.kind,
        row.status,
        notified_date(row),
        open_review,
        account_ids(outcome.panel) if outcome else frozenset(),
        outcome.recorded_by if outcome else None,
        tuple((d.factor, d.updated_by) for d in decisions),
    )


def allowed_actions(row: t.Case, open_review: int | bool | None = None) -> tuple[str, ...]:
    """What the case's status allows next (the workflow table's answer); ``open_review``
    is the open review request of a review case (it is then decided or withdrawn, not
    closed), or True when its id does not matter."""
    request = None if open_review is None or open_review is False else int(open_review)
    return workflow.actions(case_facts(row, request))


def check_refusal(case: CaseDetail, user_id: int, checker: bool) -> str:
    """Why ``user_id`` (``checker``: an administrator made them a consistency checker)
    may not make the consistency check of the case's latest outcome ("" when they may):
    :func:`bandwise.workflow.check_refusal_of`, the one statement of the rule that the
    service, the pages and :func:`.cases.awaiting_check_by` go by."""
    outcome = case.outcome
    if outcome is None:
        return ""
    return workflow.check_refusal_of(
        account_ids(outcome.panel),
        outcome.recorded_by,
        ((d.factor, d.updated_by) for d in case.decisions),
        user_id,
        checker,
    )


def is_checker(session: Session, user_id: int) -> bool:
    """Whether an administrator made the user a consistency checker (read in the
    caller's transaction, so a capability taken away counts at once)."""
    return bool(session.scalar(select(t.User.consistency_checker).where(t.User.id == user_id)))


def account_ids(panel: PanelView | None) -> frozenset[int]:
    """The accounts that sat on a panel (guests have none)."""
    if panel is None:
        return frozenset()
    return frozenset(m.user_id for m in panel.members if m.user_id is not None)


def in_force(detail: CaseDetail) -> tuple[OutcomeView | None, OutcomeView | None]:
    """(The outcome in force, the returned outcome) of a case: the workflow's
    :func:`bandwise.workflow.in_force` over the case's outcomes and checks."""
    returned = {c.outcome_id for c in detail.checks if c.decision == "returned"}
    approved = {c.outcome_id for c in detail.checks if c.decision == "approved"}
    views = {o.id: o for o in detail.outcomes}
    current, back = workflow.in_force(
        detail.case.status,
        (workflow.OutcomeFacts(o.id, o.id in returned, o.id in approved) for o in detail.outcomes),
    )
    return (
        views[current.id] if current else None,
        views[back.id] if back else None,
    )


def open_review_of(session: Session, row: t.Case) -> t.ReviewRequest | None:
    """The open review request a review case was opened for, if still open."""
    if row.kind != "review":
        return None
    return session.scalar(
        select(t.ReviewRequest).where(
            t.ReviewRequest.review_case_id == row.id, t.ReviewRequest.status == "open"
        )
    )


def require_status(row: t.Case, action: str, allowed: Sequence[str] | None = None) -> None:
    """Refuse the action unless the workflow table allows it on the case as it is (kind,
    status and the action's guards); a RuleViolation naming what is allowed now.
    ``allowed`` is accepted for old callers and must agree with the table."""
    assert allowed is None or tuple(allowed) == workflow.action(action).source
    found = workflow.refusal(action, case_facts(row))
    if found is not None:
        raise RuleViolation(found.reason, found.field)


def lock_case(session: Session, actor: Actor, case_id: int) -> t.Case:
    """The actor's organisation's case, locked until the transaction ends, or NotFound:
    a change to anything of a case locks the case first (see :func:`.base.get_owned`)."""
    row = session.get(t.Case, case_id, with_for_update=LOCK)
    if row is None or row.organisation_id != actor.organisation_id:
        raise NotFound(f"no case {case_id}")
    return row


def decisions_of(session: Session, case_id: int) -> dict[int, t.FactorDecision]:
    rows = session.scalars(select(t.FactorDecision).where(t.FactorDecision.case_id == case_id))
    return {r.factor: r for r in rows}


def latest_outcome(session: Session, case_id: int) -> t.Outcome | None:
    return session.scalar(
        select(t.Outcome).where(t.Outcome.case_id == case_id).order_by(t.Outcome.id.desc()).limit(1)
    )


def panel_member_ids(session: Session, panel_id: int | None) -> list[int]:
    """The accounts that sat on a panel (guests, who have none, are left out)."""
    if panel_id is None:
        return []
    return list(
        session.scalars(
            select(t.PanelMember.user_id)
            .where(t.PanelMember.panel_id == panel_id, t.PanelMember.user_id.is_not(None))
            .order_by(t.PanelMember.id)
        )
    )


def _panel_view(session: Session, panel_id: int | None) -> PanelView | None:
    if panel_id is None:
        return None
    panel = session.get(t.Panel, panel_id)
    if panel is None:
        return None
    rows = session.execute(
        select(t.PanelMember, t.User.name)
        .outerjoin(t.User, t.User.id == t.PanelMember.user_id)
        .where(t.PanelMember.panel_id == panel_id)
        .order_by(t.PanelMember.id)
    )
    return PanelView(
        panel.id,
        panel.sat_on,
        tuple(
            MemberView(m.user_id, name or m.guest_name or "", m.side, m.guest_organisation or "")
            for m, name in rows
        ),
    )


def detail(session: Session, row: t.Case) -> CaseDetail:
    decisions = tuple(
        DecisionView(d.factor, d.levels, d.evidence, d.updated_by, utc(d.updated_at))
        for _, d in sorted(decisions_of(session, row.id).items())
    )
    outcomes = tuple(
        OutcomeView(
            o.id,
            _panel_view(session, o.panel_id),
            o.verdict,
            o.total_min,
            o.total_max,
            o.band,
            tuple(o.levels),
            o.profile_id,
            o.suite_id,
            o.suite_version,
            o.scheme_edition,
            o.rule_set_id,
            o.rule_set_version,
            o.explanation,
            o.recorded_by,
            utc(o.recorded_at),
            o.rationale or "",
        )
        for o in session.scalars(
            select(t.Outcome).where(t.Outcome.case_id == row.id).order_by(t.Outcome.id)
        )
    )
    checks = tuple(
        CheckView(c.id, c.outcome_id, c.checker_id, c.decision, c.reasons, utc(c.checked_at))
        for c in session.scalars(
            select(t.ConsistencyCheck)
            .where(t.ConsistencyCheck.case_id == row.id)
            .order_by(t.ConsistencyCheck.id)
        )
    )
    return CaseDetail(
        CaseView.of(row),
        decisions,
        outcomes,
        checks,
        allowed_actions(row, request.id if (request := open_review_of(session, row)) else None),
    )


LONDON_NOON = dt.time(12, 0)


def uk_time() -> dt.tzinfo:
    """Dates in the workflow (notification, review deadline) are days in the UK."""
    return UK


def notified_date(row: t.Case) -> dt.date | None:
    """The day the outcome was notified (UK time)."""
    if row.notified_at is None:
        return None
    at = utc(row.notified_at)
    assert at is not None
    return at.astimezone(uk_time()).date()


# ---------------------------------------------------------------- results


def touch_case(row: t.Case) -> None:
    row.updated_at = now()


def case_state(row: t.Case, **extra: Any) -> dict[str, Any]:
    """The case's status and version (and ``extra``) for an audit event's before/after."""
    return {**snapshot(row, ("status", "version")), **extra}


def rule_set_for(session: Session, organisation_id: int) -> RuleSet:
    """The matching rule set the organisation applies: its local rule set version in
    force, or the built-in default (services/rule_sets.py). The one place every outcome,
    match, consistency report and rematch takes its rules from."""
    return rule_set_in_force(session, organisation_id)


def case_mode(session: Session, row: t.Case) -> str:
    """How a case is decided: a review case is decided as the case it reviews was."""
    if row.kind != "review":
        return row.kind
    parent = session.get(t.Case, row.parent_case_id) if row.parent_case_id else None
    return case_mode(session, parent) if parent is not None else "evaluation"


def _profile_ref(row: t.Case) -> str:
    return f"{row.suite_id}/{row.profile_id}" if row.suite_id else str(row.profile_id)


def compute(session: Session, row: t.Case, library: Library | None = None) -> Preview:
    """The result of the case's current decisions (ranges allowed; missing factors not)."""
    scheme = load_scheme()
    mode = case_mode(session, row)
    decisions = decisions_of(session, row.id)
    levels = tuple(decisions[n].levels if n in decisions else None for n in FACTORS)
    missing = tuple(n for n in FACTORS if n not in decisions)
    if missing:
        undecided = tuple(
            n for n, d in decisions.items() if not job_factor(scheme, n, d.levels).decided
        )
        return Preview(row.id, mode, levels, missing, tuple(sorted(undecided)), None, None)
    job = parse_job(scheme, [lv or "" for lv in levels])
    rules = rule_set_for(session, row.organisation_id)
    result: MatchResult | Evaluation
    if mode == "evaluation":
        result = evaluate(scheme, job, rules)
        data = evaluation_to_json(scheme, result)
    else:
        library = library or library_in(session, row.organisation_id)
        try:
            result = match_profile(
                scheme, library, _profile_ref(row), job, rules, hybrid=mode == "hybrid"
            )
        except UnknownProfileError as exc:
            raise RuleViolation(
                f"profile {row.profile_id} is no longer in the organisation's profile suite "
                f"{row.suite_id}; close this case and open one against a current profile",
                "profile_id",
            ) from exc
        data = match_to_json(scheme, result)
    return Preview(row.id, mode, levels, (), job.undecided, result, data)
