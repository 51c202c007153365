"""Register import (CSV/XLSX): every bad row named, all or nothing unless --skip-bad,
updates by reference, notes, postholders, open cases flagged; the CLI over it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bandwise.errors import Forbidden, InvalidInput
from bandwise.services import register
from bandwise.services.base import Database
from bandwise.services.register_import import import_register, read_table
from clikit import Ran, run_main
from dbfixtures import People
from recordfixtures import add_job, add_outcome

HEADER = "Reference,Title,Staff Group,Band,JD_Last_Reviewed,Headcount,WTE,Status,Ward\n"


def _csv(tmp_path: Path, body: str, name: str = "register.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_a_good_file_creates_jobs_with_their_register_entries_and_postholders(
    db: Database, people: People, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path,
        "NM-001,Staff nurse,Nursing and Midwifery Registered,Band 5,01/03/2026,"
        "40,36.5,In use,Ward 7\n"
        "AHP-001,Physiotherapist,AHP,6,2026-05-01,,,active,\n",
    )
    result = import_register(db, people.lead, read_table(path))
    assert (result.created, result.errors, result.imported) == (["NM-001", "AHP-001"], [], True)
    entry = next(e for e in register.list_register(db, people.viewer) if e.reference == "NM-001")
    assert (entry.staff_group, entry.band, entry.jd_last_reviewed.isoformat()) == (  # type: ignore[union-attr]
        "nursing-midwifery-registered", "5", "2026-03-01",
    )  # fmt: skip
    assert (entry.headcount, str(entry.wte), entry.notes) == (40, "36.50", {"ward": "Ward 7"})


def test_each_bad_row_names_its_row_column_value_and_what_was_expected_and_nothing_is_imported(
    db: Database, people: People, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path,
        "NM-001,Staff nurse,Nursing,5,2026-03-01,40,36.5,In use,\n"
        "NM-002,Ward sister,Nursing and midwifery registered,band 10,31/02/2026,x,,gone,\n"
        "NM-003,,Nursing and midwifery registered,6,,,,,\n",
    )
    result = import_register(db, people.lead, read_table(path))
    assert not result.imported
    got = [(e.row, e.column, e.value) for e in result.errors]
    assert got == [
        (2, "staff_group", "Nursing"),
        (3, "status", "gone"),
        (3, "band", "band 10"),
        (3, "jd_last_reviewed", "31/02/2026"),
        (3, "headcount", "x"),
        (4, "title", ""),
    ]
    assert "DD/MM/YYYY" in result.errors[3].expected
    assert register.list_register(db, people.viewer) == []


def test_skip_bad_imports_the_good_rows_and_reports_the_bad(
    db: Database, people: People, tmp_path: Path
) -> None:
    path = _csv(tmp_path, "NM-001,Staff nurse,,5,,,,,\nNM-002,Sister,,5z,,,,,\n")
    result = import_register(db, people.lead, read_table(path), skip_bad=True)
    assert (result.imported, result.created, [e.row for e in result.errors]) == (
        True, ["NM-001"], [3],
    )  # fmt: skip


def test_a_dry_run_changes_nothing(db: Database, people: People, tmp_path: Path) -> None:
    path = _csv(tmp_path, "NM-001,Staff nurse,,5,,,,,\n")
    result = import_register(db, people.lead, read_table(path), dry_run=True)
    assert result.created == ["NM-001"] and not result.imported
    assert register.list_register(db, people.viewer) == []


def test_a_row_whose_reference_exists_updates_that_job(
    db: Database, people: People, tmp_path: Path
) -> None:
    job_id = add_job(db, people, "Staff nurse", "NM-001")
    path = _csv(tmp_path, "NM-001,Senior staff nurse,,6,,,,archived,\n")
    result = import_register(db, people.lead, read_table(path))
    assert result.updated == ["NM-001"]
    entry = register.get_entry(db, people.viewer, job_id)
    assert (entry.title, entry.band, entry.status) == ("Senior staff nurse", "6", "archived")


def test_a_row_for_a_job_with_open_cases_is_kept_and_flagged(
    db: Database, people: People, tmp_path: Path
) -> None:
    job_id = add_job(db, people, "Staff nurse", "NM-001")
    add_outcome(db, people, job_id, confirmed=False)  # outcome recorded, not yet checked
    result = import_register(db, people.lead, read_table(_csv(tmp_path, "NM-001,,,5,,,,,\n")))
    assert (result.imported, result.flagged) == (True, ["NM-001"])


def test_a_reference_twice_in_one_file_is_an_error_on_the_second_row(
    db: Database, people: People, tmp_path: Path
) -> None:
    path = _csv(tmp_path, "NM-001,Staff nurse,,5,,,,,\nNM-001,Staff nurse,,6,,,,,\n")
    result = import_register(db, people.lead, read_table(path))
    assert [(e.row, e.column) for e in result.errors] == [(3, "reference")]


def test_an_xlsx_file_is_read_like_a_csv(db: Database, people: People, tmp_path: Path) -> None:
    import datetime as dt

    import xlsxwriter  # type: ignore[import-untyped]

    path = tmp_path / "register.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["reference", "title", "band", "jd_last_reviewed", "headcount", "wte"])
    sheet.write_row(1, 0, ["NM-001", "Staff nurse", 5, "", 12, 10.4])
    sheet.write_datetime(
        1, 3, dt.datetime(2026, 3, 1), book.add_format({"num_format": "dd/mm/yyyy"})
    )
    book.close()
    result = import_register(db, people.lead, read_table(path))
    assert result.errors == [] and result.created == ["NM-001"]
    entry = register.list_register(db, people.viewer)[0]
    assert (entry.band, str(entry.jd_last_reviewed), entry.headcount) == ("5", "2026-03-01", 12)


def test_a_file_without_a_reference_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("title,band\nStaff nurse,5\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="no 'reference' column"):
        read_table(path)


def test_only_a_lead_or_admin_imports_the_register(
    db: Database, people: People, tmp_path: Path
) -> None:
    with pytest.raises(Forbidden):
        import_register(db, people.management, read_table(_csv(tmp_path, "NM-1,T,,5,,,,,\n")))


def test_an_import_is_audited(db: Database, people: People, tmp_path: Path) -> None:
    from sqlalchemy import select

    from bandwise.store import tables as t

    import_register(db, people.lead, read_table(_csv(tmp_path, "NM-001,Staff nurse,,5,,,,,\n")))
    with db.reading() as session:
        actions = list(session.scalars(select(t.AuditEvent.action).order_by(t.AuditEvent.id)))
    assert actions == ["job.created", "job.register-updated", "register.imported"]


# -- the command line ----------------------------------------------------------------


def _main(db_url: str, tmp_path: Path, *args: str) -> Ran:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BANDWISE_")}
    env |= {"BANDWISE_DATABASE_URL": db_url, "BANDWISE_DATA_DIR": str(tmp_path)}
    return run_main(*args, env=env)


def test_jobs_import_prints_each_bad_row_and_exits_1_without_importing(
    db_url: str, db: Database, people: People, tmp_path: Path
) -> None:
    path = _csv(tmp_path, "NM-001,Staff nurse,,5,,,,,\nNM-002,Sister,,5z,,,,,\n")
    ran = _main(db_url, tmp_path, "jobs", "import", str(path))
    assert ran.returncode == 1, ran.stderr
    assert "row 3, column band: '5z'" in ran.stdout
    assert "nothing imported" in ran.stdout
    ran = _main(db_url, tmp_path, "jobs", "import", str(path), "--skip-bad", "--json")
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["created"] == ["NM-001"]


def test_returns_je_kpi_prints_the_contract_json_and_refuses_a_future_quarter(
    db_url: str, db: Database, people: People, tmp_path: Path
) -> None:
    from bandwise.services.je_returns import CONTRACT_KEYS

    ran = _main(db_url, tmp_path, "returns", "je-kpi", "--quarter", "2026-Q3", "--json")
    assert ran.returncode == 0, ran.stderr
    assert tuple(json.loads(ran.stdout)) == CONTRACT_KEYS
    ran = _main(db_url, tmp_path, "returns", "je-kpi", "--quarter", "2099-Q1")
    assert ran.returncode == 2 and "not over yet" in ran.stderr and "Traceback" not in ran.stderr


def test_returns_je_kpi_writes_an_xlsx_workbook(
    db_url: str, db: Database, people: People, tmp_path: Path
) -> None:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    out = tmp_path / "return.xlsx"
    ran = _main(db_url, tmp_path, "returns", "je-kpi", "--quarter", "2026-Q3", "--xlsx", str(out))
    assert ran.returncode == 0, ran.stderr
    book = load_workbook(out)
    assert book.sheetnames[:2] == ["Return", "Gaps"]
    assert book["Return"]["B1"].value == "2026-Q3"


def test_an_unreadable_upload_is_named_by_what_is_wrong_not_by_a_temporary_path() -> None:
    from bandwise.services.register_import import read_bytes

    with pytest.raises(InvalidInput) as caught:
        read_bytes(b"PK\x03\x04 not really a workbook", "register.xlsx")
    assert "not a readable XLSX workbook" in caught.value.message
    assert "/tmp" not in caught.value.message and "upload" not in caught.value.message
