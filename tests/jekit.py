"""A small JE register for the return's tests: N&M jobs across the bands, one with no
band, one below band 5, one with no review date, and JD reviews within the year."""

from __future__ import annotations

import datetime as dt

from bandwise.services import jd_reviews, register
from bandwise.services.base import Database
from dbfixtures import People
from recordfixtures import add_job

NM = "Nursing and midwifery registered"
D = dt.date.fromisoformat


def nm_job(
    db: Database,
    people: People,
    title: str,
    reference: str,
    band: str | None,
    reviewed: str | None,
    group: str = NM,
) -> int:
    job_id = add_job(db, people, title, reference)
    register.update_register(
        db,
        people.lead,
        job_id,
        {
            "staff_group": group,
            "band": band,
            "jd_last_reviewed": D(reviewed) if reviewed else None,
        },
    )
    return job_id


def sample_register(db: Database, people: People) -> dict[str, int]:
    """Jobs and reviews as at 2026-09-30 (quarter 2026-Q3)."""
    jobs = {
        "sn": nm_job(db, people, "Staff nurse", "NM-001", "5", "2026-03-01"),
        "sister": nm_job(db, people, "Ward sister", "NM-002", "6", "2024-01-15"),
        "cns": nm_job(db, people, "Clinical nurse specialist", "NM-003", "7", "2022-06-01"),
        "matron": nm_job(db, people, "Matron", "NM-004", "8a", "2026-09-30"),
        "head": nm_job(db, people, "Head of nursing", "NM-005", "8c", None),
        "hca": nm_job(db, people, "Nursing associate", "NM-006", "4", "2026-01-01"),
        "new": nm_job(db, people, "Practice educator", "NM-007", None, "2026-02-01"),
        "ahp": nm_job(
            db,
            people,
            "Physiotherapist",
            "AHP-001",
            "6",
            "2026-05-01",
            group="Allied health professionals",
        ),
    }
    lead = people.lead
    jd_reviews.record_jd_review(
        db, lead, jobs["sn"], D("2026-03-01"), "A. Reviewer", "unchanged", staff_affected=40
    )
    jd_reviews.record_jd_review(
        db, lead, jobs["sister"], D("2025-11-20"), "A. Reviewer", "band-increased",
        staff_affected=6, band_before="6", band_after="7",
    )  # fmt: skip
    jd_reviews.record_jd_review(
        db, lead, jobs["matron"], D("2026-09-30"), "B. Reviewer", "band-decreased",
        staff_affected=2, band_before="8b", band_after="8a",
    )  # fmt: skip
    jd_reviews.record_jd_review(  # more than 12 months before the quarter's end
        db, lead, jobs["cns"], D("2025-09-30"), "B. Reviewer", "unchanged", staff_affected=9
    )
    jd_reviews.record_jd_review(  # after the quarter's end
        db, lead, jobs["cns"], D("2026-10-01"), "B. Reviewer", "unchanged", staff_affected=9
    )
    jd_reviews.record_jd_review(
        db, lead, jobs["ahp"], D("2026-06-01"), "C. Reviewer", "band-unchanged",
        staff_affected=12, band_before="6", band_after="6",
    )  # fmt: skip
    return jobs
