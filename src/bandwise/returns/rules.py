"""The JE KPI return's rules that need no database: quarters, the bands it counts, the
staff groups and statements (YAML data with provenance).

Quarters are calendar quarters: ``2026-Q3`` is July to September 2026, as at
30 September 2026 (see docs/returns.md for why, and for the financial-year names).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from ..errors import QuarterError as QuarterError  # re-exported

#: The N&M tables' band columns, in order.
NM_BANDS = ("5", "6", "7", "8a+")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        found = _QUARTER.match(text.strip()) if text.isascii() else None
        if not found:
            raise QuarterError(f"quarter {text!r} is not of the form YYYY-QN, e.g. 2026-Q3")
        year = int(found[1])
        if not 1900 <= year <= 2100:
            raise QuarterError(f"quarter {text!r} is outside the years 1900 to 2100")
        return cls(year, int(found[2]))

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        """The quarter's last day: the return's "as at" date."""
        if self.number == 4:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, 3 * self.number + 1, 1) - dt.timedelta(days=1)

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    def check_ended(self, today: dt.date) -> None:
        if self.end >= today:
            raise QuarterError(
                f"quarter {self} ends on {self.end.isoformat()}, which is not over yet "
                f"(today is {today.isoformat()}): a return is made for a quarter that has ended"
            )


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def nm_column(band: str | None) -> str | None:
    """The N&M table column for a band, or None when the return leaves it out (below 5,
    band 9, no band)."""
    if band in ("5", "6", "7"):
        return band
    if band in ("8a", "8b", "8c", "8d"):
        return "8a+"
    return None


def band_rank(band: str | None) -> int | None:
    """Order of AfC bands (1 < ... < 7 < 8a < ... < 8d < 9), for increase/decrease."""
    order = ["1", "2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9"]
    return order.index(band) if band in order else None


BANDS = ("1", "2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9")


def _load(name: str) -> dict[str, Any]:
    text = resources.files("bandwise.returns").joinpath("data", name).read_text("utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


@dataclass(frozen=True)
class StaffGroup:
    id: str
    name: str
    afc: bool
    nursing_midwifery: bool
    aliases: tuple[str, ...]


@cache
def staff_groups() -> tuple[StaffGroup, ...]:
    return tuple(
        StaffGroup(
            g["id"],
            g["name"],
            bool(g["afc"]),
            bool(g.get("nursing_midwifery", False)),
            tuple(a.lower() for a in g.get("aliases", [])),
        )
        for g in _load("staff_groups.yaml")["groups"]
    )


def staff_groups_source() -> str:
    return str(_load("staff_groups.yaml")["source"])


def find_staff_group(text: str) -> StaffGroup | None:
    """The staff group named by its id, its name or an alias, in any case."""
    key = " ".join(text.strip().lower().split())
    for group in staff_groups():
        if key in (group.id, group.name.lower(), *group.aliases):
            return group
    return None


@dataclass(frozen=True)
class Statement:
    id: str
    text: str
    verified: bool
    area: str = ""
    evidence: str = ""


@cache
def board_readiness_statements() -> tuple[Statement, ...]:
    return tuple(
        Statement(s["id"], s["text"], bool(s["verified"]))
        for s in _load("board_readiness.yaml")["statements"]
    )


@cache
def practices_audit_statements() -> tuple[Statement, ...]:
    return tuple(
        Statement(s["id"], s["text"], bool(s["verified"]), s["area"], s["evidence"])
        for s in _load("je_practices_audit.yaml")["statements"]
    )
