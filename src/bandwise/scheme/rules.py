"""Matching rule sets: named, versioned settings with provenance, loaded strictly.

The handbook's variation rules could not be verified, so every threshold is data
an organisation can change ("local conventions") and every outcome records the
rule set's id and version.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import SchemeDataError
from . import strict_yaml
from .loader import DATA_DIR, ReferenceIn, Slug, Text
from .model import Reference

DEFAULT_RULES = DATA_DIR / "matching_rules.yaml"

#: A local rule set (one an organisation keeps in the database) has an id that starts
#: with this and this title; its versions count up from 1.
LOCAL_PREFIX = "local-"
LOCAL_TITLE = "Local matching rules"

#: Rule ids a match can break; each is documented in docs/matching-rules.md.
RULE_IDS = (
    "factor-within-variation",
    "protected-factor",
    "max-varied-factors",
    "total-within-bands",
)


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    value: Any
    reliability: str
    provenance: str


@dataclass(frozen=True, slots=True)
class RuleSet:
    id: str
    version: int
    title: str
    effective_from: dt.date
    reference: Reference
    max_levels_per_variation: int
    max_varied_factors: int
    protected_factors: frozenset[int]
    total_within_profile_bands: bool
    hybrid_max_failed_factors: int
    boundary_margin: int
    settings: tuple[Setting, ...]
    source: str = ""

    def setting(self, name: str) -> Setting:
        for s in self.settings:
            if s.name == name:
                return s
        raise KeyError(name)


class _Strict(BaseModel):
    # strict: `value: true` must not load as 1, nor "5" as 5
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class _Int(_Strict):
    value: int = Field(ge=0)
    reliability: str = Field(pattern=r"^[VCU]$")
    provenance: Text


class _Bool(_Strict):
    value: bool
    reliability: str = Field(pattern=r"^[VCU]$")
    provenance: Text


class _Factors(_Strict):
    value: list[int]
    reliability: str = Field(pattern=r"^[VCU]$")
    provenance: Text


class _Settings(_Strict):
    max_levels_per_variation: _Int
    max_varied_factors: _Int
    protected_factors: _Factors
    total_within_profile_bands: _Bool
    hybrid_max_failed_factors: _Int
    boundary_margin: _Int


class _RuleSetIn(_Strict):
    id: Slug
    version: int = Field(ge=1)
    title: Text
    effective_from: dt.date
    reference: ReferenceIn
    settings: _Settings


def load_rule_set_from(path: Path, factor_count: int = 16) -> RuleSet:
    """Load and validate a rule set file; errors name the file and key."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SchemeDataError(str(path), "", "file not found") from exc
    return load_rule_set_text(text, name, factor_count)


def load_rule_set_text(text: str, source: str, factor_count: int = 16) -> RuleSet:
    """Load and validate a rule set written as YAML (a file's content, or a local rule set
    stored in the database); errors name ``source`` and the key."""
    try:
        raw = strict_yaml.loads(text)
    except strict_yaml.StrictYamlError as exc:
        raise SchemeDataError(source, exc.key, exc.message) from exc
    return load_rule_set_data(raw, source, factor_count)


def load_rule_set_data(raw: Any, source: str, factor_count: int = 16) -> RuleSet:
    """Validate a rule set given as a mapping (parsed YAML), by the same strict rules as a
    file: unknown keys, wrong types and out-of-range values are errors naming ``source``
    and the key path."""
    name = source
    try:
        data = _RuleSetIn.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        msg = "unknown key" if first["type"] == "extra_forbidden" else str(first["msg"])
        raise SchemeDataError(name, key, msg) from exc
    s = data.settings
    bad = [n for n in s.protected_factors.value if not 1 <= n <= factor_count]
    if bad:
        raise SchemeDataError(
            name,
            "settings.protected_factors.value",
            f"no factor {bad[0]}; factors are 1 to {factor_count}",
        )
    if s.max_varied_factors.value > factor_count:
        raise SchemeDataError(
            name, "settings.max_varied_factors.value", f"at most {factor_count} factors can vary"
        )
    settings = tuple(
        Setting(
            key,
            getattr(s, key).value,
            getattr(s, key).reliability,
            " ".join(getattr(s, key).provenance.split()),
        )
        for key in _Settings.model_fields
    )
    return RuleSet(
        id=data.id,
        version=data.version,
        title=data.title,
        effective_from=data.effective_from,
        reference=data.reference.build(),
        max_levels_per_variation=s.max_levels_per_variation.value,
        max_varied_factors=s.max_varied_factors.value,
        protected_factors=frozenset(s.protected_factors.value),
        total_within_profile_bands=s.total_within_profile_bands.value,
        hybrid_max_failed_factors=s.hybrid_max_failed_factors.value,
        boundary_margin=s.boundary_margin.value,
        settings=settings,
        source=name,
    )


#: The six settings, in the order files and pages show them.
SETTING_NAMES: tuple[str, ...] = tuple(_Settings.model_fields)


def rule_set_data(rules: RuleSet) -> dict[str, Any]:
    """``rules`` as the mapping a rule set file holds (``load_rule_set_data`` reads it
    back to an equal rule set, apart from ``source``)."""
    ref = rules.reference
    reference: dict[str, Any] = {"source": ref.source}
    if ref.section:
        reference["section"] = ref.section
    reference["reliability"] = ref.reliability
    if ref.url:
        reference["url"] = ref.url
    return {
        "id": rules.id,
        "version": rules.version,
        "title": rules.title,
        "effective_from": rules.effective_from,
        "reference": reference,
        "settings": {
            s.name: {
                "value": sorted(s.value)
                if isinstance(s.value, (frozenset, set, list))
                else s.value,
                "reliability": s.reliability,
                "provenance": s.provenance,
            }
            for s in rules.settings
        },
    }


def rule_set_yaml(rules: RuleSet) -> str:
    """``rules`` written as a rule set file's YAML."""
    return strict_yaml.dumps(rule_set_data(rules))


@functools.cache
def default_rule_set() -> RuleSet:
    """The built-in rule set, loaded once per process."""
    return load_rule_set_from(DEFAULT_RULES)
