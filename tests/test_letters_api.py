"""The letters API: producing and listing a case's letters, the files, the review
decision letter, the templates (a template error names the part, line and field), and
the letters emailed through a real local SMTP server; on SQLite and PostgreSQL."""

from __future__ import annotations

import io

from docx import Document

from apikit import assert_error, make_app, token_client
from bandwise.services.base import Database
from bandwise.services.letter_mail import Mailer
from dbfixtures import People
from smtpkit import MailBox, mailbox  # noqa: F401  (the fixture)
from test_letters import _decided_review, pdf_text
from workflowkit import audit_events, notified, recorded


def test_a_case_s_letters_are_produced_listed_and_downloaded(
    db: Database, db_url: str, people: People
) -> None:
    api = token_client(make_app(db_url), db, people.management)
    case = notified(db, people)
    made = api.client.post(
        f"/api/cases/{case.case.id}/letters",
        json={
            "jobholders": [{"name": "Alex Morgan"}],
            "manager": {"name": "Jo Evans"},
            "effective_on": "2026-11-01",
        },
        headers=api.headers,
    )
    assert made.status_code == 201, made.text
    letters = made.json()
    assert [(x["kind"], x["recipient_name"]) for x in letters] == [
        ("outcome-jobholder", "Alex Morgan"),
        ("outcome-manager", "Jo Evans"),
    ]
    listed = api.client.get(f"/api/cases/{case.case.id}/letters", headers=api.headers).json()
    assert [x["id"] for x in listed] == [letters[1]["id"], letters[0]["id"]]
    pdf = api.client.get(letters[0]["pdf_url"], headers=api.headers)
    assert pdf.headers["content-type"] == "application/pdf"
    assert "takes effect from 1 November 2026" in pdf_text(pdf.content)
    word = api.client.get(letters[1]["docx_url"], headers=api.headers)
    assert any("Dear Jo Evans" in p.text for p in Document(io.BytesIO(word.content)).paragraphs)
    assert audit_events(db)[-1].action == "letter.produced"


def test_letters_before_the_check_and_review_letters_before_the_decision_are_refused(
    db: Database, db_url: str, people: People
) -> None:
    api = token_client(make_app(db_url), db, people.lead)
    case = recorded(db, people)
    refused = api.client.post(f"/api/cases/{case.case.id}/letters", json={}, headers=api.headers)
    assert_error(refused, 422, "rule-violation", "status")
    _, review_id = _decided_review(db, people, "open", "7")
    assert_error(
        api.client.post(f"/api/reviews/{review_id}/letter", headers=api.headers),
        422,
        "rule-violation",
    )


def test_the_review_decision_letter_is_produced_for_a_decided_review(
    db: Database, db_url: str, people: People
) -> None:
    api = token_client(make_app(db_url), db, people.lead)
    case_id, review_id = _decided_review(db, people, "upheld", "8a")
    made = api.client.post(
        f"/api/reviews/{review_id}/letter",
        json={"recipient": {"name": "Sam Lee"}},
        headers=api.headers,
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["case_id"], body["review_request_id"], body["recipient_name"]) == (
        case_id,
        review_id,
        "Sam Lee",
    )


def test_a_template_is_read_saved_and_refused_with_its_line_and_field(
    db: Database, db_url: str, people: People
) -> None:
    api = token_client(make_app(db_url), db, people.lead)
    read = api.client.get("/api/letter-templates/review-decision", headers=api.headers).json()
    assert read["version"] == 0 and read["is_default"]
    assert "backdated_to" in [f["name"] for f in read["fields"]]
    bad = api.client.put(
        "/api/letter-templates/review-decision",
        json={"subject": "S", "body": "Hello\n{{ new_bnd }}", "version": 0},
        headers=api.headers,
    )
    error = assert_error(bad, 422, "invalid-input", "body")
    assert "body, line 2: there is no field 'new_bnd'" in error["message"]
    saved = api.client.put(
        "/api/letter-templates/review-decision",
        json={"subject": "S", "body": "New band {{ new_band }}", "version": 0},
        headers=api.headers,
    )
    assert saved.status_code == 200 and saved.json()["version"] == 1
    stale = api.client.put(
        "/api/letter-templates/review-decision",
        json={"subject": "S", "body": "B", "version": 0},
        headers=api.headers,
    )
    assert_error(stale, 409, "conflict")


def test_letters_with_an_address_are_emailed_when_a_mail_server_is_set_up(
    db: Database,
    db_url: str,
    people: People,
    mailbox: MailBox,  # noqa: F811
) -> None:
    mailer = Mailer("127.0.0.1", mailbox.port, "je@trust.example", starttls=False)
    api = token_client(make_app(db_url, mailer=mailer), db, people.lead)
    case = notified(db, people)
    made = api.client.post(
        f"/api/cases/{case.case.id}/letters",
        json={"jobholders": [{"name": "Alex", "email": "alex@example.org"}]},
        headers=api.headers,
    ).json()
    assert made[0]["sent_at"] is not None and made[0]["send_attempts"] == 1
    (message,) = mailbox.messages
    assert message["To"] == "Alex <alex@example.org>"
    again = api.client.post(f"/api/letters/{made[0]['id']}/email", headers=api.headers)
    assert again.status_code == 200 and again.json()["send_attempts"] == 2
    assert len(mailbox.messages) == 2
