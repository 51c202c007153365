"""A case's audit trail: every change written to it, oldest first, with who made it and
what changed (before and after), a page at a time. The trail is append-only; this page
only reads it (:func:`bandwise.services.audit.case_trail`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...policy import policy
from ...services import accounts, audit, cases, jobs
from ...services.audit import AuditEventView
from ...services.suites import organisation_library
from ..auth import DB
from . import labels
from .deps import PageNumber, PageUser, RecordId
from .templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = policy().page_size("audit")

#: Readable labels for the event types a case's trail holds.
LABELS = {
    "case.opened": "Case opened",
    "case.decisions-changed": "Factor decisions changed",
    "case.outcome-recorded": "Panel outcome recorded",
    "case.checked": "Consistency check recorded",
    "case.notified": "Outcome notified",
    "case.closed": "Case closed",
    "review.requested": "Review requested",
    "review.decided": "Review decided",
    "review.withdrawn": "Review withdrawn",
    "suggestion.accepted": "Suggestion accepted",
    "suggestion.ignored": "Suggestion ignored",
    "letter.produced": "Letter produced",
    "letter.emailed": "Letter emailed",
    "letter.email-failed": "Letter not emailed (the mail server refused or could not be reached)",
}


def label(action: str) -> str:
    """``case.opened`` → ``Case opened``; an event type not listed is still readable."""
    if action in LABELS:
        return LABELS[action]
    words = action.replace(".", " ").replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


#: Fields whose values are codes or ids, with the field's name in words and how the value
#: reads (statuses, verdicts and kinds by their labels; profiles, suites, the rule set
#: and the scheme edition by their titles).
_CODED: dict[str, str] = {
    "profile_id": "profile",
    "suite_id": "suite",
    "rule_set_id": "rule set",
    "scheme_edition": "scheme edition",
}
_LABELLED = {
    "status": {**labels.CASE_STATUS_LABELS, **labels.REVIEW_STATUS_LABELS},
    "verdict": labels.VERDICT_LABELS,
    "kind": {
        **labels.CASE_KIND_LABELS,
        **labels.DOCUMENT_KIND_LABELS,
        **labels.LETTER_KIND_LABELS,
    },
    "side": labels.SIDE_LABELS,
    "role": labels.ROLE_LABELS,
}


def _in_words(
    key: str,
    value: Any,
    record: dict[str, Any],
    titles: labels.Titles | None,
    names: Mapping[int, str] | None = None,
) -> Any:
    """A coded value as a person reads it (also inside a list of records, such as a
    panel's members, whose user ids become names when ``names`` is given); anything
    else unchanged."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [
            {k: _in_words(k, v, item, titles, names) for k, v in item.items()} for item in value
        ]
    if key == "user_id" and names is not None and isinstance(value, int) and value in names:
        return names[value]
    if not isinstance(value, str) or not value:
        return value
    for name, mapping in _LABELLED.items():
        if key == name or key.endswith(f"_{name}"):
            return mapping.get(value, labels.words(value))
    if key == "rule_set_id":
        return labels.rule_set_title(value)
    if key == "scheme_edition":
        return labels.edition_title(value)
    if titles is not None and key == "profile_id":
        return titles.profile(value, record.get("suite_id"))
    if titles is not None and key == "suite_id":
        return titles.suite(value)
    return value


def _value(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "levels" in value:  # a factor decision
        evidence = value.get("evidence") or ""
        return f"level {value['levels']}" + (f" (evidence: {evidence})" if evidence else "")
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return "; ".join(_record(v) for v in value)
    if isinstance(value, list) and all(isinstance(v, (str, int)) for v in value):
        return ", ".join(str(v) for v in value) or "none"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _record(item: dict[str, Any]) -> str:
    """One record of a list (a panel member: ``Sam Steward (staff side)``, a guest:
    ``Ann Jones (staff side, guest from UNISON)``) as text."""
    if set(item) in ({"user_id", "side"}, {"user_id", "name", "side"}):
        who = item.get("name") or item["user_id"]
        return f"{who if isinstance(who, str) else f'user {who}'} ({item['side']})"
    if set(item) == {"guest", "organisation", "side"}:
        where = f" from {item['organisation']}" if item["organisation"] else ""
        return f"{item['guest']} ({item['side']}, guest{where})"
    return ", ".join(f"{k.replace('_', ' ')} {_value(v)}" for k, v in sorted(item.items()))


#: Fields kept for the API and scripts but not shown: a letter is named by its kind,
#: recipient and date on the page, never by its number.
_UNSHOWN = frozenset({"letter_id"})


def _order(key: str) -> tuple[int, str]:
    return (int(key), "") if key.isdigit() else (10**6, key)


def _flatten(values: dict[str, Any]) -> dict[str, Any]:
    """Nested records one level down: ``decisions: {"3": ...}`` reads as ``factor 3``."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict) and key in ("decisions", "decision_changes"):
            for sub in sorted(value, key=_order):
                out[f"factor {sub}" if sub.isdigit() else f"{key} {sub}"] = value[sub]
        else:
            out[key] = value
    return out


def changes(
    event: AuditEventView,
    titles: labels.Titles | None = None,
    names: Mapping[int, str] | None = None,
) -> list[dict[str, str | None]]:
    """One row per field that is new or different: its name, before and after (text),
    codes and ids in words (profile and suite titles when ``titles`` is given)."""
    before, after = _flatten(event.before or {}), _flatten(event.after or {})
    before = {k: _in_words(k, v, before, titles, names) for k, v in before.items()}
    after = {k: _in_words(k, v, after, titles, names) for k, v in after.items()}
    rows: list[dict[str, str | None]] = []
    for key in [*before, *(k for k in after if k not in before)]:
        if key in _UNSHOWN:
            continue
        old, new = before.get(key), after.get(key)
        if key in before and key in after and old == new:
            continue
        rows.append(
            {
                "field": _CODED.get(key, key.replace("_", " ")),
                "before": _value(old) if key in before else None,
                "after": _value(new) if key in after else None,
            }
        )
    return rows


@router.get("/cases/{case_id}/audit")
def case_audit(
    case_id: RecordId, user: PageUser, request: Request, db: DB, page: PageNumber = 1
) -> Response:
    case = cases.get_case(db, user.actor, case_id).case
    job_title = jobs.get_job(db, user.actor, case.job_id).title
    trail = audit.case_trail(db, user.actor, case.id, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    pages = max(1, -(-trail.total // PAGE_SIZE))
    names = accounts.user_names(db, user.actor)
    titles = labels.Titles(lambda: organisation_library(db, user.actor.organisation_id))
    events = [
        {
            "event": e,
            "label": label(e.action),
            "who": names.get(e.user_id, "A person no longer listed") if e.user_id else "The system",
            "changes": changes(e, titles, names),
        }
        for e in trail.items
    ]
    return render(
        request,
        "audit/case.html",
        {
            "case": case,
            "job_title": job_title,
            "events": events,
            "page": page,
            "first": (page - 1) * PAGE_SIZE + 1,
            "pages": pages,
            "total": trail.total,
            "breadcrumbs": [
                {"href": "/cases", "text": "Cases"},
                {"href": f"/cases/{case.id}", "text": labels.case_name(case.kind, job_title)},
                {"href": f"/cases/{case.id}/audit", "text": "Audit trail"},
            ],
        },
        principal=user,
    )
