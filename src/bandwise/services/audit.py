"""Reading the audit trail: the events of one case, in the order they were written.

A case's trail is its own events (opened, decisions, panel outcome, check, notification,
closing: entity ``case``) and the events of the review requests made against it or
that opened it as a review case (entity ``review_request``). Only the actor's
organisation's events are read; another organisation's case is NotFound.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select

from ..policy import policy
from ..store import tables as t
from .base import Actor, Database, InvalidInput, get_owned
from .case_records import utc
from .jobs import Page


@dataclass(frozen=True, slots=True)
class AuditEventView:
    id: int
    at: dt.datetime | None
    user_id: int | None
    action: str
    entity: str
    entity_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @classmethod
    def of(cls, r: t.AuditEvent) -> AuditEventView:
        return cls(r.id, utc(r.at), r.user_id, r.action, r.entity, r.entity_id, r.before, r.after)


def case_trail(
    db: Database, actor: Actor, case_id: int, offset: int = 0, limit: int = 100
) -> Page[AuditEventView]:
    """The case's audit events, oldest first, ``limit`` at a time from ``offset``."""
    actor.require("read")
    most = policy().page_size("list_limit")
    if not 1 <= limit <= most or offset < 0:
        raise InvalidInput(f"limit is 1 to {most} and offset at least 0", "limit")
    with db.reading() as session:
        case = get_owned(session, t.Case, case_id, actor, "case")
        requests = select(t.ReviewRequest.id).where(
            t.ReviewRequest.organisation_id == actor.organisation_id,
            or_(t.ReviewRequest.case_id == case.id, t.ReviewRequest.review_case_id == case.id),
        )
        query = select(t.AuditEvent).where(
            t.AuditEvent.organisation_id == actor.organisation_id,
            or_(
                and_(t.AuditEvent.entity == "case", t.AuditEvent.entity_id == case.id),
                and_(
                    t.AuditEvent.entity == "review_request",
                    t.AuditEvent.entity_id.in_(requests.scalar_subquery()),
                ),
            ),
        )
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(query.order_by(t.AuditEvent.id).offset(offset).limit(limit))
        return Page(tuple(AuditEventView.of(r) for r in rows), total, offset, limit)
