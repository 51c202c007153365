"""Re-matching after a national profile suite changes.

When a suite is re-imported with changes, every job whose latest confirmed outcome used
a profile whose levels or band changed may now match differently. This service lists
those jobs and re-runs the match with the levels the panel recorded against the new
version of the profile, showing the old and new verdict and band. It is a dry run by
default and changes nothing.

With ``apply=True`` (``write`` permission) it opens, in one transaction, a draft case
for each listed job: kind ``match``, the same profile, the new suite version, the
recorded levels carried over as the case's factor decisions, and the case whose outcome
it revisits as its parent; each new case gets one ``case.opened`` audit event (with
``reason: rematch``). A job whose profile was removed from the suite gets no case (it
must be matched to another profile or evaluated), nor does a job that already has such
a draft case open.

The versions compared: each outcome's recorded suite version against ``to_version``
(default: the organisation's current version, its newest import of the suite); with
``from_version``, only outcomes recorded against that version.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import workflow
from ..errors import BandwiseError
from ..profiles.matching import target_of
from ..profiles.model import Profile
from ..scheme.band_labels import label_for_bands
from ..scheme.jobs import parse_job
from ..scheme.loader import load_scheme
from ..scheme.matching import match
from ..scheme.model import Scheme
from ..scheme.rules import RuleSet
from ..scheme.scoring import ABOVE_TABLE
from ..store import tables as t
from .base import Actor, Database, InvalidInput, NotFound, audit, lock_organisation, now
from .case_records import rule_set_for
from .outcome_queries import (
    OutcomeRecord,
    SuiteCache,
    current_version,
    latest_per_job,
    outcome_records,
)

REMATCH_ACTION = "case.opened"


@dataclass(frozen=True, slots=True)
class RematchItem:
    """One job whose profile changed, and what matching it again would give."""

    job_id: int
    title: str
    reference: str
    outcome_id: int
    case_id: int
    profile_id: str
    old_suite_version: int
    new_suite_version: int
    levels_changed: tuple[int, ...]  # factors whose admitted levels changed
    old_profile_band: str
    new_profile_band: str | None  # None when the profile was removed
    profile_removed: bool
    old_verdict: str
    new_verdict: str | None  # None when it cannot be matched again
    old_band: str
    new_band: str | None
    reason: str
    opened_case_id: int | None = None
    not_opened: str | None = None  # why apply opened no case for this job

    @property
    def verdict_changed(self) -> bool:
        return self.new_verdict != self.old_verdict

    def to_json(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "title": self.title,
            "reference": self.reference,
            "outcome_id": self.outcome_id,
            "case_id": self.case_id,
            "profile_id": self.profile_id,
            "old_suite_version": self.old_suite_version,
            "new_suite_version": self.new_suite_version,
            "levels_changed": list(self.levels_changed),
            "old_profile_band": self.old_profile_band,
            "new_profile_band": self.new_profile_band,
            "profile_removed": self.profile_removed,
            "old_verdict": self.old_verdict,
            "new_verdict": self.new_verdict,
            "verdict_changed": self.verdict_changed,
            "old_band": self.old_band,
            "new_band": self.new_band,
            "reason": self.reason,
            "opened_case_id": self.opened_case_id,
            "not_opened": self.not_opened,
        }


@dataclass(frozen=True, slots=True)
class NotCompared:
    """A job on the suite whose outcome could not be compared, and why."""

    job_id: int
    outcome_id: int
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"job_id": self.job_id, "outcome_id": self.outcome_id, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class RematchResult:
    suite_id: str
    from_version: int | None
    to_version: int
    applied: bool
    rule_set_id: str
    rule_set_version: int
    outcomes_on_suite: int  # latest confirmed outcomes recorded against an older version
    items: tuple[RematchItem, ...]
    not_compared: tuple[NotCompared, ...]

    @property
    def opened(self) -> tuple[int, ...]:
        return tuple(i.opened_case_id for i in self.items if i.opened_case_id is not None)

    def to_json(self) -> dict[str, Any]:
        return {
            "suite_id": self.suite_id,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "dry_run": not self.applied,
            "rule_set": {"id": self.rule_set_id, "version": self.rule_set_version},
            "outcomes_on_suite": self.outcomes_on_suite,
            "affected": len(self.items),
            "items": [i.to_json() for i in self.items],
            "not_compared": [n.to_json() for n in self.not_compared],
            "opened_case_ids": list(self.opened),
        }


def _levels_by_factor(profile: Profile) -> dict[int, tuple[int, ...]]:
    return {e.number: e.levels for e in profile.factors}


def _changed_levels(old: Profile, new: Profile) -> tuple[int, ...]:
    a, b = _levels_by_factor(old), _levels_by_factor(new)
    return tuple(n for n in sorted(set(a) | set(b)) if a.get(n) != b.get(n))


def _band_of(bands: tuple[str, ...], above_table: bool) -> str:
    if above_table and not bands:
        return ABOVE_TABLE
    return label_for_bands(bands) + (f" or {ABOVE_TABLE}" if above_table else "")


def _profile_band(profile: Profile) -> str:
    return profile.band_label or profile.band_text


def _item(
    scheme: Scheme,
    rules: RuleSet,
    r: OutcomeRecord,
    old: Profile,
    new: Profile | None,
    old_version: int,
    to_version: int,
) -> RematchItem | None:
    assert r.profile_id is not None and r.suite_id is not None
    item = RematchItem(
        job_id=r.job_id,
        title=r.job_title,
        reference=r.job_reference,
        outcome_id=r.outcome_id,
        case_id=r.case_id,
        profile_id=r.profile_id,
        old_suite_version=old_version,
        new_suite_version=to_version,
        levels_changed=(),
        old_profile_band=_profile_band(old),
        new_profile_band=None,
        profile_removed=False,
        old_verdict=r.verdict,
        new_verdict=None,
        old_band=r.band,
        new_band=None,
        reason="",
    )
    job = f"Job {r.job_title!r}"
    if new is None:
        return replace(
            item,
            profile_removed=True,
            reason=f"{job} was matched to profile {r.profile_id}, which {r.suite_id} version "
            f"{to_version} no longer has: match it to another profile or evaluate it.",
        )
    changed = _changed_levels(old, new)
    band_changed = old.bands != new.bands
    if not changed and not band_changed:
        return None
    what = []
    if changed:
        what.append(
            f"the level{'s' if len(changed) > 1 else ''} of factor"
            f"{'s' if len(changed) > 1 else ''} {', '.join(map(str, changed))}"
        )
    if band_changed:
        what.append(f"its band ({_profile_band(old)} to {_profile_band(new)})")
    intro = (
        f"{job}: profile {r.profile_id} changed {' and '.join(what)} between {r.suite_id} "
        f"version {old_version} and version {to_version}."
    )
    try:
        result = match(
            scheme,
            target_of(scheme, new),
            parse_job(scheme, list(r.levels)),
            rules,
            hybrid=r.case_kind == "hybrid",
        )
    except BandwiseError as exc:
        return replace(
            item,
            levels_changed=changed,
            new_profile_band=_profile_band(new),
            reason=f"{intro} It cannot be matched again: {exc}",
        )
    new_band = _band_of(result.bands, result.above_table)
    if result.verdict == r.verdict:
        now_text = f"Matched again with the recorded levels it is still {result.verdict}"
    else:
        now_text = (
            f"Matched again with the recorded levels it would be {result.verdict} (was {r.verdict})"
        )
    broken = [b.message for b in result.broken_rules]
    return replace(
        item,
        levels_changed=changed,
        new_profile_band=_profile_band(new),
        new_verdict=result.verdict,
        new_band=new_band,
        reason=f"{intro} {now_text}, band {new_band}"
        + (f": {' '.join(broken)}" if broken and result.verdict != r.verdict else ".")
        + ("" if new_band == r.band else f" The recorded band was {r.band}."),
    )


def rematch(
    db: Database,
    actor: Actor,
    suite_id: str,
    to_version: int | None = None,
    from_version: int | None = None,
    apply: bool = False,
    rules: RuleSet | None = None,
    scheme: Scheme | None = None,
) -> RematchResult:
    """The jobs a suite change affects, with old and new verdicts; opens cases on apply."""
    actor.require("write" if apply else "read")
    scheme = scheme or load_scheme()
    with db.transaction() as session:
        rules = rules or rule_set_for(session, actor.organisation_id)
        org = actor.organisation_id
        target = to_version if to_version is not None else current_version(session, org, suite_id)
        suites = SuiteCache(session, scheme, org)
        new_suite = suites.get(suite_id, target) if target else None
        if new_suite is None:
            raise NotFound(
                f"no version {target} of profile suite {suite_id!r}"
                if to_version is not None
                else f"no profile suite {suite_id!r}"
            )
        if from_version is not None and from_version >= target:
            raise InvalidInput(
                f"the version compared from ({from_version}) must be older than the version "
                f"compared to ({target})",
                "from_version",
            )
        latest = latest_per_job(outcome_records(session, org)).values()
        on_suite = [
            r
            for r in latest
            if r.suite_id == suite_id
            and r.profile_id
            and (r.suite_version is None or r.suite_version < target)
            and (from_version is None or r.suite_version == from_version)
        ]
        items: list[RematchItem] = []
        skipped: list[NotCompared] = []
        for r in on_suite:
            assert r.profile_id is not None
            if r.suite_version is None:
                skipped.append(
                    NotCompared(r.job_id, r.outcome_id, "the outcome records no suite version")
                )
                continue
            old_suite = suites.get(suite_id, r.suite_version)
            old = old_suite.profile(r.profile_id) if old_suite else None
            if old is None:
                skipped.append(
                    NotCompared(
                        r.job_id,
                        r.outcome_id,
                        f"profile {r.profile_id} of {suite_id} version {r.suite_version} is "
                        "not stored, so what changed cannot be told",
                    )
                )
                continue
            item = _item(
                scheme,
                rules,
                r,
                old,
                new_suite.profile(r.profile_id),
                r.suite_version,
                target,
            )
            if item is not None:
                items.append(item)
        if apply:  # one apply at a time per organisation: the second finds the first's cases
            lock_organisation(session, actor.organisation_id)
            records = {r.outcome_id: r for r in on_suite}
            items = [_open_case(session, actor, i, suite_id, records[i.outcome_id]) for i in items]
    return RematchResult(
        suite_id,
        from_version,
        target,
        apply,
        rules.id,
        rules.version,
        len(on_suite),
        tuple(items),
        tuple(skipped),
    )


def _open_case(
    session: Session, actor: Actor, item: RematchItem, suite_id: str, r: OutcomeRecord
) -> RematchItem:
    if item.profile_removed:
        return replace(item, not_opened="the profile is no longer in the suite")
    existing = session.scalar(
        select(t.Case.id)
        .where(t.Case.organisation_id == actor.organisation_id)
        .where(t.Case.job_id == item.job_id)
        .where(t.Case.status == "draft")
        .where(t.Case.profile_id == item.profile_id)
        .where(t.Case.suite_id == suite_id)
        .where(t.Case.suite_version == item.new_suite_version)
    )
    if existing is not None:
        return replace(item, not_opened=f"draft case {existing} is already open for it")
    stamp = now()
    case = t.Case(
        organisation_id=actor.organisation_id,
        job_id=item.job_id,
        kind="match",
        status=workflow.INITIAL,
        profile_id=item.profile_id,
        suite_id=suite_id,
        suite_version=item.new_suite_version,
        parent_case_id=item.case_id,
        created_by=actor.user_id,
        created_at=stamp,
        updated_at=stamp,
        version=1,
    )
    session.add(case)
    session.flush()
    evidence = (
        f"Carried over from outcome {item.outcome_id} (case {item.case_id}) to re-match "
        f"against {suite_id} version {item.new_suite_version}."
    )
    for number, level in enumerate(r.levels, start=1):
        if level.strip():
            session.add(
                t.FactorDecision(
                    case_id=case.id,
                    factor=number,
                    levels=level.strip(),
                    evidence=evidence,
                    updated_by=actor.user_id,
                    updated_at=stamp,
                )
            )
    audit(
        session,
        actor,
        REMATCH_ACTION,
        "case",
        case.id,
        None,
        {
            "job_id": item.job_id,
            "kind": "match",
            "status": "draft",
            "profile_id": item.profile_id,
            "suite_id": suite_id,
            "suite_version": item.new_suite_version,
            "parent_case_id": item.case_id,
            "version": 1,
            "reason": "rematch",
            "from_outcome_id": item.outcome_id,
            "from_suite_version": item.old_suite_version,
            "levels": [lv.strip() for lv in r.levels],
            "expected_verdict": item.new_verdict,
        },
    )
    return replace(item, opened_case_id=case.id)
