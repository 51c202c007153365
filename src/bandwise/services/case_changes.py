"""The one way a case's workflow changes: :func:`change_case` locks the case, checks the
version and asks the workflow table (:mod:`bandwise.workflow`) before the caller's
change, then moves the case to the table's next status and writes the audit event, all
in the caller's transaction. The decisions, outcome, check, notification, closing and
review services all go through it, so no status is set anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from .. import workflow
from ..store import tables as t
from .base import Actor, RuleViolation, audit, check_version, now
from .case_records import (
    case_facts,
    case_state,
    decisions_of,
    is_checker,
    latest_outcome,
    lock_case,
    open_review_of,
    panel_member_ids,
    touch_case,
)


def facts_in(session: Session, row: t.Case, outcome: bool = False) -> workflow.CaseFacts:
    """The case's facts for the workflow table, read in the session; with ``outcome``,
    also who sat on, recorded and decided its latest outcome (for the check)."""
    request = open_review_of(session, row)
    facts = case_facts(row, request.id if request else None)
    if not outcome:
        return facts
    latest = latest_outcome(session, row.id)
    if latest is None:
        return facts
    return workflow.CaseFacts(
        facts.id,
        facts.kind,
        facts.status,
        facts.notified_on,
        facts.open_review,
        frozenset(panel_member_ids(session, latest.panel_id)),
        latest.recorded_by,
        tuple((n, d.updated_by) for n, d in sorted(decisions_of(session, row.id).items())),
    )


@dataclass
class CaseChange:
    """A change to a case under way (see :func:`change_case`): the caller fills in the
    check's ``choice``, what the audit event adds (``after``) and, for an event about
    another record (a review request), ``entity`` and ``entity_id``."""

    row: t.Case
    action: workflow.Action
    before: dict[str, Any]
    state: Callable[[t.Case], dict[str, Any]]
    choice: str | None = None
    after: dict[str, Any] = field(default_factory=dict)
    entity: str = "case"
    entity_id: int | None = None


@contextmanager
def change_case(
    session: Session,
    actor: Actor,
    case_id: int,
    action: str,
    version: int | None,
    *,
    choice: str | None = None,
    state: Callable[[t.Case], dict[str, Any]] = case_state,
    before: dict[str, Any] | None = None,
    row: t.Case | None = None,
) -> Iterator[CaseChange]:
    """Every change to a case's workflow goes through here, in the caller's transaction:
    lock the case (or take the caller's locked ``row``), check the role, the version and
    the workflow table (kind, status, guards, the actor's independence), let the caller
    make its change, then move the case to the table's next status, stamp it and write
    the action's audit event with the case before and after. A refusal changes nothing."""
    spec = workflow.action(action)
    actor.require(spec.permission)
    row = row if row is not None else lock_case(session, actor, case_id)
    change = CaseChange(row, spec, {**state(row), **(before or {})}, state, choice)
    check_version(row, version, "case")
    facts = facts_in(session, row, outcome=bool(spec.actor_guard))
    who = workflow.Who(actor.user_id, actor.role, is_checker(session, actor.user_id))
    refused = workflow.refusal(spec.name, facts, who)
    if refused is not None:
        raise RuleViolation(refused.reason, refused.field)
    yield change
    target = workflow.next_status(spec.name, row.status, change.choice)
    row.status = target
    if target == workflow.CLOSED and row.closed_at is None:
        row.closed_at = now()
    touch_case(row)
    audit(
        session,
        actor,
        spec.event,
        change.entity,
        change.entity_id if change.entity_id is not None else row.id,
        change.before,
        {**state(row), **change.after},
    )
