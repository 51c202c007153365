"""Load the scheme data (YAML under ``scheme/data``) strictly, once.

This is the one place the scheme touches files. Every rule broken on load is a
:class:`SchemeDataError` naming the file and the key path, because a wrong
number here changes somebody's pay.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from ..errors import SchemeDataError
from . import strict_yaml
from .model import Band, BandTable, Edition, Factor, Level, Option, Reference, Scheme

DATA_DIR = Path(__file__).with_name("data")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Letter = Annotated[str, StringConstraints(pattern=r"^[a-z]$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class ReferenceIn(_Strict):
    source: Text
    section: str = ""
    reliability: str = Field(pattern=r"^[VCU]$")
    url: str = ""

    def build(self) -> Reference:
        return Reference(self.source, self.section, self.reliability, self.url)


class EditionFiles(_Strict):
    factor_plan: Text
    weighting_chart: Text
    bands: Text


class EditionIn(_Strict):
    id: Slug
    title: Text
    effective_from: dt.date
    reference: ReferenceIn
    files: EditionFiles


class OptionIn(_Strict):
    letter: Letter
    descriptor: Text
    verified: bool = True


class LevelIn(_Strict):
    level: int = Field(ge=1)
    descriptor: Text
    verified: bool = True
    options: list[OptionIn] = []


class FactorIn(_Strict):
    number: int = Field(ge=1)
    slug: Slug
    name: Text
    profile_name: Text
    aliases: list[Text] = []
    verified: bool = True
    reference: ReferenceIn
    levels: list[LevelIn] = Field(min_length=1)


class FactorPlanIn(_Strict):
    reference: ReferenceIn
    factors: list[FactorIn] = Field(min_length=1)


class WeightingIn(_Strict):
    reference: ReferenceIn
    points: dict[int, list[Annotated[int, Field(ge=0)]]]


class BandIn(_Strict):
    band: Annotated[str, StringConstraints(pattern=r"^[1-9][a-d]?$")]
    min: int = Field(ge=0)
    max: int = Field(ge=0)
    closed_to_new_entrants_from: dt.date | None = None
    note: str = ""


class BandsIn(_Strict):
    reference: ReferenceIn
    bands: list[BandIn] = Field(min_length=1)


M = TypeVar("M", bound=BaseModel)


def _key_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _parse(path: Path, model: type[M]) -> M:
    name = path.name
    try:
        raw: Any = strict_yaml.load_file(path)
    except FileNotFoundError as exc:
        raise SchemeDataError(name, "", "file not found") from exc
    except strict_yaml.StrictYamlError as exc:
        raise SchemeDataError(name, exc.key, exc.message) from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        msg = str(first["msg"])
        if first["type"] == "extra_forbidden":
            msg = "unknown key"
        raise SchemeDataError(name, _key_path(tuple(first["loc"])), msg) from exc


def _check(cond: bool, file: str, key: str, message: str) -> None:
    if not cond:
        raise SchemeDataError(file, key, message)


def _build_factors(
    plan: FactorPlanIn, chart: WeightingIn, plan_file: str, chart_file: str
) -> tuple[Factor, ...]:
    numbers = [f.number for f in plan.factors]
    _check(
        numbers == list(range(1, len(numbers) + 1)),
        plan_file,
        "factors",
        f"factors must be numbered 1..{len(numbers)} in order, found {numbers}",
    )
    slugs = [f.slug for f in plan.factors]
    dup = sorted({s for s in slugs if slugs.count(s) > 1})
    _check(not dup, plan_file, "factors", f"duplicate slug(s) {dup}")
    _check(
        sorted(chart.points) == numbers,
        chart_file,
        "points",
        f"the chart must give points for exactly factors {numbers[0]}..{numbers[-1]}, "
        f"found {sorted(chart.points)}",
    )
    factors = []
    for i, f in enumerate(plan.factors):
        key = f"factors[{i}]"
        levels_in = [lv.level for lv in f.levels]
        _check(
            levels_in == list(range(1, len(levels_in) + 1)),
            plan_file,
            f"{key}.levels",
            f"factor {f.number} levels must be numbered 1..{len(levels_in)} in order, "
            f"found {levels_in}",
        )
        pts = chart.points[f.number]
        _check(
            len(pts) == len(f.levels),
            chart_file,
            f"points.{f.number}",
            f"factor {f.number} has {len(f.levels)} levels in {plan_file} but "
            f"{len(pts)} points in the chart",
        )
        for j in range(1, len(pts)):
            _check(
                pts[j] > pts[j - 1],
                chart_file,
                f"points.{f.number}[{j}]",
                f"points must increase with level: factor {f.number} level {j + 1} has "
                f"{pts[j]}, not more than level {j}'s {pts[j - 1]}",
            )
        levels = []
        for j, lv in enumerate(f.levels):
            letters = [o.letter for o in lv.options]
            _check(
                letters == sorted(set(letters)),
                plan_file,
                f"{key}.levels[{j}].options",
                f"option letters must be unique and in order, found {letters}",
            )
            levels.append(
                Level(
                    number=lv.level,
                    points=pts[j],
                    descriptor=lv.descriptor,
                    options=tuple(Option(o.letter, o.descriptor, o.verified) for o in lv.options),
                    verified=lv.verified,
                )
            )
        factors.append(
            Factor(
                number=f.number,
                slug=f.slug,
                name=f.name,
                profile_name=f.profile_name,
                levels=tuple(levels),
                reference=f.reference.build(),
                aliases=tuple(f.aliases),
                verified=f.verified,
            )
        )
    return tuple(factors)


def _build_bands(bands: BandsIn, file: str) -> BandTable:
    labels = [b.band for b in bands.bands]
    dup = sorted({s for s in labels if labels.count(s) > 1})
    _check(not dup, file, "bands", f"duplicate band(s) {dup}")
    _check(bands.bands[0].min == 0, file, "bands[0].min", "the first band must start at 0")
    out = []
    for i, b in enumerate(bands.bands):
        _check(b.min <= b.max, file, f"bands[{i}]", f"band {b.band}: min {b.min} > max {b.max}")
        if i:
            prev = bands.bands[i - 1]
            if b.min > prev.max + 1:
                raise SchemeDataError(
                    file,
                    f"bands[{i}].min",
                    f"gap between band {prev.band} (ends {prev.max}) and band {b.band} "
                    f"(starts {b.min}): totals {prev.max + 1}-{b.min - 1} have no band",
                )
            if b.min <= prev.max:
                raise SchemeDataError(
                    file,
                    f"bands[{i}].min",
                    f"band {b.band} (starts {b.min}) overlaps band {prev.band} (ends {prev.max})",
                )
        out.append(Band(b.band, b.min, b.max, b.closed_to_new_entrants_from, b.note.strip()))
    return BandTable(tuple(out), bands.reference.build())


def load_scheme_from(directory: Path) -> Scheme:
    """Load and validate the scheme data in ``directory`` (uncached; for tests and tools)."""
    edition = _parse(directory / "scheme.yaml", EditionIn)
    files = edition.files
    plan = _parse(directory / files.factor_plan, FactorPlanIn)
    chart = _parse(directory / files.weighting_chart, WeightingIn)
    bands_in = _parse(directory / files.bands, BandsIn)
    factors = _build_factors(plan, chart, files.factor_plan, files.weighting_chart)
    bands = _build_bands(bands_in, files.bands)
    return Scheme(
        edition=Edition(
            edition.id, edition.title, edition.effective_from, edition.reference.build()
        ),
        factors=factors,
        bands=bands,
        weighting_reference=chart.reference.build(),
        files=("scheme.yaml", files.factor_plan, files.weighting_chart, files.bands),
    )


load_scheme: Callable[[], Scheme] = functools.cache(lambda: load_scheme_from(DATA_DIR))
load_scheme.__doc__ = "The built-in scheme, loaded and validated once per process."
