"""The board figures as CSV and Excel (issue 17): one table from the board report's service
(a row per figure, a column per quarter and the whole period, then the job-description
counts), the same from the board page, the API and ``bandwise report --out``; and the
"Reports" menu item opening a page called "Reports" that lists every report."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from bandwise.services.base import Database
from bandwise.services.reporting import board_report, board_table, write_board_table
from clikit import run_main
from dbfixtures import People, copy_of, make_people
from pagekit import Web, text_of
from test_letters import pdf_text
from test_reporting import END, START, _year

PERIOD = "from=2024-04-01&to=2025-03-31"
HEADER = ["Figure", "2024/25 Q1", "2024/25 Q2", "2024/25 Q3", "2024/25 Q4", "Whole period"]
#: The 2024/25 year of test_reporting's records, as the board table shows it.
TABLE = [
    ["Jobs matched to a national profile", 2, 2, 0, 0, 4],
    ["Jobs evaluated locally", 0, 0, 1, 0, 1],
    ["Review requests", 0, 0, 1, 2, 3],
    ["Reviews upheld", 1, 0, 0, 1, 2],
    ["Reviews not upheld", 0, 0, 0, 1, 1],
    ["Jobs re-banded up", 0, 0, 0, 1, 1],
    ["Jobs re-banded down", 1, 0, 0, 0, 1],
    ["Jobs re-matched, band unchanged", 0, 1, 0, 0, 1],
    ["Job descriptions older than 12 months (as at 2025-03-31)", "", "", "", "", 0],
    ["Job descriptions older than 3 years (as at 2025-03-31)", "", "", "", "", 0],
    ["Active jobs without a job description (as at 2025-03-31)", "", "", "", "", 7],
]


def _as_text(rows: list[list[object]]) -> list[list[str]]:
    return [[str(c) for c in row] for row in rows]


def test_the_board_table_has_a_row_per_figure_and_a_column_per_quarter_and_the_period(
    db: Database, people: People
) -> None:
    _year(db, people)
    head, rows = board_table(board_report(db, people.viewer, START, END))
    assert head == HEADER
    assert rows == TABLE


def test_the_board_table_written_as_csv_and_xlsx_reads_back_the_same(
    db: Database, people: People, tmp_path: Path
) -> None:
    _year(db, people)
    report = board_report(db, people.viewer, START, END)
    write_board_table(report, tmp_path / "board.csv")
    with (tmp_path / "board.csv").open(encoding="utf-8", newline="") as fh:
        assert list(csv.reader(fh)) == _as_text([HEADER, *TABLE])
    write_board_table(report, tmp_path / "board.xlsx")
    book = load_workbook(tmp_path / "board.xlsx")
    values = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    assert values[0] == HEADER
    assert values[1] == TABLE[0]  # numbers stay numbers
    assert values[-1][-1] == 7 and values[-1][1] is None  # no quarter for an "as at" count


# -- the board page and the API --------------------------------------------------------------


def test_the_board_page_offers_the_figures_as_pdf_excel_and_csv(web: Web) -> None:
    page = web.client(web.people.viewer).get(f"/reports/board?{PERIOD}")
    query = PERIOD.replace("&", "&amp;")
    for suffix in ("pdf", "xlsx", "csv"):
        assert f'href="/reports/board.{suffix}?{query}"' in page.text
    assert "Download these figures" in text_of(page.text)


def test_the_board_page_downloads_hold_the_page_figures(web: Web) -> None:
    _year(web.db, web.people)
    browser = web.client(web.people.viewer)
    response = browser.get(f"/reports/board.csv?{PERIOD}")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert (
        'filename="board-figures-2024-04-01-to-2025-03-31.csv"'
        in (response.headers["content-disposition"])
    )
    assert list(csv.reader(io.StringIO(response.text))) == _as_text([HEADER, *TABLE])
    workbook = browser.get(f"/reports/board.xlsx?{PERIOD}")
    assert workbook.headers["content-disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None
    assert [list(r) for r in sheet.iter_rows(values_only=True)][:9] == [HEADER, *TABLE[:8]]


def test_a_board_download_for_a_period_in_error_gets_the_page_with_the_error(web: Web) -> None:
    page = web.client(web.people.viewer).get("/reports/board.csv?from=2025-13-01&to=2025-03-31")
    assert page.status_code == 422
    assert "There is a problem" in page.text


def test_the_api_gives_the_board_table_as_csv_or_xlsx(web: Web) -> None:
    _year(web.db, web.people)
    browser = web.client(web.people.viewer)
    response = browser.get(f"/api/reports/board/download?{PERIOD}&format=csv")
    assert response.status_code == 200
    assert list(csv.reader(io.StringIO(response.text))) == _as_text([HEADER, *TABLE])
    xlsx = browser.get(f"/api/reports/board/download?{PERIOD}&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and [c.value for c in sheet[1]] == HEADER


def test_the_api_gives_the_board_figures_as_the_page_pdf_under_the_letterhead(web: Web) -> None:
    _year(web.db, web.people)
    response = web.client(web.people.viewer).get(f"/api/reports/board/download?{PERIOD}&format=pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert "board-figures-2024-04-01-to-2025-03-31.pdf" in response.headers["content-disposition"]
    text = " ".join(pdf_text(response.content).split())
    assert "Trust A" in text  # the organisation's letterhead
    assert "Board figures: 1 April 2024 to 31 March 2025" in text


@pytest.mark.parametrize(
    ("period", "field", "words"),
    [
        ("from=2014-04-01&to=2025-03-31", "end", "the period can be at most 10 years"),
        ("from=1999-04-01&to=2000-03-31", "start", "the period must be between 2000 and 2100"),
        ("from=2025-04-01&to=2025-03-31", "start", "the period must start on or before its end"),
    ],
    ids=["eleven years", "before 2000", "backwards"],
)
def test_the_api_refuses_a_board_period_the_page_refuses_with_the_same_words(
    web: Web, period: str, field: str, words: str
) -> None:
    browser = web.client(web.people.viewer)
    for url in (f"/api/reports/board?{period}", f"/api/reports/board/download?{period}"):
        response = browser.get(url)
        assert response.status_code == 422, (url, response.text)
        error = response.json()["error"]
        assert error["field"] == field and error["message"].startswith(words), error
    page = browser.get(f"/reports/board?{period}")
    assert page.status_code == 422 and words[:1].upper() + words[1:] in text_of(page.text)


# -- the command line ------------------------------------------------------------------------


@pytest.fixture
def cli_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path) -> str:
    url = copy_of(sqlite_template, tmp_path / "cli.db")
    monkeypatch.setenv("BANDWISE_DATABASE_URL", url)
    return url


def test_the_report_command_writes_the_board_table_with_out(cli_url: str, tmp_path: Path) -> None:
    db = Database.connect(cli_url)
    _year(db, make_people(db))
    env = {**os.environ, "BANDWISE_DATABASE_URL": cli_url}
    out = tmp_path / "board.xlsx"
    proc = run_main("report", "--from", "2024-04-01", "--to", "2025-03-31", "--out", out, env=env)
    assert proc.returncode == 0, proc.stderr
    assert f"Wrote the board figures to {out}" in proc.stdout
    book = load_workbook(out)
    assert [list(r) for r in book.worksheets[0].iter_rows(values_only=True)][1] == TABLE[0]
    book.close()


def test_the_report_command_refuses_a_period_longer_than_ten_years(cli_url: str) -> None:
    make_people(Database.connect(cli_url))
    env = {**os.environ, "BANDWISE_DATABASE_URL": cli_url}
    proc = run_main("report", "--from", "2010-04-01", "--to", "2025-03-31", env=env)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "the period can be at most 10 years" in proc.stderr


def test_the_report_command_refuses_an_out_file_that_is_not_csv_or_xlsx(
    cli_url: str, tmp_path: Path
) -> None:
    make_people(Database.connect(cli_url))
    env = {**os.environ, "BANDWISE_DATABASE_URL": cli_url}
    args = ("report", "--from", "2024-04-01", "--to", "2025-03-31", "--out")
    proc = run_main(*args, tmp_path / "board.ods", env=env)
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0
    assert "--out needs a file ending in .csv or .xlsx" in proc.stderr
    assert not (tmp_path / "board.ods").exists()


# -- the menu and the reports page -----------------------------------------------------------


def _menu(html: str) -> dict[str, str]:
    nav = re.search(r'<nav class="nhsuk-header__navigation".*?</nav>', html, flags=re.S)
    assert nav is not None
    return {
        text_of(label).strip(): href
        for href, label in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', nav.group(0), re.S)
    }


def test_the_reports_menu_item_opens_a_page_called_reports(web: Web) -> None:
    browser = web.client(web.people.viewer)
    assert _menu(browser.get("/").text)["Reports"] == "/reports"
    page = browser.get("/reports")
    assert page.status_code == 200
    assert re.search(r"<h1[^>]*>Reports</h1>", page.text)
    assert "<title>Reports" in page.text


def test_the_reports_page_lists_every_report_and_the_outcome_export(web: Web) -> None:
    browser = web.client(web.people.viewer)
    page = browser.get("/reports").text
    for href, title in (
        ("/reports/board", "Board figures"),
        ("/consistency/report", "Consistency report"),
        ("/returns/je-audit", "JE practices audit"),
        ("/returns/je-kpi", "JE returns"),
        ("/exports", "Export of every outcome"),
    ):
        assert f'<a href="{href}">{title}</a>' in page
        assert browser.get(href).status_code == 200, href


def test_the_exports_page_keeps_its_address_and_is_titled_for_what_it_does(web: Web) -> None:
    page = web.client(web.people.viewer).get("/exports")
    assert page.status_code == 200
    assert re.search(r"<h1[^>]*>Export every outcome</h1>", page.text)
    assert 'href="/reports"' in page.text  # the breadcrumb back to the reports


@pytest.mark.parametrize("path", ["/reports", "/exports", "/reports/board", "/returns/je-kpi"])
def test_the_reports_menu_item_is_current_on_each_report(web: Web, path: str) -> None:
    html = web.client(web.people.lead).get(path).text
    current = re.findall(r'<a [^>]*href="([^"]+)"[^>]*aria-current="page"', html)
    assert current == ["/reports"], current
