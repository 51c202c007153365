"""Benchmark: the JE register at a large trust's size (prints figures, asserts nothing).

(a) importing a register CSV of N jobs (ESR-export-sized: every column, postholders),
    as ``bandwise jobs import FILE``: wall time, against 30 s for 5,000 rows;
(b) the quarterly JE KPI return over that register with a JD review per job, as
    ``bandwise returns je-kpi --json``: wall time, against 2 s.

Run from the repository root with bandwise installed (SQLite in a temporary folder)::

    python bench/bench_je_register.py [--jobs N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from pathlib import Path

from bandwise.services import je_returns
from bandwise.services.base import Actor, Database
from bandwise.services.register_import import import_register, read_table
from bandwise.store import register_tables as rt
from bandwise.store import tables as t
from bandwise.store.migrate import upgrade

IMPORT_TARGET_S = 30.0
RETURN_TARGET_S = 2.0
BANDS = ["3", "4", "5", "6", "7", "8a", "8b", "8c", "8d"]
GROUPS = [
    "Nursing and midwifery registered",
    "Allied health professionals",
    "Administrative and clerical",
]


def _setup(folder: Path) -> tuple[Database, Actor]:
    url = f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    db = Database.connect(url)
    with db.transaction() as session:
        org = t.Organisation(slug="bench", name="Bench Trust")
        session.add(org)
        session.flush()
        user = t.User(
            organisation_id=org.id, email="lead@bench.example", name="Lead", role="je-lead",
            password_hash="!", active=True, version=1,
        )  # fmt: skip
        session.add(user)
        session.flush()
        return db, Actor(user.id, org.id, "je-lead")


def _csv(path: Path, jobs: int, rng: random.Random) -> None:
    lines = ["reference,title,staff_group,band,jd_last_reviewed,headcount,wte,status,ward"]
    for n in range(jobs):
        day = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(2400))
        lines.append(
            f"J-{n:05d},Job {n},{rng.choice(GROUPS)},{rng.choice(BANDS)},{day:%d/%m/%Y},"
            f"{rng.randrange(1, 60)},{rng.randrange(10, 500) / 10},in use,Ward {n % 40}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=5000)
    args = parser.parse_args()
    rng = random.Random(20261202)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        db, actor = _setup(folder)
        path = folder / "register.csv"
        _csv(path, args.jobs, rng)
        started = time.perf_counter()
        result = import_register(db, actor, read_table(path))
        imported = time.perf_counter() - started
        assert result.imported and not result.errors
        with db.transaction() as session:
            for job_id in session.scalars(select_ids()):
                session.add(
                    rt.JdReview(
                        organisation_id=actor.organisation_id,
                        job_id=job_id,
                        reviewed_on=dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(270)),
                        reviewer="R",
                        result="unchanged",
                        staff_affected=rng.randrange(1, 40),
                        notes="",
                        recorded_by=actor.user_id,
                    )
                )
        started = time.perf_counter()
        je_returns.je_kpi_return(db, actor, "2026-Q3")
        computed = time.perf_counter() - started
        db.engine.dispose()
    print(f"import {args.jobs} rows: {imported:.2f} s (target {IMPORT_TARGET_S:.0f} s)")
    print(f"JE KPI return over {args.jobs} jobs: {computed:.2f} s (target {RETURN_TARGET_S:.0f} s)")


def select_ids() -> object:
    from sqlalchemy import select

    return select(t.Job.id)


if __name__ == "__main__":
    main()
