"""Profiles to and from plain data: the import JSON contract and the stored YAML form.

The YAML form keeps what the document states (levels and scores as printed,
stated totals and band labels); everything derived (admitted levels, points,
computed totals) is recomputed on load, so stored data can never drift from the
chart.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from ..errors import LevelExpressionError, ProfileDataError
from ..scheme import strict_yaml
from ..scheme.levels import parse_level_expression, parse_score_expression
from ..scheme.model import Scheme
from .model import (
    ContentsEntry,
    FactorEntry,
    Finding,
    HistoryEntry,
    Profile,
    Range,
    ReadResult,
    Suite,
)
from .validate import band_label_of, compute

# -- JSON (the `profiles import` contract) ---------------------------------------


def _range(r: Range | None) -> dict[str, int] | None:
    return {"min": r.min, "max": r.max} if r else None


def profile_to_json(scheme: Scheme, profile: Profile) -> dict[str, Any]:
    comp = compute(scheme, profile)
    factors = []
    for entry in profile.factors:
        fc = comp.factor(entry.number)
        factors.append(
            {
                "number": entry.number,
                "name": entry.name,
                "level_expression": entry.level_text,
                "levels": list(entry.levels),
                "options": {str(k): list(v) for k, v in entry.options.items()},
                "score_expression": entry.score_text,
                "stated_scores": list(entry.stated_scores),
                "points": list(fc.points) if fc else [],
                "descriptor": entry.descriptor,
                "example": entry.example,
                "split": {"method": entry.split_method, "confidence": entry.split_confidence},
                "line": entry.line,
            }
        )
    return {
        "id": profile.id,
        "title": profile.title,
        "band_label": profile.band_label,
        "bands": list(profile.bands),
        "job_statement": list(profile.job_statement),
        "stated_total": _range(profile.stated_total),
        "computed_total": _range(comp.total),
        "computed_bands": list(comp.bands),
        "marked": profile.marked,
        "line": profile.line,
        "factors": factors,
        **({"archived": True} if profile.archived else {}),
    }


def read_result_to_json(
    scheme: Scheme, result: ReadResult, findings: list[Finding] | tuple[Finding, ...]
) -> dict[str, Any]:
    suite = result.suite
    return {
        "suite": {
            "id": suite.id,
            "title": suite.title,
            "source": suite.source,
            "encoding": result.encoding,
        },
        "profiles": [profile_to_json(scheme, p) for p in suite.profiles],
        "findings": [f.to_dict() for f in findings],
        "unplaced_lines": [{"line": u.line, "text": u.text} for u in result.unplaced],
    }


# -- YAML (the stored suite) --------------------------------------------------------


def suite_to_data(suite: Suite) -> dict[str, Any]:
    return {
        "suite": {
            "id": suite.id,
            "title": suite.title,
            "source": suite.source,
            "mark_meaning": suite.mark_meaning,
            "contents": [
                {"title": c.title, "band": c.band_text, "page": c.page, "line": c.line}
                for c in suite.contents
            ],
            "history": [
                {"change": h.change, "date": h.date, "notes": h.notes, "line": h.line}
                for h in suite.history
            ],
        },
        "profiles": [
            {
                "id": p.id,
                "title": p.title,
                "marked": p.marked,
                **({"archived": True} if p.archived else {}),
                "band": p.band_text,
                "line": p.line,
                "job_statement": list(p.job_statement),
                "stated_total": _range(p.stated_total),
                "factors": [
                    {
                        "number": f.number,
                        "name": f.name,
                        "level": f.level_text,
                        "score": f.score_text,
                        "descriptor": f.descriptor,
                        "example": f.example,
                        "split": {"method": f.split_method, "confidence": f.split_confidence},
                        "line": f.line,
                        "continuation_lines": list(f.continuation_lines),
                    }
                    for f in p.factors
                ],
            }
            for p in suite.profiles
        ],
    }


def dump_suite_yaml(suite: Suite) -> str:
    header = (
        f"# National profile suite {suite.id!r}, read by bandwise from {suite.source}.\n"
        "# Levels, scores, totals and band labels are as printed in the source document;\n"
        "# points and computed totals are recomputed from the scheme's weighting chart on load.\n"
    )
    return header + strict_yaml.dumps(suite_to_data(suite))


Text = Annotated[str, StringConstraints(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Split(_Strict):
    method: str = Field(pattern=r"^(bold|recurrence|sentence-start|page-break|none|manual)$")
    confidence: str = Field(pattern=r"^(high|medium|low)$")


class _Factor(_Strict):
    number: int = Field(ge=1)
    name: str
    level: Text
    score: str
    descriptor: str
    example: str
    split: _Split
    line: int = 0
    continuation_lines: list[int] = []


class _Total(_Strict):
    min: int = Field(ge=0)
    max: int = Field(ge=0)


class _Profile(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    title: Text
    marked: bool = False
    archived: bool = False
    band: str
    line: int = 0
    job_statement: list[str] = []
    stated_total: _Total | None
    factors: list[_Factor]


class _Contents(_Strict):
    title: str
    band: str
    page: str
    line: int = 0


class _History(_Strict):
    change: str
    date: str
    notes: str
    line: int = 0


class _SuiteMeta(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    title: Text
    source: str
    mark_meaning: str = ""
    contents: list[_Contents] = []
    history: list[_History] = []


class _SuiteFile(_Strict):
    suite: _SuiteMeta
    profiles: list[_Profile]


def load_suite_yaml(scheme: Scheme, text: str, file: str) -> Suite:
    """Load a stored suite; every rule broken is a :class:`ProfileDataError` with its key."""
    try:
        raw = strict_yaml.loads(text)
    except strict_yaml.StrictYamlError as exc:
        raise ProfileDataError(file, exc.key, exc.message) from exc
    try:
        data = _SuiteFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        msg = "unknown key" if first["type"] == "extra_forbidden" else str(first["msg"])
        raise ProfileDataError(file, loc, msg) from exc
    ids = [p.id for p in data.profiles]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ProfileDataError(file, "profiles", f"duplicate profile id(s) {dup}")
    profiles = []
    for i, p in enumerate(data.profiles):
        entries = []
        for j, f in enumerate(p.factors):
            key = f"profiles.{i}.factors.{j}"
            try:
                expression = parse_level_expression(f.level)
                scores = parse_score_expression(f.score).values if f.score.strip() else ()
            except LevelExpressionError as exc:
                raise ProfileDataError(
                    file, key, f"profile {p.id} factor {f.number}: {exc}"
                ) from exc
            entries.append(
                FactorEntry(
                    f.number,
                    f.name,
                    f.level,
                    f.score,
                    expression,
                    scores,
                    f.descriptor,
                    f.example,
                    f.split.method,
                    f.split.confidence,
                    f.line,
                    tuple(f.continuation_lines),
                )
            )
        label = band_label_of(scheme, p.band)
        if p.band and label is None:
            raise ProfileDataError(file, f"profiles.{i}.band", f"{p.band!r} is not a band label")
        total = Range(p.stated_total.min, p.stated_total.max) if p.stated_total else None
        profiles.append(
            Profile(
                p.id,
                p.title,
                label.label if label else "",
                label.bands if label else (),
                tuple(p.job_statement),
                total,
                tuple(entries),
                p.band,
                p.marked,
                p.line,
                p.archived,
            )
        )
    m = data.suite
    return Suite(
        m.id,
        m.title,
        m.source,
        tuple(profiles),
        tuple(ContentsEntry(c.title, c.band, c.page, c.line) for c in m.contents),
        tuple(HistoryEntry(h.change, h.date, h.notes, h.line) for h in m.history),
        m.mark_meaning,
    )
