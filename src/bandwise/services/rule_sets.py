"""The organisation's local matching rule sets, stored in the database and versioned.

An administrator (the ``manage-rules`` permission) writes a new version from the six
settings of :mod:`bandwise.scheme.rules`; every setting whose value differs from the
built-in default needs a reason, which is stored with the version and becomes the
setting's provenance ("Local convention (set by Jane Smith on 3 December 2026): …"),
with reliability U unless the administrator gives another. A version is validated by the
same strict loader as a rule set file, is never edited afterwards, and may be put in
force; at most one version is in force per organisation, and with none the built-in
default applies. :func:`rule_set_in_force` is what every outcome, match, consistency
report and rematch of the organisation uses.

Audit events (entity ``rule-set``): ``rule-set.created`` (the version, what changed and
the reasons), ``rule-set.put-in-force`` and ``rule-set.default-restored`` (before and
after: the rule set id and version in force, or the default).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..clock import uk_date, uk_day
from ..errors import SchemeDataError
from ..scheme.rules import (
    LOCAL_PREFIX,
    LOCAL_TITLE,
    SETTING_NAMES,
    RuleSet,
    default_rule_set,
    load_rule_set_data,
    load_rule_set_text,
    rule_set_data,
    rule_set_yaml,
)
from ..store import tables as t
from ..store.organisation_tables import LocalRuleSet
from .base import (
    Actor,
    Conflict,
    Database,
    InvalidInput,
    NotFound,
    audit,
    lock_organisation,
    now,
)

#: What each setting means, in the words of docs/matching-rules.md.
SETTING_LABELS = {
    "max_levels_per_variation": "How many levels a varied factor may differ from the profile",
    "max_varied_factors": "How many factors may vary in a match",
    "protected_factors": "Factors that must match the profile exactly",
    "total_within_profile_bands": "The job's total must fall within the profile's bands",
    "hybrid_max_failed_factors": "How many factors may fail for hybrid matching/evaluation",
    "boundary_margin": "Points from a band boundary that flag a total for a second look",
}

#: The longest reason kept for a setting.
REASON_MOST = 2000
RELIABILITIES = ("V", "C", "U")


@dataclass(frozen=True, slots=True)
class SettingChange:
    """One setting of a version that differs from the built-in default."""

    name: str
    default: Any
    value: Any
    reason: str


@dataclass(frozen=True, slots=True)
class VersionView:
    """One stored version of the organisation's local rule set."""

    rule_set_id: str
    version: int
    title: str
    in_force: bool
    created_by: str
    created_at: dt.datetime | None
    rules: RuleSet
    reasons: dict[str, str]
    changes: tuple[SettingChange, ...]


@dataclass(frozen=True, slots=True)
class Current:
    """The rule set in force: a local version (``local``) or the built-in default."""

    rules: RuleSet
    local: VersionView | None
    default: RuleSet

    @property
    def is_default(self) -> bool:
        return self.local is None


@dataclass(frozen=True, slots=True)
class SettingInput:
    """What an administrator asks for one setting: its value, and when it differs from
    the default, the reason (and optionally the reliability, U when not given)."""

    value: Any
    reason: str = ""
    reliability: str | None = None


# ---------------------------------------------------------------- reading


@functools.lru_cache(maxsize=64)
def _parse(content: str, source: str) -> RuleSet:
    return load_rule_set_text(content, source)


def _source(row: LocalRuleSet) -> str:
    return f"{LOCAL_TITLE.lower()}, version {row.version}"


def _rules_of(row: LocalRuleSet) -> RuleSet:
    return _parse(row.content, _source(row))


def _in_force_row(session: Session, organisation_id: int) -> LocalRuleSet | None:
    return session.scalar(
        select(LocalRuleSet).where(
            LocalRuleSet.organisation_id == organisation_id, LocalRuleSet.in_force.is_(True)
        )
    )


def rule_set_in_force(session: Session, organisation_id: int) -> RuleSet:
    """The organisation's rule set in force: its local version in force, or the default."""
    row = _in_force_row(session, organisation_id)
    return default_rule_set() if row is None else _rules_of(row)


def rules_in_force(db: Database, actor: Actor) -> RuleSet:
    """The rule set the actor's organisation applies (for a match or an evaluation)."""
    actor.require("read")
    with db.reading() as session:
        return rule_set_in_force(session, actor.organisation_id)


def changes_of(rules: RuleSet, reasons: Mapping[str, str]) -> tuple[SettingChange, ...]:
    """The settings of ``rules`` that differ from the built-in default, with the reasons."""
    default = default_rule_set()
    return tuple(
        SettingChange(s.name, default.setting(s.name).value, s.value, reasons.get(s.name, ""))
        for s in rules.settings
        if s.value != default.setting(s.name).value
    )


def _view(row: LocalRuleSet, names: Mapping[int, str]) -> VersionView:
    rules = _rules_of(row)
    reasons = {str(k): str(v) for k, v in (row.reasons or {}).items()}
    return VersionView(
        rule_set_id=row.rule_set_id,
        version=row.version,
        title=rules.title,
        in_force=row.in_force,
        created_by=names.get(row.created_by, "a former user"),
        created_at=row.created_at,
        rules=rules,
        reasons=reasons,
        changes=changes_of(rules, reasons),
    )


def _names(session: Session, organisation_id: int) -> dict[int, str]:
    rows = session.execute(
        select(t.User.id, t.User.name).where(t.User.organisation_id == organisation_id)
    )
    return {uid: name for uid, name in rows}


def versions(db: Database, actor: Actor) -> list[VersionView]:
    """Every version of the organisation's local rule set, newest first."""
    actor.require("read")
    with db.reading() as session:
        rows = session.scalars(
            select(LocalRuleSet)
            .where(LocalRuleSet.organisation_id == actor.organisation_id)
            .order_by(LocalRuleSet.version.desc(), LocalRuleSet.id.desc())
        ).all()
        names = _names(session, actor.organisation_id)
        return [_view(r, names) for r in rows]


def current(db: Database, actor: Actor) -> Current:
    """The rule set in force for the actor's organisation."""
    actor.require("read")
    with db.reading() as session:
        row = _in_force_row(session, actor.organisation_id)
        default = default_rule_set()
        if row is None:
            return Current(default, None, default)
        view = _view(row, _names(session, actor.organisation_id))
        return Current(view.rules, view, default)


def get_version(db: Database, actor: Actor, rule_set_id: str, version: int) -> VersionView:
    actor.require("read")
    with db.reading() as session:
        row = _row(session, actor, rule_set_id, version)
        return _view(row, _names(session, actor.organisation_id))


def _row(session: Session, actor: Actor, rule_set_id: str, version: int) -> LocalRuleSet:
    row = session.scalar(
        select(LocalRuleSet).where(
            LocalRuleSet.organisation_id == actor.organisation_id,
            LocalRuleSet.rule_set_id == rule_set_id,
            LocalRuleSet.version == version,
        )
    )
    if row is None:
        raise NotFound(f"no rule set {rule_set_id!r} version {version}")
    return row


# ---------------------------------------------------------------- writing


def _reliability(name: str, given: str | None) -> str:
    value = (given or "U").strip().upper()
    if value not in RELIABILITIES:
        raise InvalidInput(
            "reliability is V (verified), C (corroborated) or U (unverified)",
            f"{name}.reliability",
        )
    return value


def _reason(name: str, text: str) -> str:
    reason = " ".join((text or "").split())
    if len(reason) > REASON_MOST:
        raise InvalidInput(f"a reason has at most {REASON_MOST} characters", f"{name}.reason")
    return reason


def _same(a: Any, b: Any) -> bool:
    norm = (frozenset, set, list, tuple)
    if isinstance(a, norm) or isinstance(b, norm):
        try:
            return sorted(a) == sorted(b)
        except TypeError:
            return False
    return type(a) is type(b) and bool(a == b)


def create_version(
    db: Database,
    actor: Actor,
    settings: Mapping[str, SettingInput],
    *,
    based_on: int | None = None,
    in_force: bool = True,
) -> VersionView:
    """A new version of the organisation's local rule set from ``settings`` (a setting
    not given keeps its value in the version in force, or the default's).

    A value that differs from the default needs a reason (``InvalidInput`` on the field
    ``<setting>.reason``), unless the version in force already has that value with a
    reason, which is kept. ``based_on`` is the latest version the administrator saw
    (0: none yet; None: no check): if another version was written since, Conflict.
    With ``in_force`` the new version is put in force at once."""
    actor.require("manage-rules")
    unknown = sorted(set(settings) - set(SETTING_NAMES))
    if unknown:
        raise InvalidInput(
            f"no setting {unknown[0]!r}; the settings are {', '.join(SETTING_NAMES)}",
            unknown[0],
        )
    default = default_rule_set()
    with db.transaction() as session:
        lock_organisation(session, actor.organisation_id)
        org = session.get(t.Organisation, actor.organisation_id)
        if org is None:
            raise NotFound("no organisation")
        latest = session.scalar(
            select(func.max(LocalRuleSet.version)).where(
                LocalRuleSet.organisation_id == actor.organisation_id
            )
        )
        latest = latest or 0
        if based_on is not None and based_on != latest:
            raise Conflict(
                f"another administrator saved version {latest} of the local rule set since "
                f"you opened it (you had {based_on or 'none'}); reload it and make your "
                "change again",
                "version",
            )
        in_force_row = _in_force_row(session, actor.organisation_id)
        base = default if in_force_row is None else _rules_of(in_force_row)
        base_reasons = {} if in_force_row is None else dict(in_force_row.reasons or {})
        user = session.get(t.User, actor.user_id)
        who = user.name if user is not None else (actor.name or "an administrator")
        data, reasons, found = _compose(settings, base, base_reasons, who)
        if found:
            raise found[0]
        version = latest + 1
        data["id"] = (LOCAL_PREFIX + org.slug)[:100]
        data["version"] = version
        data["title"] = LOCAL_TITLE
        data["effective_from"] = uk_day(now())
        source = f"{LOCAL_TITLE.lower()}, version {version}"
        try:
            rules = load_rule_set_data(data, source)
        except SchemeDataError as exc:
            raise InvalidInput(exc.message, _field(exc.key)) from exc
        row = LocalRuleSet(
            organisation_id=actor.organisation_id,
            rule_set_id=rules.id,
            version=version,
            content=rule_set_yaml(rules),
            reasons=reasons,
            in_force=False,
            created_by=actor.user_id,
            created_at=now(),
        )
        session.add(row)
        session.flush()
        changes = changes_of(rules, reasons)
        audit(
            session,
            actor,
            "rule-set.created",
            "rule-set",
            row.id,
            None,
            {
                "rule_set_id": row.rule_set_id,
                "version": version,
                "changes": {
                    c.name: {"from": _plain(c.default), "to": _plain(c.value)} for c in changes
                },
                "reasons": reasons,
            },
        )
        if in_force:
            _put_in_force(session, actor, row)
        return _view(row, {actor.user_id: who})


def _compose(
    settings: Mapping[str, SettingInput],
    base: RuleSet,
    base_reasons: Mapping[str, Any],
    who: str,
) -> tuple[dict[str, Any], dict[str, str], list[InvalidInput]]:
    """The new version's rule set data (still to be validated by the loader), the reasons
    kept with it, and every problem found (a missing reason, a bad reliability)."""
    default = default_rule_set()
    today = uk_date(uk_day(now()))
    data = rule_set_data(default)
    reasons: dict[str, str] = {}
    problems: list[InvalidInput] = []
    for name in SETTING_NAMES:
        given = settings.get(name)
        kept = base.setting(name)
        value = kept.value if given is None else given.value
        entry = data["settings"][name]
        if isinstance(value, (frozenset, set, tuple)):
            value = sorted(value)
        entry["value"] = value
        if _same(value, default.setting(name).value):
            continue  # the default: its own reliability and provenance
        try:
            reason = _reason(name, given.reason if given is not None else "")
            if not reason and _same(value, kept.value) and base_reasons.get(name):
                entry["reliability"] = kept.reliability
                entry["provenance"] = kept.provenance
                reasons[name] = str(base_reasons[name])
                continue
            if not reason:
                raise InvalidInput(
                    f"give a reason for changing {SETTING_LABELS[name].lower()} from the "
                    f"default ({_shown(default.setting(name).value)})",
                    f"{name}.reason",
                )
            entry["reliability"] = _reliability(name, given.reliability if given else None)
        except InvalidInput as exc:
            problems.append(exc)
            continue
        entry["provenance"] = f"Local convention (set by {who} on {today}): {reason}"
        reasons[name] = reason
    return data, reasons, problems


def problems(
    db: Database, actor: Actor, settings: Mapping[str, SettingInput]
) -> list[InvalidInput]:
    """Every reason missing (or reliability refused) in ``settings``, as
    :func:`create_version` would find them one at a time; nothing is written. A page
    shows them all at once, each on its field."""
    actor.require("read")
    with db.reading() as session:
        row = _in_force_row(session, actor.organisation_id)
        base = default_rule_set() if row is None else _rules_of(row)
        base_reasons = {} if row is None else dict(row.reasons or {})
    return _compose(settings, base, base_reasons, actor.name)[2]


def _field(key: str) -> str:
    """``settings.max_varied_factors.value`` → ``max_varied_factors.value``."""
    return key.removeprefix("settings.") or "settings"


def _plain(value: Any) -> Any:
    return sorted(value) if isinstance(value, (frozenset, set, tuple)) else value


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (frozenset, set, list, tuple)):
        return ", ".join(f"factor {v}" for v in sorted(value)) or "none"
    return str(value)


def _in_force_state(row: LocalRuleSet | None) -> dict[str, Any]:
    if row is None:
        rules = default_rule_set()
        return {"rule_set_id": rules.id, "version": rules.version, "default": True}
    return {"rule_set_id": row.rule_set_id, "version": row.version, "default": False}


def _put_in_force(session: Session, actor: Actor, row: LocalRuleSet) -> None:
    old = _in_force_row(session, actor.organisation_id)
    before = _in_force_state(old)
    if old is not None and old.id != row.id:
        session.execute(
            update(LocalRuleSet).where(LocalRuleSet.id == old.id).values(in_force=False)
        )
        session.flush()
        session.expire(old)
    row.in_force = True
    session.flush()
    audit(session, actor, "rule-set.put-in-force", "rule-set", row.id, before, _in_force_state(row))


def put_in_force(db: Database, actor: Actor, rule_set_id: str, version: int) -> VersionView:
    """Put a stored version in force (the one before it stops being in force)."""
    actor.require("manage-rules")
    with db.transaction() as session:
        lock_organisation(session, actor.organisation_id)
        row = _row(session, actor, rule_set_id, version)
        if not row.in_force:
            _put_in_force(session, actor, row)
        return _view(row, _names(session, actor.organisation_id))


def return_to_default(db: Database, actor: Actor) -> Current:
    """No local version in force: the built-in default applies again."""
    actor.require("manage-rules")
    with db.transaction() as session:
        lock_organisation(session, actor.organisation_id)
        old = _in_force_row(session, actor.organisation_id)
        if old is not None:
            before = _in_force_state(old)
            old.in_force = False
            session.flush()
            audit(
                session,
                actor,
                "rule-set.default-restored",
                "rule-set",
                old.id,
                before,
                _in_force_state(None),
            )
    default = default_rule_set()
    return Current(default, None, default)


def parse_value(name: str, text: str) -> Any:
    """A setting's value as typed in a form (``4``, ``yes``/``no``, ``2, 12``), or
    InvalidInput on the field ``<name>.value``."""
    field = f"{name}.value"
    if name not in SETTING_NAMES:
        raise InvalidInput(f"no setting {name!r}", name)
    kind = default_rule_set().setting(name).value
    raw = (text or "").strip()
    if isinstance(kind, bool):
        low = raw.lower()
        if low in ("yes", "true", "on"):
            return True
        if low in ("no", "false", "off"):
            return False
        raise InvalidInput("choose yes or no", field)
    if isinstance(kind, (frozenset, set, list, tuple)):
        parts = [p for p in raw.replace(";", ",").replace(" ", ",").split(",") if p]
        if not all(p.isascii() and p.isdigit() and len(p) <= 2 for p in parts):
            raise InvalidInput("give factor numbers 1 to 16, separated by commas", field)
        return sorted({int(p) for p in parts})
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 4):
        raise InvalidInput("give a whole number (0 or more)", field)
    return int(raw)


def shown_value(value: Any) -> str:
    """A setting's value in words, as the pages show it ("Yes", "factor 2, factor 12")."""
    shown = _shown(value)
    return shown[:1].upper() + shown[1:] if isinstance(value, bool) else shown
