"""Case records written straight into the tables, for the organisation-wide services
(consistency, re-matching, reporting, export): jobs, cases with a recorded outcome
(confirmed by an approved consistency check, or not), review requests, job-description
documents and stored profile-suite versions. No workflow service is used, so these
tests stand on their own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Sequence

from bandwise.profiles.library import builtin_library
from bandwise.profiles.model import Profile, Suite
from bandwise.profiles.serialize import dump_suite_yaml
from bandwise.scheme import load_scheme, score
from bandwise.scheme.levels import parse_level_expression
from bandwise.services.base import Actor, Database
from bandwise.store import tables as t
from dbfixtures import People

#: Within every range of the arts-therapist profile (475-516, band 7): total 482, band 7,
#: 17 points above band 7's floor and 58 below band 8a.
ARTS_THERAPIST = ("6", "7", "4", "2", "3", "5", "2", "2", "2", "1", "1", "3", "2", "2", "4", "2")
#: The profile's lowest levels: total 475, 10 points above band 7's floor (466).
ARTS_THERAPIST_LOWEST = (
    "6", "7", "4", "2", "3", "5", "2", "2", "1", "1", "1", "3", "2", "2", "4", "2",
)  # fmt: skip
SUITE = "arts-therapies"


def noon(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(12), tzinfo=dt.UTC)


def with_level(levels: Sequence[str], factor: int, level: str) -> tuple[str, ...]:
    out = list(levels)
    out[factor - 1] = level
    return tuple(out)


def total_of(levels: Sequence[str]) -> tuple[int, str]:
    scheme = load_scheme()
    result = score(scheme, [parse_level_expression(lv).levels[0] for lv in levels])
    return result.total, result.band.label


def add_job(
    db: Database,
    people: People,
    title: str,
    reference: str = "",
    department: str = "",
    status: str = "active",
) -> int:
    with db.transaction() as session:
        row = t.Job(
            organisation_id=people.organisation_id,
            title=title,
            reference=reference,
            department=department,
            status=status,
            version=1,
        )
        session.add(row)
        session.flush()
        return row.id


def add_outcome(
    db: Database,
    people: People,
    job_id: int,
    levels: Sequence[str] = ARTS_THERAPIST,
    *,
    kind: str = "match",
    verdict: str = "profile-match",
    band: str | None = None,
    total: int | None = None,
    profile_id: str | None = "arts-therapist",
    suite_id: str | None = SUITE,
    suite_version: int | None = 1,
    recorded_at: dt.datetime | None = None,
    confirmed: bool = True,
    case_id: int | None = None,
) -> tuple[int, int]:
    """A case (or ``case_id``) with one recorded outcome; confirmed by an approved check
    unless told otherwise. The total and band come from the levels unless given."""
    computed_total, computed_band = total_of(levels)
    if kind == "evaluation":
        profile_id = suite_id = None
        suite_version = None
        verdict = "evaluated" if verdict == "profile-match" else verdict
    with db.transaction() as session:
        if case_id is None:
            case = t.Case(
                organisation_id=people.organisation_id,
                job_id=job_id,
                kind=kind,
                status="draft",
                profile_id=profile_id,
                suite_id=suite_id,
                suite_version=suite_version,
                created_by=people.lead.user_id,
                version=1,
            )
            session.add(case)
            session.flush()
        else:
            found = session.get(t.Case, case_id)
            assert found is not None
            case = found
        outcome = t.Outcome(
            organisation_id=people.organisation_id,
            case_id=case.id,
            verdict=verdict,
            total_min=computed_total if total is None else total,
            total_max=computed_total if total is None else total,
            band=computed_band if band is None else band,
            levels=list(levels),
            profile_id=profile_id,
            suite_id=suite_id,
            suite_version=suite_version,
            scheme_edition=load_scheme().edition.id,
            rule_set_id="bandwise-default",
            rule_set_version=1,
            explanation={},
            recorded_by=people.management.user_id,
            recorded_at=recorded_at or noon("2024-06-03"),
        )
        session.add(outcome)
        session.flush()
        if confirmed:
            session.add(
                t.ConsistencyCheck(
                    organisation_id=people.organisation_id,
                    case_id=case.id,
                    outcome_id=outcome.id,
                    checker_id=people.checker.user_id,
                    decision="approved",
                    reasons="",
                )
            )
            case.status = "confirmed"
        else:
            case.status = "outcome-recorded"
        return case.id, outcome.id


def add_review_request(
    db: Database,
    people: People,
    case_id: int,
    requested_on: str,
    status: str = "open",
    decided_on: str | None = None,
) -> int:
    with db.transaction() as session:
        row = t.ReviewRequest(
            organisation_id=people.organisation_id,
            case_id=case_id,
            requested_by="A. Jobholder",
            requested_on=dt.date.fromisoformat(requested_on),
            disputed_factors=[2],
            grounds="The job needs more knowledge.",
            status=status,
            decided_at=noon(decided_on) if decided_on else None,
            created_by=people.lead.user_id,
        )
        session.add(row)
        session.flush()
        return row.id


def add_document(
    db: Database,
    people: People,
    job_id: int,
    document_date: str | None,
    uploaded: str = "2025-01-02",
    kind: str = "job-description",
    filename: str = "jd.docx",
) -> int:
    content = f"{job_id} {document_date} {uploaded} {filename}".encode()
    with db.transaction() as session:
        row = t.Document(
            organisation_id=people.organisation_id,
            job_id=job_id,
            kind=kind,
            filename=filename,
            content_type="application/octet-stream",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
            document_date=dt.date.fromisoformat(document_date) if document_date else None,
            uploaded_by=people.lead.user_id,
            created_at=noon(uploaded),
        )
        session.add(row)
        session.flush()
        return row.id


def builtin_suite() -> Suite:
    suite = builtin_library().suite(SUITE)
    assert suite is not None
    return suite


def change_profile(
    suite: Suite,
    profile_id: str,
    levels: dict[int, str] | None = None,
    band: str | None = None,
) -> Suite:
    """The suite with one profile's factor levels (by factor) and/or band changed."""
    from bandwise.profiles.validate import band_label_of

    def changed(p: Profile) -> Profile:
        if p.id != profile_id:
            return p
        factors = tuple(
            dataclasses.replace(
                e,
                level_text=(levels or {})[e.number],
                level_expression=parse_level_expression((levels or {})[e.number]),
            )
            if e.number in (levels or {})
            else e
            for e in p.factors
        )
        p = dataclasses.replace(p, factors=factors)
        if band is not None:
            label = band_label_of(load_scheme(), band)
            assert label is not None
            p = dataclasses.replace(p, band_text=band, band_label=label.label, bands=label.bands)
        return p

    return dataclasses.replace(suite, profiles=tuple(changed(p) for p in suite.profiles))


def without_profile(suite: Suite, profile_id: str) -> Suite:
    return dataclasses.replace(
        suite, profiles=tuple(p for p in suite.profiles if p.id != profile_id)
    )


def store_suite(db: Database, actor: Actor, suite: Suite, version: int) -> None:
    with db.transaction() as session:
        session.add(
            t.StoredSuite(
                organisation_id=actor.organisation_id,
                suite_id=suite.id,
                version=version,
                title=suite.title,
                source=suite.source,
                content=dump_suite_yaml(suite),
                imported_by=actor.user_id,
            )
        )
