"""JSON documents for the profile library, shared by the command line and the API.

``bandwise profiles list --json`` and ``GET /api/profiles`` answer with
:func:`profiles_to_json`; ``bandwise profiles show ID --json`` and
``GET /api/profiles/{id}`` with :meth:`ProfileView.to_json` of :func:`profile_view`.
One builder per document keeps the two byte-identical.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..scheme.model import Scheme
from .library import Library
from .model import Finding, Profile, Suite
from .serialize import profile_to_json
from .validate import compute, validate_profile


def profiles_to_json(scheme: Scheme, lib: Library) -> list[dict[str, Any]]:
    """Every profile in the library with its band, total range and suite version."""
    rows: list[dict[str, Any]] = []
    for suite in lib.suites:
        version = lib.version_of(suite.id)
        for p in suite.profiles:
            total = compute(scheme, p).total
            rows.append(
                {
                    "id": p.id,
                    "title": p.title,
                    "band_label": p.band_label,
                    "bands": list(p.bands),
                    "total": {"min": total.min, "max": total.max} if total else None,
                    "suite": suite.id,
                    "suite_version": version,
                }
            )
    return rows


@dataclass(frozen=True, slots=True)
class ProfileView:
    """One profile as shown: its suite, its JSON body and its validation findings."""

    profile: Profile
    suite: Suite
    data: dict[str, Any]
    findings: tuple[Finding, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            **self.data,
            "suite": self.suite.id,
            "findings": [f.to_dict() for f in self.findings],
        }


def profile_view(scheme: Scheme, lib: Library, profile_id: str) -> ProfileView:
    """The profile ``profile_id`` (plain or suite-qualified); raises
    :class:`~bandwise.errors.UnknownProfileError` when the library has none."""
    profile = lib.get(profile_id)
    suite = lib.suite_of(profile)
    data = profile_to_json(scheme, profile)
    findings = validate_profile(scheme, profile, suite.source)
    return ProfileView(profile, suite, data, tuple(findings))
