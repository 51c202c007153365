"""The export in people's words (issue 17): the panel with its sides and guests, the panel's
rationale, the checker and the days of the outcome, the check and the notification; the
header row as column codes (what scripts read) or as words with the factors' names; days
as ISO text in CSV and real dates in XLSX; and the same from the command line, the
exports page and the API."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import select
from typer.testing import CliRunner

from bandwise.cli import app
from bandwise.clock import uk_day
from bandwise.scheme.loader import load_scheme
from bandwise.services.base import Database, InvalidInput
from bandwise.services.export import COLUMNS, export_outcomes, header, member_text
from bandwise.store import tables as t
from clikit import run_main
from dbfixtures import People, copy_of, make_people
from pagekit import Web
from recordfixtures import add_job, add_outcome, noon
from workflowkit import notified, recorded

FACTOR_NAMES = [f.name for f in load_scheme().factors]
NAMES_HEADER = [
    "Job number", "Job reference", "Job title", "Department", "Case number", "Kind of case",
    "Verdict", "Total score (lowest)", "Total score (highest)", "Band", "National profile",
    "Profile suite", "Profile suite version", "Matching rule set",
    "Job evaluation scheme edition", "Recorded at", "Confirmed by a consistency check",
    *FACTOR_NAMES,
    "Outcome date", "Panel members", "Panel's rationale", "Consistency checked by",
    "Consistency check date", "Notified on",
]  # fmt: skip


def _with_guest_and_rationale(db: Database, people: People, case_id: int) -> dt.date:
    """Add a guest to the case's panel and a rationale to its outcome; the check's day."""
    with db.transaction() as session:
        outcome = session.scalars(select(t.Outcome).where(t.Outcome.case_id == case_id)).one()
        outcome.rationale = "The job matches the profile; factor 2 at level 7 on the evidence."
        assert outcome.panel_id is not None
        session.add(
            t.PanelMember(
                panel_id=outcome.panel_id,
                side="staff-side",
                guest_name="Bob Ray",
                guest_organisation="UNISON",
            )
        )
        check = session.scalars(
            select(t.ConsistencyCheck).where(t.ConsistencyCheck.case_id == case_id)
        ).one()
        return uk_day(check.checked_at)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_export_names_the_panel_with_sides_the_checker_and_the_three_days(
    db: Database, people: People, tmp_path: Path
) -> None:
    case = notified(db, people, on=dt.date(2026, 10, 5))
    checked_on = _with_guest_and_rationale(db, people, case.case.id)
    out = tmp_path / "outcomes.csv"
    export_outcomes(db, people.viewer, out)
    (row,) = _read(out)
    assert row["panel_members"] == (
        "Management (management side); Staff (staff side); Bob Ray (staff side, guest, UNISON)"
    )
    assert row["rationale"].startswith("The job matches the profile")
    assert (row["checked_by"], row["checked_on"]) == ("Checker", checked_on.isoformat())
    assert (row["outcome_on"], row["notified_on"]) == ("2026-10-01", "2026-10-05")


def test_an_outcome_waiting_for_its_check_has_no_checker_and_no_notification(
    db: Database, people: People, tmp_path: Path
) -> None:
    recorded(db, people)
    out = tmp_path / "waiting.csv"
    export_outcomes(db, people.viewer, out)
    (row,) = _read(out)
    assert row["confirmed"] == "no"
    assert (row["checked_by"], row["checked_on"], row["notified_on"]) == ("", "", "")
    assert row["panel_members"] == "Management (management side); Staff (staff side)"


def test_an_outcome_recorded_without_a_panel_is_dated_by_the_day_it_was_recorded(
    db: Database, people: People, tmp_path: Path
) -> None:
    add_outcome(db, people, add_job(db, people, "Porter"))  # fixture: no panel, 3 June 2024
    out = tmp_path / "old.csv"
    export_outcomes(db, people.viewer, out)
    (row,) = _read(out)
    assert (row["outcome_on"], row["panel_members"]) == ("2024-06-03", "")
    assert row["checked_by"] == "Checker"


def test_only_the_latest_outcome_of_a_case_carries_its_notification_day(
    db: Database, people: People, tmp_path: Path
) -> None:
    case = notified(db, people)
    job = case.case.job_id
    add_outcome(
        db,
        people,
        job,
        case_id=case.case.id,
        recorded_at=dt.datetime(2020, 1, 1, 12, 0, tzinfo=dt.UTC),
    )
    out = tmp_path / "two.csv"
    export_outcomes(db, people.viewer, out)
    older, newer = _read(out)
    assert (older["outcome_on"], older["notified_on"]) == ("2020-01-01", "")
    assert newer["notified_on"] == "2026-10-05"


def test_a_guest_without_an_organisation_is_still_marked_as_a_guest() -> None:
    assert member_text("Ann Lee", "management") == "Ann Lee (management side)"
    assert member_text("Bob Ray", "staff-side", "") == "Bob Ray (staff side, guest)"


def test_the_header_in_words_names_each_factor_as_the_factor_plan_does() -> None:
    assert list(header("names")) == NAMES_HEADER
    assert header("names")[COLUMNS.index("f1")] == "Communication and relationship skills"
    assert header("codes") == COLUMNS
    with pytest.raises(InvalidInput, match="codes or names"):
        header("ids")


def test_days_are_iso_text_in_csv_and_real_dates_in_xlsx(
    db: Database, people: People, tmp_path: Path
) -> None:
    notified(db, people)
    out = tmp_path / "outcomes.xlsx"
    export_outcomes(db, people.viewer, out, headers="names")
    book = load_workbook(out)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert list(rows[0]) == NAMES_HEADER
    row = dict(zip(NAMES_HEADER, rows[1], strict=True))
    assert row["Outcome date"] == dt.datetime(2026, 10, 1)  # openpyxl reads a date cell so
    assert row["Notified on"] == dt.datetime(2026, 10, 5)
    assert isinstance(row["Consistency check date"], dt.datetime)
    assert row["Communication and relationship skills"] == "6"


# -- the command line ------------------------------------------------------------------------


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path) -> str:
    url = copy_of(sqlite_template, tmp_path / "cli.db")
    monkeypatch.setenv("BANDWISE_DATABASE_URL", url)
    return url


def test_the_export_command_with_headers_names_writes_the_factor_names(
    cli_db: str, tmp_path: Path
) -> None:
    db = Database.connect(cli_db)
    notified(db, make_people(db))
    out = tmp_path / "words.csv"
    result = CliRunner().invoke(app, ["export", "--out", str(out), "--headers", "names"])
    assert result.exit_code == 0, (result.output, result.exception)
    with out.open(encoding="utf-8", newline="") as fh:
        assert next(csv.reader(fh)) == NAMES_HEADER
    codes = tmp_path / "codes.csv"
    assert CliRunner().invoke(app, ["export", "--out", str(codes)]).exit_code == 0
    with codes.open(encoding="utf-8", newline="") as fh:
        assert tuple(next(csv.reader(fh))) == COLUMNS  # the default stays the codes


def test_the_export_command_refuses_headers_it_does_not_know_in_one_line(
    cli_db: str, tmp_path: Path
) -> None:
    make_people(Database.connect(cli_db))
    proc = run_main(
        "export",
        "--out",
        tmp_path / "x.csv",
        "--headers",
        "ids",
        env={**os.environ, "BANDWISE_DATABASE_URL": cli_db},
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "--headers is codes or names" in proc.stderr
    assert not (tmp_path / "x.csv").exists()


# -- the exports page and the API ------------------------------------------------------------


def _csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_exports_page_downloads_use_words_and_offer_the_codes_for_scripts(web: Web) -> None:
    notified(web.db, web.people)
    browser = web.client(web.people.viewer)
    page = browser.get("/exports")
    assert 'href="/exports/outcomes.csv?headers=codes"' in page.text
    assert "Communication and relationship skills" in page.text
    words = _csv(browser.get("/exports/outcomes.csv").content)
    assert words[0] == NAMES_HEADER and len(words) == 2
    codes = _csv(browser.get("/exports/outcomes.csv?headers=codes").content)
    assert tuple(codes[0]) == COLUMNS
    assert words[1] == codes[1]  # the same values under either header
    sheet = load_workbook(io.BytesIO(browser.get("/exports/outcomes.xlsx").content)).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == NAMES_HEADER
    assert browser.get("/exports/outcomes.csv?headers=ids").status_code == 422


def test_the_api_export_keeps_the_codes_unless_asked_for_names(web: Web) -> None:
    notified(web.db, web.people)
    token_client = web.client(web.people.viewer)
    codes = _csv(token_client.get("/api/export?format=csv").content)
    assert tuple(codes[0]) == COLUMNS
    names = _csv(token_client.get("/api/export?format=csv&headers=names").content)
    assert names[0] == NAMES_HEADER


# -- the golden file -------------------------------------------------------------------------

GOLDEN = Path(__file__).parent / "golden" / "export-outcomes.csv"


def _fixed_record(db: Database, people: People) -> None:
    """One outcome with every column filled, at fixed instants (nothing from the clock)."""
    job = add_job(db, people, "Arts therapist", "AT-1", "Therapies")
    case_id, outcome_id = add_outcome(db, people, job, recorded_at=noon("2026-10-01"))
    with db.transaction() as session:
        panel = t.Panel(
            organisation_id=people.organisation_id, case_id=case_id, sat_on=dt.date(2026, 9, 30)
        )
        session.add(panel)
        session.flush()
        session.add_all(
            [
                t.PanelMember(
                    panel_id=panel.id, user_id=people.management.user_id, side="management"
                ),
                t.PanelMember(panel_id=panel.id, user_id=people.staff.user_id, side="staff-side"),
                t.PanelMember(
                    panel_id=panel.id,
                    side="staff-side",
                    guest_name="Bob Ray",
                    guest_organisation="UNISON",
                ),
            ]
        )
        outcome = session.get(t.Outcome, outcome_id)
        assert outcome is not None
        outcome.panel_id = panel.id
        outcome.rationale = "Matches the profile on every factor."
        check = session.scalars(
            select(t.ConsistencyCheck).where(t.ConsistencyCheck.outcome_id == outcome_id)
        ).one()
        check.checked_at = noon("2026-10-02")
        case = session.get(t.Case, case_id)
        assert case is not None
        case.notified_at = noon("2026-10-05")


def test_the_export_matches_the_golden_file_column_for_column(
    db: Database, people: People, tmp_path: Path
) -> None:
    """The contract scripts read, as a file: a change to a column shows here first. The
    ids are replaced by their names (they differ between databases)."""
    _fixed_record(db, people)
    out = tmp_path / "outcomes.csv"
    export_outcomes(db, people.viewer, out)
    (row,) = _read(out)
    row["job_id"], row["case_id"] = "JOB", "CASE"
    lines = io.StringIO()
    writer = csv.DictWriter(lines, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerow(row)
    assert lines.getvalue() == GOLDEN.read_text(encoding="utf-8")
