"""Exporting every outcome with its 16 factor levels: the columns, the content read back
from CSV and XLSX, formula safety, tenant isolation, all-or-nothing writing, and the
``bandwise export`` command."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import select
from typer.testing import CliRunner

from bandwise.cli import app
from bandwise.cli_common import UsageError
from bandwise.errors import DocumentError
from bandwise.services.base import Database, Forbidden, InvalidInput
from bandwise.services.export import COLUMNS, export_outcomes
from bandwise.store import tables as t
from clikit import run_main
from dbfixtures import People, copy_of, make_people
from recordfixtures import ARTS_THERAPIST, add_job, add_outcome, noon

EXPECTED_COLUMNS = [
    "job_id", "reference", "title", "department", "case_id", "kind", "verdict", "total_min",
    "total_max", "band", "profile_id", "suite_id", "suite_version", "rule_set",
    "scheme_edition", "recorded_at", "confirmed", *(f"f{n}" for n in range(1, 17)),
    "outcome_on", "panel_members", "rationale", "checked_by", "checked_on", "notified_on",
]  # fmt: skip


def _records(db: Database, people: People) -> tuple[int, int]:
    job = add_job(db, people, "Arts therapist", "AT-1", "Therapies")
    case_id, _ = add_outcome(db, people, job, recorded_at=noon("2024-06-03"))
    evaluated = add_job(db, people, '=HYPERLINK("http://evil","x")', "+44", "-Estates")
    add_outcome(
        db, people, evaluated, kind="evaluation", recorded_at=noon("2024-07-01"), confirmed=False
    )
    return job, case_id


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_columns_are_the_job_the_case_the_outcome_the_16_levels_then_who_and_when() -> None:
    assert list(COLUMNS) == EXPECTED_COLUMNS


def test_a_csv_export_holds_every_outcome_with_its_levels(
    db: Database, people: People, tmp_path: Path
) -> None:
    job, case_id = _records(db, people)
    out = tmp_path / "outcomes.csv"
    result = export_outcomes(db, people.viewer, out, "csv")
    assert (result.rows, result.format) == (2, "csv")
    with out.open(encoding="utf-8", newline="") as fh:
        assert next(csv.reader(fh)) == EXPECTED_COLUMNS
    first, second = _read_csv(out)
    assert first["job_id"] == str(job) and first["case_id"] == str(case_id)
    assert (first["reference"], first["title"], first["department"]) == (
        "AT-1", "Arts therapist", "Therapies",
    )  # fmt: skip
    assert (first["kind"], first["verdict"], first["band"]) == ("match", "profile-match", "7")
    assert (first["total_min"], first["total_max"]) == ("482", "482")
    assert (first["profile_id"], first["suite_id"], first["suite_version"]) == (
        "arts-therapist", "arts-therapies", "1",
    )  # fmt: skip
    assert first["rule_set"] == "bandwise-default v1"
    assert first["scheme_edition"] == "afc-je-7-2024"
    assert first["recorded_at"].startswith("2024-06-03T12:00:00")
    assert first["confirmed"] == "yes" and second["confirmed"] == "no"
    assert [first[f"f{n}"] for n in range(1, 17)] == list(ARTS_THERAPIST)
    assert (second["kind"], second["verdict"], second["profile_id"]) == (
        "evaluation",
        "evaluated",
        "",
    )


def test_text_that_a_spreadsheet_would_run_as_a_formula_is_neutralised_in_csv(
    db: Database, people: People, tmp_path: Path
) -> None:
    _records(db, people)
    out = tmp_path / "outcomes.csv"
    export_outcomes(db, people.viewer, out)
    row = _read_csv(out)[1]
    assert row["title"] == '\'=HYPERLINK("http://evil","x")'
    assert (row["reference"], row["department"]) == ("'+44", "'-Estates")


def test_an_xlsx_export_reads_back_with_the_same_content_and_no_formula(
    db: Database, people: People, tmp_path: Path
) -> None:
    job, _ = _records(db, people)
    out = tmp_path / "outcomes.xlsx"
    assert export_outcomes(db, people.viewer, out, "xlsx").rows == 2
    book = load_workbook(out)
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == EXPECTED_COLUMNS
    first = dict(zip(EXPECTED_COLUMNS, rows[1], strict=True))
    assert first["job_id"] == job and first["total_min"] == 482
    assert first["band"] == "7" and first["f16"] == "2"
    title = sheet.cell(row=3, column=EXPECTED_COLUMNS.index("title") + 1)
    assert title.data_type == "s"
    assert title.value == '=HYPERLINK("http://evil","x")'
    book.close()


def test_another_organisations_outcomes_are_never_exported(
    db: Database, people: People, other_people: People, tmp_path: Path
) -> None:
    _records(db, other_people)
    add_outcome(db, people, add_job(db, people, "Ours"))
    out = tmp_path / "ours.csv"
    assert export_outcomes(db, people.viewer, out).rows == 1
    assert [r["title"] for r in _read_csv(out)] == ["Ours"]


def test_an_organisation_without_outcomes_exports_the_header_only(
    db: Database, people: People, tmp_path: Path
) -> None:
    out = tmp_path / "empty.csv"
    assert export_outcomes(db, people.viewer, out).rows == 0
    assert out.read_text(encoding="utf-8").strip() == ",".join(EXPECTED_COLUMNS)


def test_the_export_is_recorded_in_the_audit_trail(
    db: Database, people: People, tmp_path: Path
) -> None:
    _records(db, people)
    export_outcomes(db, people.viewer, tmp_path / "x.xlsx")
    with db.transaction() as session:
        (event,) = session.scalars(
            select(t.AuditEvent).where(t.AuditEvent.action == "outcomes.exported")
        )
        assert event.user_id == people.viewer.user_id
        assert event.after == {"format": "xlsx", "rows": 2, "file": "x.xlsx", "headers": "codes"}


def test_a_format_that_disagrees_with_the_file_name_is_refused(
    db: Database, people: People, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(InvalidInput, match=r"name the file \.xlsx"):
        export_outcomes(db, people.viewer, folder / "x.csv", "xlsx")
    with pytest.raises(InvalidInput):
        export_outcomes(db, people.viewer, folder / "x.ods")
    assert list(folder.iterdir()) == []


def test_a_failed_export_leaves_no_file_and_an_old_file_untouched(
    db: Database, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _records(db, people)
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "outcomes.csv"
    out.write_text("the previous export\n", encoding="utf-8")
    import bandwise.services.export as module

    def rows_then_fail(*args: object, **kwargs: object) -> None:
        def gen() -> object:
            yield [1] * len(COLUMNS)
            raise RuntimeError("interrupted")

        real_write(args[0], args[1], gen())  # type: ignore[arg-type]

    real_write = module.write_rows
    monkeypatch.setattr(module, "write_rows", rows_then_fail)
    with pytest.raises(RuntimeError):
        export_outcomes(db, people.viewer, out)
    assert out.read_text(encoding="utf-8") == "the previous export\n"
    assert [p.name for p in folder.iterdir()] == ["outcomes.csv"]
    with pytest.raises(DocumentError):
        monkeypatch.setattr(module, "write_rows", real_write)
        export_outcomes(db, people.viewer, tmp_path / "no-such-folder" / "x.csv")


def test_a_role_without_read_permission_is_refused(
    db: Database, people: People, tmp_path: Path
) -> None:
    with pytest.raises(Forbidden):
        export_outcomes(db, dataclasses.replace(people.viewer, role="nobody"), tmp_path / "x.csv")


# -- the command line ------------------------------------------------------------------------


@pytest.fixture
def cli_db(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path
) -> tuple[str, Database]:
    url = copy_of(sqlite_template, tmp_path / "cli.db")
    monkeypatch.setenv("BANDWISE_DATABASE_URL", url)
    return url, Database.connect(url)


def test_the_export_command_writes_csv_and_xlsx(
    cli_db: tuple[str, Database], tmp_path: Path
) -> None:
    _, db = cli_db
    people = make_people(db)
    _records(db, people)
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"all.{fmt}"
        result = CliRunner().invoke(app, ["export", "--format", fmt, "--out", str(out), "--json"])
        assert result.exit_code == 0, (result.output, result.exception)
        assert json.loads(result.output) == {"path": str(out), "format": fmt, "rows": 2}
    assert len(_read_csv(tmp_path / "all.csv")) == 2
    text = CliRunner().invoke(app, ["export", "--out", str(tmp_path / "again.csv")])
    assert "Wrote 2 outcomes to" in text.output
    with db.transaction() as session:
        users = set(
            session.scalars(
                select(t.AuditEvent.user_id).where(t.AuditEvent.action == "outcomes.exported")
            )
        )
    assert users == {people.admin.user_id}  # acts as the organisation's first admin


def test_the_export_command_picks_the_organisation_by_slug(
    cli_db: tuple[str, Database], tmp_path: Path
) -> None:
    _, db = cli_db
    a, b = make_people(db, "trust-a"), make_people(db, "trust-b")
    add_outcome(db, a, add_job(db, a, "A's job"))
    add_outcome(db, b, add_job(db, b, "B's job"))
    out = tmp_path / "b.csv"
    result = CliRunner().invoke(app, ["export", "--out", str(out), "--organisation", "trust-b"])
    assert result.exit_code == 0, (result.output, result.exception)
    assert [r["title"] for r in _read_csv(out)] == ["B's job"]
    unknown = CliRunner().invoke(app, ["export", "--out", str(out), "--organisation", "trust-z"])
    assert isinstance(unknown.exception, UsageError)
    assert "no organisation 'trust-z'" in str(unknown.exception)


def test_the_export_command_refuses_an_organisation_without_an_admin(
    cli_db: tuple[str, Database], tmp_path: Path
) -> None:
    _, db = cli_db
    people = make_people(db)
    with db.transaction() as session:
        admin = session.get(t.User, people.admin.user_id)
        assert admin is not None
        admin.active = False
    result = CliRunner().invoke(app, ["export", "--out", str(tmp_path / "x.csv")])
    assert isinstance(result.exception, UsageError)
    assert "has no active admin user" in str(result.exception)
    assert not (tmp_path / "x.csv").exists()


def test_the_export_command_refuses_a_format_unlike_the_file_name(
    cli_db: tuple[str, Database], tmp_path: Path
) -> None:
    make_people(cli_db[1])
    result = CliRunner().invoke(
        app, ["export", "--format", "xlsx", "--out", str(tmp_path / "x.csv")]
    )
    assert isinstance(result.exception, UsageError)
    assert "ending in .xlsx" in str(result.exception)


def test_a_mistake_is_one_line_on_standard_error_and_exit_2(
    cli_db: tuple[str, Database], tmp_path: Path
) -> None:
    url, db = cli_db
    make_people(db)
    with db.transaction() as session:
        for user in session.scalars(select(t.User)):
            user.role = "viewer"  # no admin left
    proc = run_main(
        "export", "--out", tmp_path / "x.csv", env={**os.environ, "BANDWISE_DATABASE_URL": url}
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "has no active admin user" in proc.stderr
