"""Policy numbers as data: the review window, the permission table and page sizes.

They live in ``data/policy.yaml`` beside their provenance, like the scheme's numbers:
a handbook rule carries its reliability tag (V, C or U, as in the scheme-facts
reference) and its reference; a local choice is tagged ``local`` with its reason, so a
reader can tell which numbers the handbook fixes and which an organisation could
change. Pure: read strictly (unknown or missing keys refused, naming the file and the
key) and once per process (:func:`policy`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..errors import PolicyDataError as PolicyDataError  # re-exported
from ..scheme import strict_yaml

POLICY_FILE = Path(__file__).parent / "data" / "policy.yaml"
HANDBOOK = frozenset({"V", "C", "U"})
RELIABILITY = HANDBOOK | {"local"}
PAGE_SIZES = ("jobs", "cases", "audit", "list_limit")
SETTING_KEYS = frozenset({"value", "reliability", "provenance", "reference", "url"})


@dataclass(frozen=True, slots=True)
class Setting:
    """One policy number with where it comes from."""

    value: int
    reliability: str  # V | C | U (the handbook's rule) | local (bandwise's choice)
    provenance: str
    reference: str = ""
    url: str = ""

    @property
    def handbook(self) -> bool:
        return self.reliability in HANDBOOK


@dataclass(frozen=True, slots=True)
class Grant:
    permission: str
    roles: tuple[str, ...]
    description: str


@dataclass(frozen=True, slots=True)
class Policy:
    review_window_months: Setting
    page_sizes: Mapping[str, Setting]
    roles: tuple[str, ...]
    grants: tuple[Grant, ...]
    permissions_provenance: Setting  # value unused (0): the table's reliability and reason

    @property
    def permissions(self) -> Mapping[str, frozenset[str]]:
        """What each role may do: the table services check (``Actor.can``)."""
        return MappingProxyType(
            {
                role: frozenset(g.permission for g in self.grants if role in g.roles)
                for role in self.roles
            }
        )

    def page_size(self, name: str) -> int:
        return self.page_sizes[name].value


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, key: str, message: str) -> PolicyDataError:
        return PolicyDataError(self.file, key, message)

    def mapping(
        self, data: object, key: str, keys: frozenset[str], required: frozenset[str]
    ) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(key, f"expected a mapping, got {type(data).__name__}")
        unknown = sorted(set(map(str, data)) - keys)
        if unknown:
            raise self.fail(
                f"{key}.{unknown[0]}" if key else unknown[0],
                f"unknown key; expected {', '.join(sorted(keys))}",
            )
        missing = sorted(required - set(data))
        if missing:
            raise self.fail(key, f"missing {', '.join(missing)}")
        return data

    def text(self, data: object, key: str) -> str:
        if not isinstance(data, str) or not data.strip():
            raise self.fail(key, "expected a non-empty text")
        return " ".join(data.split())

    def setting(self, data: object, key: str, numeric: bool = True) -> Setting:
        keys = SETTING_KEYS if numeric else SETTING_KEYS - {"value"}
        required = frozenset({"reliability", "provenance"} | ({"value"} if numeric else set()))
        raw = self.mapping(data, key, keys, required)
        reliability = raw["reliability"]
        if reliability not in RELIABILITY:
            raise self.fail(f"{key}.reliability", "expected V, C, U (a handbook rule) or local")
        value = raw.get("value", 0)
        if numeric and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise self.fail(f"{key}.value", f"expected a whole number of at least 1, got {value!r}")
        reference = self.text(raw["reference"], f"{key}.reference") if "reference" in raw else ""
        if reliability in HANDBOOK and not reference:
            raise self.fail(key, "a handbook rule (V, C or U) needs its reference")
        if reliability == "local" and reference:
            raise self.fail(key, "a local choice has no handbook reference; say why in provenance")
        return Setting(
            value,
            reliability,
            self.text(raw["provenance"], f"{key}.provenance"),
            reference,
            self.text(raw["url"], f"{key}.url") if "url" in raw else "",
        )


def parse_policy(data: object, file: str = POLICY_FILE.name) -> Policy:
    """The policy from loaded YAML; :class:`PolicyDataError` naming the key if wrong."""
    r = _Reader(file)
    top = frozenset({"review_window_months", "page_sizes", "permissions"})
    raw = r.mapping(data, "", top, top)
    sizes_raw = r.mapping(
        raw["page_sizes"], "page_sizes", frozenset(PAGE_SIZES), frozenset(PAGE_SIZES)
    )
    sizes = {name: r.setting(sizes_raw[name], f"page_sizes.{name}") for name in PAGE_SIZES}
    perm_keys = frozenset({"reliability", "provenance", "reference", "url", "roles", "grants"})
    perms = r.mapping(
        raw["permissions"], "permissions", perm_keys, perm_keys - {"reference", "url"}
    )
    about = r.setting(
        {k: v for k, v in perms.items() if k not in ("roles", "grants")}, "permissions", False
    )
    roles = perms["roles"]
    if not isinstance(roles, list) or not roles or not all(isinstance(x, str) for x in roles):
        raise r.fail("permissions.roles", "expected a list of role names")
    if len(set(roles)) != len(roles):
        raise r.fail("permissions.roles", "a role is named twice")
    grants_raw = perms["grants"]
    if not isinstance(grants_raw, dict) or not grants_raw:
        raise r.fail("permissions.grants", "expected a mapping of permission to its roles")
    grants = []
    for name, body in grants_raw.items():
        key = f"permissions.grants.{name}"
        g = r.mapping(
            body, key, frozenset({"roles", "description"}), frozenset({"roles", "description"})
        )
        granted = g["roles"]
        if not isinstance(granted, list) or not all(isinstance(x, str) for x in granted):
            raise r.fail(f"{key}.roles", "expected a list of role names")
        stray = [x for x in granted if x not in roles]
        if stray:
            raise r.fail(f"{key}.roles", f"unknown role {stray[0]!r}; roles are {', '.join(roles)}")
        grants.append(
            Grant(str(name), tuple(granted), r.text(g["description"], f"{key}.description"))
        )
    return Policy(
        r.setting(raw["review_window_months"], "review_window_months"),
        MappingProxyType(sizes),
        tuple(roles),
        tuple(grants),
        about,
    )


def load_policy(path: Path = POLICY_FILE) -> Policy:
    try:
        data = strict_yaml.load_file(path)
    except FileNotFoundError as exc:
        raise PolicyDataError(path.name, "", "file not found") from exc
    except ValueError as exc:  # strict_yaml's error: not YAML, or a duplicate key
        key, message = getattr(exc, "key", ""), getattr(exc, "message", str(exc))
        raise PolicyDataError(path.name, key, message) from exc
    return parse_policy(data, path.name)


@functools.cache
def policy() -> Policy:
    """The policy bandwise ships, read once per process."""
    return load_policy()


def permissions_markdown() -> str:
    """The permission table of ``docs/roles.md``, made from the policy (a test keeps the
    document equal to it)."""
    p = policy()
    lines = [
        "| Permission | " + " | ".join(p.roles) + " |",
        "|---|" + "---|" * len(p.roles),
    ]
    for g in p.grants:
        cells = " | ".join("yes" if role in g.roles else "no" for role in p.roles)
        lines.append(f"| `{g.permission}`: {g.description} | {cells} |")
    return "\n".join(lines) + "\n"


def settings_markdown() -> str:
    """The policy-data table of ``docs/roles.md``: each number with its source."""
    p = policy()

    def source(s: Setting) -> str:
        return f"handbook [{s.reliability}]: {s.reference}" if s.handbook else "local choice"

    rows = [
        "| Setting | Value | Source |",
        "|---|---|---|",
        f"| `review_window_months` | {p.review_window_months.value} | "
        f"{source(p.review_window_months)} |",
        *(f"| `page_sizes.{n}` | {s.value} | {source(s)} |" for n, s in p.page_sizes.items()),
        f"| `permissions` | the table above | {source(p.permissions_provenance)} |",
    ]
    return "\n".join(rows) + "\n"
