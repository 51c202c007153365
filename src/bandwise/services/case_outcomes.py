"""The panel outcome and what follows it: record the outcome, the consistency check
(approve, or return to the panel with reasons), the notification, closing the case.

Rules: every factor decided at one level; a panel with a management and a staff-side
member (accounts with a side, whatever their role but viewer, their sides from the user
records in the same organisation; guests recorded by name, side and organisation count
too); a review case's panel mostly new (guests compared by name and organisation); the
panel's rationale at most :data:`MAX_RATIONALE` characters; the checker is a consistency
checker and independent (did not sit on the panel, record the outcome or make a factor
decision: :func:`.case_records.check_refusal`); notification only after approval; each
change checks the case version and status and writes one audit event. Call these
through :mod:`.cases`, which re-exports them.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import workflow
from ..scheme.loader import load_scheme
from ..scheme.matching import HYBRID, MATCH_WITH_VARIATION, PROFILE_MATCH, MatchResult
from ..scheme.scoring import ABOVE_TABLE
from ..store import tables as t
from .base import Actor, Database, InvalidInput, RuleViolation, now
from .case_changes import change_case
from .case_records import (
    LONDON_NOON,
    CaseDetail,
    compute,
    detail,
    latest_outcome,
    notified_date,
    panel_member_ids,
    uk_time,
)
from .fields import check_date, check_line
from .suites import library_in

EVALUATED = "evaluated"  # the verdict recorded for a local evaluation
MAX_RATIONALE = 4_000  # characters of the panel's rationale kept (as evidence)


@dataclass(frozen=True, slots=True)
class Guest:
    """A panel member without an account (a staff-side representative from outside the
    JE team, say): recorded by name, side and organisation ("" when not given)."""

    name: str
    side: str
    organisation: str = ""


def guest_key(name: str, organisation: str) -> tuple[str, str]:
    """Who a guest is, for comparing panels: name and organisation, case and spacing
    ignored ("ann  JONES", "unison" is "Ann Jones", "UNISON")."""

    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).casefold().split())

    return norm(name), norm(organisation)


def _guests(guests: Sequence[Guest]) -> list[Guest]:
    clean = []
    for n, g in enumerate(guests, start=1):
        field = f"guests[{n}]"
        name = check_line(g.name, field, f"guest {n}'s name", 200)
        if g.side not in t.SIDES:
            raise InvalidInput(
                f"say which side {name} (guest) sits for: management or staff-side", field
            )
        organisation = check_line(
            g.organisation, field, f"{name}'s organisation", 200, required=False
        )
        clean.append(Guest(name, g.side, organisation))
    keys = [guest_key(g.name, g.organisation) for g in clean]
    for n, key in enumerate(keys):
        if key in keys[:n]:
            raise InvalidInput(f"{clean[n].name} (guest) is named twice", "guests")
    return clean


def _members(session: Session, actor: Actor, member_ids: Sequence[int]) -> list[t.User]:
    users = []
    for uid in member_ids:
        user = session.get(t.User, uid)
        if user is None or user.organisation_id != actor.organisation_id:
            raise InvalidInput(f"no user {uid} in this organisation", "members")
        if not user.active:
            raise RuleViolation(f"{user.name} is not an active user", "members")
        if user.role == "viewer":
            raise RuleViolation(
                f"{user.name} is a viewer; a viewer does not sit on panels", "members"
            )
        if user.side not in t.SIDES:
            raise RuleViolation(
                f"{user.name} has no side recorded (management or staff side); an "
                "administrator records their side before they sit on a panel",
                "members",
            )
        users.append(user)
    return users


def _check_sides(users: Sequence[t.User], guests: Sequence[Guest]) -> None:
    sides = {u.side for u in users} | {g.side for g in guests}
    missing = [s for s in t.SIDES if s not in sides]
    if missing:
        raise RuleViolation(
            "a panel needs at least one management and one staff-side member (guests "
            f"count); this panel has no {' and no '.join(missing)} member",
            "members",
        )


def _check_review_panel(
    session: Session, row: t.Case, users: list[t.User], guests: list[Guest]
) -> None:
    """A review panel: strictly more than half of its members (accounts and guests) did
    not sit on the panel whose outcome is being reviewed; a guest is the same guest when
    name and organisation agree (:func:`guest_key`)."""
    parent = session.get(t.Case, row.parent_case_id) if row.parent_case_id else None
    reviewed = latest_outcome(session, parent.id) if parent is not None else None
    panel_id = reviewed.panel_id if reviewed else None
    original = set(panel_member_ids(session, panel_id))
    original_guests = {
        guest_key(m.guest_name or "", m.guest_organisation or "")
        for m in session.scalars(
            select(t.PanelMember).where(
                t.PanelMember.panel_id == panel_id, t.PanelMember.user_id.is_(None)
            )
        )
    }
    repeat = [u.name for u in users if u.id in original] + [
        g.name for g in guests if guest_key(g.name, g.organisation) in original_guests
    ]
    size = len(users) + len(guests)
    if 2 * (size - len(repeat)) <= size:
        raise RuleViolation(
            f"most of a review panel must differ from the original panel: {len(repeat)} of "
            f"its {size} members ({', '.join(repeat)}) sat on the original panel; at most "
            f"{(size - 1) // 2} of {size} may",
            "members",
        )


def _member_record(user: t.User | None = None, guest: Guest | None = None) -> dict[str, Any]:
    """A panel member as the audit event names them."""
    if user is not None:
        return {"user_id": user.id, "name": user.name, "side": user.side}
    assert guest is not None
    return {"guest": guest.name, "organisation": guest.organisation, "side": guest.side}


def _band_text(bands: Sequence[str], above: bool = False) -> str:
    return " or ".join([*bands, *([ABOVE_TABLE] if above else [])])


def record_panel_outcome(
    db: Database,
    actor: Actor,
    case_id: int,
    version: int | None,
    sat_on: dt.date,
    member_ids: Sequence[int],
    guests: Sequence[Guest] = (),
    rationale: str = "",
) -> CaseDetail:
    """Record what the panel that sat on ``sat_on`` decided: the case's current decisions,
    with the panel's ``rationale`` (optional, at most :data:`MAX_RATIONALE` characters).

    Every factor must be decided at one level; the panel (accounts ``member_ids`` and
    ``guests`` without an account) needs a management and a staff-side member (an
    account's side from their user record); a review case's panel must be mostly new.
    A match that fails is not an outcome: change the decisions, or close the case and
    open a hybrid or evaluation case."""
    actor.require(workflow.action("record a panel outcome").permission)
    members = list(member_ids)
    visitors = _guests(guests)
    if not members and not visitors:
        raise InvalidInput("name the panel members", "members")
    if len(set(members)) != len(members):
        raise InvalidInput("a panel member is named twice", "members")
    rationale = rationale.strip()
    if len(rationale) > MAX_RATIONALE:
        raise InvalidInput(
            f"the panel's rationale is {len(rationale):,} characters long; at most "
            f"{MAX_RATIONALE:,} are kept: shorten it",
            "rationale",
        )
    check_date(sat_on, "sat_on")
    if sat_on > dt.date.today():
        raise InvalidInput(
            f"the panel cannot have sat in the future ({sat_on.isoformat()})", "sat_on"
        )
    with db.transaction() as session:
        with change_case(session, actor, case_id, "record a panel outcome", version) as change:
            row = change.row
            library = library_in(session, actor.organisation_id)
            preview = compute(session, row, library)
            if preview.missing or preview.undecided:
                parts = []
                if preview.missing:
                    parts.append(f"no decision on factor(s) {', '.join(map(str, preview.missing))}")
                if preview.undecided:
                    parts.append(
                        "a range on factor(s) "
                        + ", ".join(f"{n} ({preview.levels[n - 1]})" for n in preview.undecided)
                    )
                raise RuleViolation(
                    "cannot record the outcome: "
                    + "; ".join(parts)
                    + ". The panel must decide one level on every factor",
                    "levels",
                )
            users = _members(session, actor, members)
            _check_sides(users, visitors)
            if row.kind == "review":
                _check_review_panel(session, row, users, visitors)
            result = preview.result
            assert result is not None and preview.json is not None
            if isinstance(result, MatchResult):
                allowed = (PROFILE_MATCH, MATCH_WITH_VARIATION, HYBRID)
                if result.verdict not in allowed:
                    reasons = "; ".join(b.message for b in result.broken_rules)
                    raise RuleViolation(
                        f"the job does not match profile {result.profile_id} ({result.verdict}: "
                        f"{reasons}); change the decisions, or close this case and match another "
                        "profile or evaluate the job",
                        "levels",
                    )
                verdict, band = result.verdict, _band_text(result.bands, result.above_table)
                suite_version = library.version_of(row.suite_id or "")
            else:
                verdict, band = EVALUATED, _band_text(result.band_labels)
                suite_version = None
            panel = t.Panel(organisation_id=row.organisation_id, case_id=row.id, sat_on=sat_on)
            session.add(panel)
            session.flush()
            for user in users:
                session.add(t.PanelMember(panel_id=panel.id, user_id=user.id, side=user.side))
            for guest in visitors:
                session.add(
                    t.PanelMember(
                        panel_id=panel.id,
                        user_id=None,
                        side=guest.side,
                        guest_name=guest.name,
                        guest_organisation=guest.organisation,
                    )
                )
            rules = result.rule_set
            outcome = t.Outcome(
                organisation_id=row.organisation_id,
                case_id=row.id,
                panel_id=panel.id,
                verdict=verdict,
                total_min=result.total[0],
                total_max=result.total[1],
                band=band,
                levels=list(preview.levels),
                profile_id=row.profile_id,
                suite_id=row.suite_id,
                suite_version=suite_version,
                scheme_edition=load_scheme().edition.id,
                rule_set_id=rules.id,
                rule_set_version=rules.version,
                explanation=preview.json,
                recorded_by=actor.user_id,
                recorded_at=now(),
                rationale=rationale,
            )
            session.add(outcome)
            session.flush()
            if suite_version is not None:
                row.suite_version = suite_version
            change.after = {
                "outcome_id": outcome.id,
                "panel_id": panel.id,
                "sat_on": sat_on.isoformat(),
                "members": [_member_record(user=u) for u in users]
                + [_member_record(guest=g) for g in visitors],
                "rationale": rationale,
                "verdict": verdict,
                "total": result.total[0],
                "band": band,
                "levels": list(preview.levels),
                "suite_id": row.suite_id,
                "suite_version": suite_version,
            }
        return detail(session, change.row)


# ---------------------------------------------------------------- check, notify, close


def consistency_check(
    db: Database, actor: Actor, case_id: int, version: int | None, decision: str, reasons: str = ""
) -> CaseDetail:
    """Approve the recorded outcome (confirmed) or return it to the panel with reasons
    (returned: decisions editable again, a new panel outcome needed). The checker must
    not have sat on the panel, recorded the outcome or made any of the factor decisions."""
    actor.require(workflow.action("record a consistency check").permission)
    reasons = reasons.strip()
    if decision not in ("approved", "returned"):
        raise InvalidInput("the decision is 'approved' or 'returned'", "decision")
    if decision == "returned" and not reasons:
        raise InvalidInput("say why the outcome is returned to the panel", "reasons")
    with db.transaction() as session:
        with change_case(
            session, actor, case_id, "record a consistency check", version, choice=decision
        ) as change:
            row = change.row
            outcome = latest_outcome(session, row.id)
            assert outcome is not None
            check = t.ConsistencyCheck(
                organisation_id=row.organisation_id,
                case_id=row.id,
                outcome_id=outcome.id,
                checker_id=actor.user_id,
                decision=decision,
                reasons=reasons,
                checked_at=now(),
            )
            session.add(check)
            session.flush()
            change.after = {
                "check_id": check.id,
                "outcome_id": outcome.id,
                "decision": decision,
                "reasons": reasons,
            }
        return detail(session, change.row)


def notify(
    db: Database,
    actor: Actor,
    case_id: int,
    version: int | None,
    notified_on: dt.date | None = None,
) -> CaseDetail:
    """Record that the confirmed outcome was notified (today, or on ``notified_on``);
    the status stays confirmed and the three-month review window starts."""
    actor.require(workflow.action("record the notification").permission)
    today = dt.date.today()
    check_date(notified_on, "notified_on")
    if notified_on is not None and notified_on > today:
        raise InvalidInput(
            f"the notification cannot be in the future ({notified_on})", "notified_on"
        )
    with db.transaction() as session:
        with change_case(
            session,
            actor,
            case_id,
            "record the notification",
            version,
            before={"notified_at": None},
        ) as change:
            row = change.row
            if notified_on is None:
                row.notified_at = now()
            else:
                row.notified_at = dt.datetime.combine(
                    notified_on, LONDON_NOON, uk_time()
                ).astimezone(dt.UTC)
            change.after = {
                "notified_at": row.notified_at.isoformat(),
                "notified_on": str(notified_date(row)),
            }
        return detail(session, change.row)


def close(
    db: Database, actor: Actor, case_id: int, version: int | None, reason: str = ""
) -> CaseDetail:
    """Close a confirmed case once its outcome is notified, or abandon a draft or returned
    case (with a reason, e.g. the job does not match the profile)."""
    actor.require(workflow.action("close the case").permission)
    reason = reason.strip()
    with db.transaction() as session:
        with change_case(session, actor, case_id, "close the case", version) as change:
            row = change.row
            if row.status in workflow.WITH_PANEL and not reason:
                raise InvalidInput(
                    f"say why the {row.status} case is closed without an outcome", "reason"
                )
            if reason:
                change.after = {"reason": reason}
        return detail(session, change.row)
