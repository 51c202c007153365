"""The profile library: the organisation's suites, one suite's profiles and versions, one
profile's factor table with its validation findings, and two or three profiles side by side.

Every figure comes from the library code the CLI and the API use
(:func:`~bandwise.profiles.views.profile_view`, ``profile_to_json``): the computed total
and bands beside what the document states, so a misprint in a national profile is shown
on its page rather than silently corrected. Importing a new version of a suite is
:mod:`.library_import`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...errors import UnknownProfileError
from ...profiles.library import Library, builtin_library
from ...profiles.model import Finding, Suite
from ...profiles.serialize import load_suite_yaml, profile_to_json
from ...profiles.validate import validate_profile
from ...profiles.views import profile_view
from ...scheme.loader import load_scheme
from ...services import suites
from ...services.base import Database, NotFound
from ...services.fields import digits
from ..auth import DB
from . import library_import
from .common import severity_rank
from .deps import PageUser
from .templating import render

router = APIRouter(include_in_schema=False)
router.include_router(library_import.router)

#: How many profiles the compare page puts side by side.
COMPARE_MIN, COMPARE_MAX = 2, 3
MAX_QUERY = 100


def organisation_library(db: Database, user: PageUser) -> Library:
    """The signed-in user's organisation's library (built-in plus imported suites)."""
    user.actor.require("read")
    return suites.organisation_library(db, user.actor.organisation_id)


def qualified(suite: Suite, profile_id: str) -> str:
    """A profile's id qualified by its suite: unique across the library."""
    return f"{suite.id}/{profile_id}"


def total_text(data: dict[str, Any], key: str) -> str:
    """``544-595`` from a profile's JSON range (``''`` when none)."""
    value = data.get(key)
    if not value:
        return ""
    low, high = value["min"], value["max"]
    return str(low) if low == high else f"{low}-{high}"


def sorted_findings(findings: tuple[Finding, ...] | list[Finding]) -> list[Finding]:
    return sorted(
        findings,
        key=lambda f: (severity_rank(f.severity), f.profile or "", f.factor or 0),
    )


def requested_version(request: Request) -> int | None:
    """``?version=N`` (a positive number), else None: the current version."""
    text = request.query_params.get("version", "")
    return int(text) if digits(text) and int(text) > 0 else None


def suite_version(
    db: Database, user: PageUser, lib: Library, suite_id: str, version: int | None
) -> tuple[Suite, int]:
    """The suite as it was at ``version`` (the current one when None or current), so a
    case matched against an earlier version can be read against the wording it used."""
    suite = lib.suite(suite_id)
    if suite is None:
        raise NotFound(f"there is no profile suite {suite_id!r} in your library")
    current = lib.version_of(suite_id)
    if version is None or version == current:
        return suite, current
    content = suites.get_suite_yaml(db, user.actor, suite_id, version)
    label = f"profile suite {suite_id} version {version}"
    return load_suite_yaml(load_scheme(), content, label), version


def _query(request: Request) -> str:
    return (request.query_params.get("q") or "").strip()[:MAX_QUERY]


def _matches(title: str, query: str) -> bool:
    return not query or query.casefold() in title.casefold()


@router.get("/library")
def library_index(user: PageUser, request: Request, db: DB) -> Response:
    """The suites of the organisation's library, and a title search across all of them."""
    summaries = suites.list_suites(db, user.actor)
    lib = organisation_library(db, user)
    query = _query(request)
    rows = []
    for summary in summaries:
        suite = lib.suite(summary.suite_id)
        rows.append(
            {
                "summary": summary,
                "source": suite.source if suite else "",
                "count": len(summary.profiles),
            }
        )
    found = [
        {
            "href": f"/library/profiles/{qualified(s, p.id)}",
            "title": p.title,
            "suite": s.title,
            "archived": p.archived,
        }
        for s in lib.suites
        for p in s.profiles
        if query and _matches(p.title, query)
    ]
    return render(
        request,
        "library/index.html",
        {"rows": rows, "query": query, "found": found, "can_import": user.actor.can("import")},
        principal=user,
    )


@router.get("/library/suites/{suite_id}")
def suite_page(suite_id: str, user: PageUser, request: Request, db: DB) -> Response:
    """One suite: its profiles (searchable by title, chosen for comparing) and versions."""
    lib = organisation_library(db, user)
    suite, version = suite_version(db, user, lib, suite_id, requested_version(request))
    scheme = load_scheme()
    query = _query(request)
    profiles = []
    for profile in suite.profiles:
        if not _matches(profile.title, query):
            continue
        data = profile_to_json(scheme, profile)
        findings = validate_profile(scheme, profile, suite.source)
        profiles.append(
            {
                "id": qualified(suite, profile.id),
                "title": profile.title,
                "archived": profile.archived,  # kept for old cases, not offered for new ones
                "band_label": profile.band_label or profile.band_text,
                "total": total_text(data, "computed_total"),
                "stated_total": total_text(data, "stated_total"),
                "errors": sum(1 for f in findings if f.severity == "error"),
                "warnings": sum(1 for f in findings if f.severity == "warning"),
            }
        )
    versions = suites.list_suite_versions(db, user.actor, suite.id)
    builtin = builtin_library().suite(suite.id)
    imported = request.query_params.get("imported", "")
    return render(
        request,
        "library/suite.html",
        {
            "suite": suite,
            "version": version,
            "current_version": lib.version_of(suite.id),
            "profiles": profiles,
            "total_profiles": len(suite.profiles),
            "query": query,
            "versions": versions,
            "builtin": builtin,
            "imported": imported if digits(imported) else "",
            "unchanged": request.query_params.get("unchanged") == "1",
            "breadcrumbs": [
                {"href": "/", "text": "Dashboard"},
                {"href": "/library", "text": "Profile library"},
            ],
        },
        principal=user,
    )


@router.get("/library/compare")
def compare_page(user: PageUser, request: Request, db: DB) -> Response:
    """Two or three profiles side by side, factor by factor; a clear error otherwise."""
    lib = organisation_library(db, user)
    chosen = [p.strip() for p in request.query_params.getlist("profile") if p.strip()]
    context: dict[str, Any] = {
        "chosen": chosen,
        "breadcrumbs": [
            {"href": "/", "text": "Dashboard"},
            {"href": "/library", "text": "Profile library"},
        ],
    }
    problem, status = "", 200
    if not COMPARE_MIN <= len(chosen) <= COMPARE_MAX:
        problem = (
            f"Choose 2 or 3 profiles to compare; you chose {len(chosen)}."
            if chosen
            else "Choose 2 or 3 profiles to compare."
        )
        status = 422
    elif len(set(chosen)) != len(chosen):
        problem, status = "Choose different profiles to compare (one was chosen twice).", 422
    views = []
    if not problem:
        scheme = load_scheme()
        for profile_id in chosen:
            try:
                views.append(profile_view(scheme, lib, profile_id[:200]))
            except UnknownProfileError:
                problem, status = f"There is no profile {profile_id!r} in your library.", 404
                break
    if problem:
        context["errors"] = [{"text": problem, "href": "#maincontent"}]
        context["suites"] = lib.suites
        return render(request, "library/compare.html", context, principal=user, status_code=status)
    columns = [
        {
            "id": qualified(v.suite, v.profile.id),
            "title": v.profile.title,
            "suite": v.suite.title,
            "band_label": v.profile.band_label or v.profile.band_text,
            "total": total_text(v.data, "computed_total"),
            "stated_total": total_text(v.data, "stated_total"),
            "bands": v.data["computed_bands"],
            "errors": sum(1 for f in v.findings if f.severity == "error"),
        }
        for v in views
    ]
    rows = []
    for number in range(1, 17):
        cells = [next((f for f in v.data["factors"] if f["number"] == number), None) for v in views]
        levels = {(tuple(c["levels"]), str(c["options"])) if c else None for c in cells}
        points = {tuple(c["points"]) if c else None for c in cells}
        printed = {tuple(c["stated_scores"]) if c else None for c in cells}
        name = next((c["name"] for c in cells if c), f"Factor {number}")
        rows.append(
            {
                "number": number,
                "name": name,
                "cells": cells,
                "level_differs": len(levels) > 1,
                "points_differ": len(points) > 1,
                "printed_differs": len(printed) > 1,
            }
        )
    context.update(
        {
            "columns": columns,
            "rows": rows,
            "differing": sum(1 for r in rows if r["level_differs"]),
            "totals_differ": len({c["total"] for c in columns}) > 1,
            "bands_differ": len({c["band_label"] for c in columns}) > 1,
        }
    )
    return render(request, "library/compare.html", context, principal=user)


@router.get("/library/profiles/{profile_id:path}")
def profile_page(profile_id: str, user: PageUser, request: Request, db: DB) -> Response:
    """One profile: job statement, the 16 factors as printed and as the chart scores them,
    totals and bands, and every validation finding (unknown id: 404 page)."""
    library = lib = organisation_library(db, user)
    profile_id = profile_id[:200]
    version = requested_version(request)
    if version is not None:  # read the profile in the suite as it was at that version
        suite_id = profile_id.rpartition("/")[0] or lib.suite_of(lib.get(profile_id)).id
        suite, version = suite_version(db, user, library, suite_id, version)
        lib = Library((suite,), (version,))
    view = profile_view(load_scheme(), lib, profile_id)
    current = library.version_of(view.suite.id)
    findings = sorted_findings(view.findings)
    by_factor: dict[int, list[Finding]] = {}
    for finding in findings:
        if finding.factor is not None:
            by_factor.setdefault(finding.factor, []).append(finding)
    return render(
        request,
        "library/profile.html",
        {
            "view": view,
            "profile": view.profile,
            "suite": view.suite,
            "version": lib.version_of(view.suite.id),
            "current_version": current,
            "qualified_id": qualified(view.suite, view.profile.id),
            "data": view.data,
            "total": total_text(view.data, "computed_total"),
            "stated_total": total_text(view.data, "stated_total"),
            "findings": findings,
            "by_factor": by_factor,
            "breadcrumbs": [
                {"href": "/", "text": "Dashboard"},
                {"href": "/library", "text": "Profile library"},
                {"href": f"/library/suites/{view.suite.id}", "text": view.suite.title},
            ],
        },
        principal=user,
    )
