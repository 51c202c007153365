"""Benchmark: what a JE team takes out of its records (prints figures, asserts nothing):
the outcome letters of a case (PDF and Word, stored with it), the export of every outcome
as CSV and XLSX with people's words in the header, the board figures' PDF, and the
operator's ``db backup`` and ``db check`` of that database, and ``bandwise doctor``'s
checks.

``--outcomes N`` confirmed and notified outcomes (each with a panel of two, a guest, a
rationale and 16 factor decisions with evidence) are recorded through the services in a
temporary SQLite database first; building them is timed too.

    python bench/bench_records_out.py [--outcomes N] [--runs N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_report import EVIDENCE, LEVELS, Figure, bench_people

SAT_ON = dt.date(2026, 10, 1)
NOTIFIED_ON = dt.date(2026, 10, 5)


def build(folder: Path, outcomes: int) -> tuple[object, object, list[int], float]:
    """A database with ``outcomes`` notified outcomes; (db, lead, case ids, seconds)."""
    from bandwise.services import cases, jobs
    from bandwise.services.cases import DecisionInput, Guest

    p = bench_people(folder, "bandwise.db")
    db, lead, management, staff, checker = p.db, p.lead, p.management, p.staff, p.checker
    guest = Guest("Ann Jones", "staff-side", "UNISON Eastern region")
    decisions = [DecisionInput(n, lv, EVIDENCE) for n, lv in enumerate(LEVELS, start=1)]
    ids = []
    started = time.perf_counter()
    for n in range(outcomes):
        job = jobs.create_job(db, lead, f"Arts Therapist {n + 1}", f"AT-{n + 1}", "Therapies")
        case = cases.open_case(db, lead, job.id, "match", "arts-therapist")
        case = cases.set_factor_decisions(
            db, management, case.case.id, case.case.version, decisions
        )
        case = cases.record_panel_outcome(
            db, lead, case.case.id, case.case.version, SAT_ON,
            [management.user_id, staff.user_id], [guest], "Matched on the job description.",
        )  # fmt: skip
        case = cases.consistency_check(db, checker, case.case.id, case.case.version, "approved")
        case = cases.notify(db, lead, case.case.id, case.case.version, NOTIFIED_ON)
        ids.append(case.case.id)
    return db, lead, ids, time.perf_counter() - started


def _times(work: Callable[[int], object], runs: int) -> list[float]:
    work(-1)  # warm up (templates, fonts)
    out = []
    for run in range(runs):
        t0 = time.perf_counter()
        work(run)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _figure(name: str, times: list[float], note: str = "") -> Figure:
    median = statistics.median(times)
    print(
        f"{name}: median {median:.0f} ms over {len(times)} runs "
        f"(min {min(times):.0f}, max {max(times):.0f}){note}"
    )
    return (f"{name} p50", median, "ms", "")


def run(outcomes: int = 200, runs: int = 5) -> list[Figure]:
    from bandwise.services import letters, reporting
    from bandwise.services.export import export_outcomes
    from bandwise.services.letters import Recipient
    from bandwise.services.organisation import letterhead
    from bandwise.store.maintenance import backup_sqlite, integrity_problems, missing_seals
    from bandwise.web.doctor import run_checks
    from bandwise.web.pages.reports import board_pdf

    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bandwise-bench-out-") as name:
        folder = Path(name)
        db, lead, ids, built = build(folder, outcomes)
        print(f"recorded {outcomes} notified outcomes in {built:.1f} s")
        figures.append((f"record {outcomes} outcomes", built, "s", ""))

        def two_letters(run: int) -> object:  # the jobholder's and the manager's
            case_id = ids[(run + 1) % len(ids)]
            return letters.produce_outcome_letters(
                db,
                lead,
                case_id,
                [Recipient("Alex Morgan")],
                Recipient("Jo Evans"),  # type: ignore[arg-type]
            )

        figures.append(
            _figure("two outcome letters (PDF and Word each)", _times(two_letters, runs))
        )

        for kind in ("csv", "xlsx"):

            def export(run: int, kind: str = kind) -> object:
                out = folder / f"outcomes-{run + 1}.{kind}"
                return export_outcomes(db, lead, out, headers="names")  # type: ignore[arg-type]

            times = _times(export, runs)
            size = (folder / f"outcomes-{runs}.{kind}").stat().st_size  # the last run's file
            figures.append(
                _figure(f"export {outcomes} outcomes as {kind.upper()}", times, f"; {size:,} bytes")
            )

        def board(run: int) -> bytes:
            report = reporting.board_report(
                db,
                lead,
                dt.date(2026, 4, 1),
                dt.date(2027, 3, 31),  # type: ignore[arg-type]
            )
            head = letterhead(db, lead.organisation_id)  # type: ignore[attr-defined,arg-type]
            return board_pdf(report, head)

        figures.append(_figure("board figures PDF", _times(board, runs)))

        database = folder / "bandwise.db"

        def backup(run: int) -> None:
            out = folder / f"backup-{run + 1}.db"
            out.unlink(missing_ok=True)
            backup_sqlite(database, out)

        size = database.stat().st_size
        figures.append(_figure("db backup", _times(backup, runs), f"; {size / 1024**2:.1f} MiB"))

        def check(run: int) -> object:
            with db.engine.connect() as conn:  # type: ignore[attr-defined]
                return integrity_problems(conn), missing_seals(conn)

        figures.append(_figure("db check (integrity and seals)", _times(check, runs)))

        environ = {
            **os.environ,
            "BANDWISE_DATA_DIR": str(folder),
            "BANDWISE_SECRET_KEY": "bench-" + "x" * 60,
        }
        figures.append(
            _figure("doctor's checks", _times(lambda run: run_checks(environ, smtp=False), runs))
        )
        db.engine.dispose()  # type: ignore[attr-defined]
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outcomes", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    run(args.outcomes, args.runs)


if __name__ == "__main__":
    main()
