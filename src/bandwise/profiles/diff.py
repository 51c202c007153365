"""What changed between two versions of a profile suite: shown before a re-import is saved.

A changed level on a national profile can move jobs matched to it, so a JE lead
sees every added and removed profile and every factor whose level, score or
wording changed before the new version replaces the old.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Profile, Suite


@dataclass(frozen=True, slots=True)
class FactorChange:
    number: int
    field: str  # level | score | descriptor | example | name
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class ProfileChange:
    profile_id: str
    title: str
    fields: tuple[tuple[str, str, str], ...]  # (field, old, new) for title, band, total, ...
    factors: tuple[FactorChange, ...]

    @property
    def levels_changed(self) -> tuple[int, ...]:
        return tuple(sorted({f.number for f in self.factors if f.field == "level"}))


@dataclass(frozen=True, slots=True)
class SuiteDiff:
    suite_id: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[ProfileChange, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def lines(self) -> list[str]:
        """A plain summary, one line per change."""
        if self.is_empty:
            return [f"No changes to suite {self.suite_id}."]
        out = [f"Profile added: {pid}" for pid in self.added]
        out += [f"Profile removed: {pid}" for pid in self.removed]
        for change in self.changed:
            for name, old, new in change.fields:
                out.append(f"{change.profile_id}: {name} {old!r} -> {new!r}")
            for f in change.factors:
                if f.field in ("level", "score"):
                    out.append(
                        f"{change.profile_id}: factor {f.number} {f.field} {f.old!r} -> {f.new!r}"
                    )
                else:
                    out.append(f"{change.profile_id}: factor {f.number} {f.field} wording changed")
        return out

    def to_json(self) -> dict[str, object]:
        return {
            "suite_id": self.suite_id,
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": [
                {
                    "profile_id": c.profile_id,
                    "fields": [{"field": n, "old": o, "new": v} for n, o, v in c.fields],
                    "factors": [
                        {"number": f.number, "field": f.field, "old": f.old, "new": f.new}
                        for f in c.factors
                    ],
                    "levels_changed": list(c.levels_changed),
                }
                for c in self.changed
            ],
        }


def _status(profile: Profile) -> str:
    return "archived" if profile.archived else "current"


def _profile_change(old: Profile, new: Profile) -> ProfileChange | None:
    fields = []
    for name, was, now in (
        ("title", old.title, new.title),
        ("band", old.band_label or old.band_text, new.band_label or new.band_text),
        ("stated total", str(old.stated_total or ""), str(new.stated_total or "")),
        ("job statement", " / ".join(old.job_statement), " / ".join(new.job_statement)),
        # a suite withdrawing a profile is a change to store: new cases no longer use it
        ("status", _status(old), _status(new)),
    ):
        if was != now:
            fields.append((name, was, now))
    factors = []
    numbers = sorted({f.number for f in old.factors} | {f.number for f in new.factors})
    for n in numbers:
        a, b = old.factor(n), new.factor(n)
        if a is None or b is None:
            factors.append(
                FactorChange(n, "level", a.level_text if a else "", b.level_text if b else "")
            )
            continue
        if a.levels != b.levels or a.options != b.options:
            factors.append(FactorChange(n, "level", a.level_text, b.level_text))
        if a.stated_scores != b.stated_scores:
            factors.append(FactorChange(n, "score", a.score_text, b.score_text))
        if a.text != b.text:
            kind = "descriptor" if a.descriptor != b.descriptor else "example"
            factors.append(FactorChange(n, kind, a.text, b.text))
    if not fields and not factors:
        return None
    return ProfileChange(new.id, new.title, tuple(fields), tuple(factors))


def diff_suites(old: Suite, new: Suite) -> SuiteDiff:
    old_ids = {p.id: p for p in old.profiles}
    new_ids = {p.id: p for p in new.profiles}
    changed = []
    for pid, profile in new_ids.items():
        if pid in old_ids:
            change = _profile_change(old_ids[pid], profile)
            if change:
                changed.append(change)
    return SuiteDiff(
        new.id,
        tuple(p for p in new_ids if p not in old_ids),
        tuple(p for p in old_ids if p not in new_ids),
        tuple(changed),
    )
