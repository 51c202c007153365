"""``bandwise letter outcome|review``: the command-line contract (exit codes, files by
suffix, the letter stored and audited as one made on the case page)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from docx import Document

from bandwise.services import letters
from bandwise.services.base import Database
from bandwise.store.migrate import upgrade
from clikit import run_main
from dbfixtures import People, make_people
from test_letters import _decided_review, pdf_text
from workflowkit import audit_events, notified, recorded


def _cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Database, People]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    monkeypatch.setenv("BANDWISE_DATABASE_URL", url)
    db = Database.connect(url)
    return db, make_people(db)


def test_letter_outcome_writes_the_pdf_and_stores_the_letter_with_the_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, people = _cli_db(tmp_path, monkeypatch)
    case = notified(db, people)
    out = tmp_path / "outcome.pdf"
    ran = run_main(
        "letter", "outcome", case.case.id, "--out", out, "--to", "Alex Morgan",
        "--effective", "2026-11-01",
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert "Wrote the outcome letter to the jobholder to Alex Morgan" in ran.stdout
    text = pdf_text(out.read_bytes())
    assert "Dear Alex Morgan" in text and "takes effect from 1 November 2026" in text
    (stored,) = letters.list_letters(db, people.admin, case.case.id)
    assert stored.recipient_name == "Alex Morgan" and stored.created_by == people.admin.user_id
    assert audit_events(db)[-1].action == "letter.produced"


def test_letter_outcome_writes_word_and_a_managers_letter_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, people = _cli_db(tmp_path, monkeypatch)
    case = notified(db, people)
    out = tmp_path / "outcome.docx"
    ran = run_main(
        "letter", "outcome", case.case.id, "--out", out, "--manager", "Jo Evans", "--json"
    )
    assert ran.returncode == 0, ran.stderr
    data = json.loads(ran.stdout)
    assert [(d["kind"], d["recipient"]) for d in data] == [
        ("outcome-jobholder", "The jobholder"),
        ("outcome-manager", "Jo Evans"),
    ]
    manager = Document(io.BytesIO((tmp_path / "outcome-2.docx").read_bytes()))
    assert any("Dear Jo Evans" in p.text for p in manager.paragraphs)
    assert Document(io.BytesIO(out.read_bytes())).paragraphs


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "letter.txt"], "--out needs a file ending in .pdf or .docx, not 'letter.txt'"),
        (["--out", "nowhere/letter.pdf"], "--out: there is no folder"),
        (["--out", "l.pdf", "--effective", "1/11/2026"], "--effective '1/11/2026' is not a date"),
    ],
)
def test_letter_outcome_refuses_a_bad_file_or_date_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    _cli_db(tmp_path, monkeypatch)
    ran = run_main("letter", "outcome", "1", *args, cwd=tmp_path)
    assert ran.returncode == 2 and message in ran.stderr
    assert len(ran.stderr.strip().splitlines()) == 1


def test_letter_outcome_of_an_unconfirmed_or_unknown_case_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, people = _cli_db(tmp_path, monkeypatch)
    case = recorded(db, people)
    ran = run_main("letter", "outcome", case.case.id, "--out", tmp_path / "a.pdf")
    assert ran.returncode == 2 and "once the panel's outcome is confirmed" in ran.stderr
    ran = run_main("letter", "outcome", "999", "--out", tmp_path / "a.pdf")
    assert ran.returncode == 2 and "no case 999" in ran.stderr
    assert not (tmp_path / "a.pdf").exists()


def test_letter_review_writes_the_decision_letter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, people = _cli_db(tmp_path, monkeypatch)
    case_id, review_id = _decided_review(db, people, "upheld", "8a")
    out = tmp_path / "decision.pdf"
    ran = run_main("letter", "review", review_id, "--out", out)
    assert ran.returncode == 0, ran.stderr
    assert "review decision letter to Alex Morgan" in ran.stdout
    assert "backdated to 14 July 2026" in pdf_text(out.read_bytes())
    (stored,) = letters.list_letters(db, people.admin, case_id)
    assert stored.review_request_id == review_id
    ran = run_main("letter", "review", review_id, "--out", tmp_path / "d.odt")
    assert ran.returncode == 2
