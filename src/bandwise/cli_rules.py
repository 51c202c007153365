"""``bandwise rules``: the organisation's matching rule set from the command line.

    bandwise rules show [--json]                      the rule set in force and its versions
    bandwise rules import FILE --reason TEXT          a rule set file as a new local version

They use the data folder's database (or ``BANDWISE_DATABASE_URL``) and its organisation
(``--organisation SLUG`` when it holds several), and act for the organisation's first
active administrator, as the other record commands do. ``import`` writes through the
same service as the admin page (services/rule_sets.py): the file is read by the strict
loader, every setting that differs from the built-in default takes ``--reason`` as its
reason (and the file's reliability), and the version is put in force unless
``--not-in-force``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from .cli_common import JsonOpt, console, print_json, printable
from .cli_records import OrganisationOpt, _open
from .errors import UsageError

if TYPE_CHECKING:
    from .scheme.rules import RuleSet
    from .services.rule_sets import VersionView

rules_app = typer.Typer(
    help="The organisation's matching rule set: show it, import a rule set file as a version.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _say(text: str) -> None:
    console().print(printable(text, keep="\n"), markup=False, highlight=False, soft_wrap=True)


def _plain(value: Any) -> Any:
    return sorted(value) if isinstance(value, frozenset) else value


def _rules_json(rules: RuleSet, reasons: dict[str, str]) -> dict[str, Any]:
    return {
        "id": rules.id,
        "version": rules.version,
        "title": rules.title,
        "settings": [
            {
                "name": s.name,
                "value": _plain(s.value),
                "reliability": s.reliability,
                "provenance": s.provenance,
                "reason": reasons.get(s.name),
            }
            for s in rules.settings
        ],
    }


def _version_json(v: VersionView) -> dict[str, Any]:
    return {
        "rule_set": {"id": v.rule_set_id, "version": v.version},
        "in_force": v.in_force,
        "created_by": v.created_by,
        "created_at": v.created_at.isoformat() if v.created_at else None,
        "changes": [
            {"name": c.name, "default": _plain(c.default), "value": _plain(c.value)}
            for c in v.changes
        ],
        "reasons": v.reasons,
    }


@rules_app.command("show")
def show_cmd(organisation: str | None = OrganisationOpt, json_: bool = JsonOpt) -> None:
    """The rule set in force (every setting with its value, reliability and provenance)
    and the versions of the organisation's local rule set."""
    from .services import rule_sets

    db, actor = _open(organisation)
    try:
        current = rule_sets.current(db, actor)
        versions = rule_sets.versions(db, actor)
    finally:
        db.engine.dispose()
    reasons = current.local.reasons if current.local else {}
    if json_:
        print_json(
            {
                "is_default": current.is_default,
                "rule_set": _rules_json(current.rules, reasons),
                "versions": [_version_json(v) for v in versions],
            }
        )
        return
    rules = current.rules
    which = "the built-in default" if current.is_default else "the organisation's local rules"
    _say(f"In force: {rules.title}, version {rules.version} ({which}; id {rules.id}).")
    for s in rules.settings:
        value = rule_sets.shown_value(s.value)
        _say(f"  {s.name} = {value} [{s.reliability}]: {s.provenance}")
    if versions:
        _say("Versions (newest first):")
    for v in versions:
        mark = " (in force)" if v.in_force else ""
        when = v.created_at.date().isoformat() if v.created_at else "?"
        changed = ", ".join(c.name for c in v.changes) or "none changed from the default"
        _say(f"  version {v.version}{mark}: {v.created_by}, {when}; {changed}")


@rules_app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., help="A matching rule set YAML (the format of --rules)."),
    reason: str = typer.Option(
        "",
        "--reason",
        help="Why: recorded as the reason for every setting the file sets other than the "
        "default (required when any does).",
    ),
    not_in_force: bool = typer.Option(
        False, "--not-in-force", help="Save the version without putting it in force."
    ),
    organisation: str | None = OrganisationOpt,
    json_: bool = JsonOpt,
) -> None:
    """Write a rule set file's settings as a new version of the organisation's local rule
    set (put in force unless --not-in-force); its id and title are the local set's."""
    from .errors import ServiceError
    from .scheme.rules import load_rule_set_from
    from .services import rule_sets
    from .services.rule_sets import SettingInput

    given = load_rule_set_from(file)
    settings = {
        s.name: SettingInput(_plain(s.value), reason, s.reliability) for s in given.settings
    }
    db, actor = _open(organisation)
    try:
        try:
            view = rule_sets.create_version(db, actor, settings, in_force=not not_in_force)
        except ServiceError as exc:
            setting = (exc.field or "").split(".")[0]
            if exc.field and exc.field.endswith(".reason"):
                raise UsageError(f"{exc.message}: give --reason") from exc
            raise UsageError(f"{setting}: {exc.message}" if setting else exc.message) from exc
    finally:
        db.engine.dispose()
    if json_:
        print_json(_version_json(view))
        return
    state = "in force" if view.in_force else "saved, not in force"
    changed = ", ".join(c.name for c in view.changes) or "none changed from the default"
    _say(f"Local matching rules, version {view.version} ({state}): {changed}.")


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")
