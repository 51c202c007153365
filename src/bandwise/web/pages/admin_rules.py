"""The organisation's matching rule set (administrators: ``manage-rules``; anyone else
gets 403): the rule set in force with every setting's value, reliability and provenance,
the form that writes a new version (a reason for every setting that differs from the
default, shown on its field when missing), the version history (who, when, what changed
and why), putting a version in force and going back to the built-in default.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from ...scheme.loader import load_scheme
from ...scheme.rules import SETTING_NAMES, RuleSet, default_rule_set
from ...services import rule_sets
from ...services.base import Conflict, Database, InvalidInput
from ...services.rule_sets import SETTING_LABELS, SettingInput, VersionView
from ..auth import DB
from .deps import PageUser, field_int, field_text, redirect
from .templating import render

router = APIRouter(include_in_schema=False)

RELIABILITY = {"V": "verified", "C": "corroborated", "U": "unverified"}
RuleSetId = Annotated[str, PathParam(max_length=100, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
Version = Annotated[int, PathParam(ge=1, le=2_000_000_000)]
BREADCRUMBS = [{"href": "/admin", "text": "Admin"}]
SAVED = {
    "created": "The new version is saved.",
    "in-force": "The new version is saved and in force: new outcomes record it.",
    "put": "That version is in force: new outcomes record it.",
    "default": "The built-in default rule set is in force again.",
}


def _manager(user: PageUser) -> None:
    user.actor.require("manage-rules")


def _kind(name: str) -> str:
    value = default_rule_set().setting(name).value
    if isinstance(value, bool):
        return "yes-no"
    if isinstance(value, (frozenset, list, set, tuple)):
        return "factors"
    return "number"


def _typed(value: Any) -> str:
    """A value as the form's box holds it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (frozenset, list, set, tuple)):
        return ", ".join(str(v) for v in sorted(value))
    return str(value)


def _settings(rules: RuleSet, reasons: dict[str, str]) -> list[dict[str, Any]]:
    default = default_rule_set()
    return [
        {
            "name": s.name,
            "meaning": SETTING_LABELS.get(s.name, s.name.replace("_", " ")),
            "value": rule_sets.shown_value(s.value),
            "default": rule_sets.shown_value(default.setting(s.name).value),
            "changed": s.value != default.setting(s.name).value,
            "reliability": s.reliability,
            "reliability_text": RELIABILITY.get(s.reliability, s.reliability),
            "provenance": s.provenance,
            "reason": reasons.get(s.name, ""),
        }
        for s in rules.settings
    ]


def _history(versions: list[VersionView]) -> list[dict[str, Any]]:
    return [
        {
            "view": v,
            "changes": [
                {
                    "meaning": SETTING_LABELS.get(c.name, c.name),
                    "default": rule_sets.shown_value(c.default),
                    "value": rule_sets.shown_value(c.value),
                    "reason": c.reason,
                }
                for c in v.changes
            ],
        }
        for v in versions
    ]


@router.get("/admin/rules")
def rules_page(user: PageUser, request: Request, db: DB) -> Response:
    _manager(user)
    current = rule_sets.current(db, user.actor)
    versions = rule_sets.versions(db, user.actor)
    local = current.local
    return render(
        request,
        "admin/rules.html",
        {
            "current": current,
            "rules": current.rules,
            "settings": _settings(current.rules, local.reasons if local else {}),
            "history": _history(versions),
            "edition": load_scheme().edition,
            "saved": SAVED.get(request.query_params.get("saved", "")),
            "breadcrumbs": BREADCRUMBS,
        },
        principal=user,
    )


def _form(
    request: Request,
    user: PageUser,
    db: Database,
    values: dict[str, dict[str, str]],
    based_on: int,
    in_force: bool,
    errors: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    current = rule_sets.current(db, user.actor)
    default = default_rule_set()
    rows = []
    for name in SETTING_NAMES:
        kept = current.rules.setting(name)
        rows.append(
            {
                "name": name,
                "meaning": SETTING_LABELS.get(name, name),
                "kind": _kind(name),
                "value": values[name]["value"],
                "reason": values[name]["reason"],
                "reliability": values[name]["reliability"],
                "default": rule_sets.shown_value(default.setting(name).value),
                "default_provenance": default.setting(name).provenance,
                "in_force_value": rule_sets.shown_value(kept.value),
            }
        )
    by_field = {e["href"][1:]: e["text"] for e in errors or []}
    return render(
        request,
        "admin/rules_edit.html",
        {
            "current": current,
            "rows": rows,
            "based_on": based_on,
            "in_force": in_force,
            "errors": errors or [],
            "by_field": by_field,
            "reliability": RELIABILITY,
            "breadcrumbs": [*BREADCRUMBS, {"href": "/admin/rules", "text": "Matching rule set"}],
        },
        principal=user,
        status_code=status_code,
    )


@router.get("/admin/rules/edit")
def edit_rules(user: PageUser, request: Request, db: DB) -> Response:
    _manager(user)
    current = rule_sets.current(db, user.actor)
    reasons = current.local.reasons if current.local else {}
    values = {
        s.name: {
            "value": _typed(s.value),
            "reason": reasons.get(s.name, ""),
            "reliability": s.reliability if s.name in reasons else "U",
        }
        for s in current.rules.settings
    }
    versions = rule_sets.versions(db, user.actor)
    latest = max((v.version for v in versions), default=0)
    return _form(request, user, db, values, latest, True)


@router.post("/admin/rules/edit")
async def save_rules(user: PageUser, request: Request, db: DB) -> Response:
    _manager(user)
    form = await request.form()
    return await run_in_threadpool(_save_rules, user, request, db, form)


def _anchor(field: str | None) -> str:
    """``max_varied_factors.reason`` → ``#max_varied_factors-reason``: the control's id."""
    if not field:
        return "#maincontent"
    name, _, part = field.partition(".")
    return f"#{name}" if part in ("", "value") else f"#{name}-{part}"


def _error(exc: InvalidInput | Conflict) -> dict[str, str]:
    text = exc.message[:1].upper() + exc.message[1:]
    return {"text": text, "href": _anchor(exc.field)}


def _save_rules(user: PageUser, request: Request, db: Database, form: FormData) -> Response:
    values = {
        name: {
            "value": field_text(form, name),
            "reason": field_text(form, f"{name}-reason"),
            "reliability": field_text(form, f"{name}-reliability") or "U",
        }
        for name in SETTING_NAMES
    }
    based_on = field_int(form, "based_on")
    in_force = field_text(form, "in_force") == "yes"
    errors: list[dict[str, str]] = []
    settings: dict[str, SettingInput] = {}
    for name, given in values.items():
        try:
            value = rule_sets.parse_value(name, given["value"])
        except InvalidInput as exc:
            errors.append(_error(exc))
            continue
        settings[name] = SettingInput(value, given["reason"], given["reliability"])
    errors += [_error(p) for p in rule_sets.problems(db, user.actor, settings)]
    if not errors:
        try:
            view = rule_sets.create_version(
                db, user.actor, settings, based_on=based_on, in_force=in_force
            )
        except Conflict as exc:
            errors.append({"text": _error(exc)["text"], "href": "#maincontent"})
            latest = max((v.version for v in rule_sets.versions(db, user.actor)), default=0)
            return _form(request, user, db, values, latest, in_force, errors, 409)
        except InvalidInput as exc:
            errors.append(_error(exc))
        else:
            return redirect(f"/admin/rules?saved={'in-force' if view.in_force else 'created'}")
    return _form(request, user, db, values, based_on or 0, in_force, errors, 422)


@router.post("/admin/rules/{rule_set_id}/{version}/in-force")
def put_in_force(
    rule_set_id: RuleSetId, version: Version, user: PageUser, request: Request, db: DB
) -> Response:
    _manager(user)
    rule_sets.put_in_force(db, user.actor, rule_set_id, version)
    return redirect("/admin/rules?saved=put")


@router.post("/admin/rules/default")
def return_to_default(user: PageUser, request: Request, db: DB) -> Response:
    _manager(user)
    rule_sets.return_to_default(db, user.actor)
    return redirect("/admin/rules?saved=default")
