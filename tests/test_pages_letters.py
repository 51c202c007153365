"""The letters pages: recording the notification leads to the case's letters page, where
the outcome letters are produced, listed and downloaded (and a failed email sent again);
the review page produces the decision letter; /admin/letters edits the templates."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import replace

from docx import Document

from bandwise.services import letters, reviews
from bandwise.services.letter_mail import Mailer
from pagekit import Web, text_of
from smtpkit import MailBox, mailbox  # noqa: F401  (the fixture)
from test_letters import _decided_review
from workflowkit import audit_events, confirmed, notified, recorded


def test_recording_the_notification_leads_to_the_letters_page(web: Web) -> None:
    case = confirmed(web.db, web.people)
    client = web.client(web.people.lead)
    done = client.post(f"/cases/{case.case.id}/notification", {"version": str(case.case.version)})
    assert done.status_code == 303
    assert done.headers["location"] == f"/cases/{case.case.id}/letters?done=notified"
    page = client.get(done.headers["location"])
    assert "You can now produce the letters" in page.text
    assert "Produce the outcome letters" in page.text


def test_the_letters_page_produces_lists_and_downloads_the_letters(web: Web) -> None:
    case = notified(web.db, web.people)
    client = web.client(web.people.management)
    made = client.post(
        f"/cases/{case.case.id}/letters",
        {
            "jobholder_name": "Alex Morgan",
            "other_jobholders": "Bo Chen, bo@example.org\n",
            "manager_name": "Jo Evans",
            "effective_on_day": "1",
            "effective_on_month": "11",
            "effective_on_year": "2026",
        },
    )
    assert made.status_code == 303, made.text
    page = text_of(client.get(made.headers["location"]).text)
    assert "The letters have been produced" in page
    for words in ("Alex Morgan", "Bo Chen", "Jo Evans", "Outcome letter to the manager"):
        assert words in page
    assert "Not emailed" in page
    ids = [v.id for v in letters.list_letters(web.db, web.people.lead, case.case.id)]
    pdf = client.get(f"/letters/{ids[-1]}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert "attachment" in pdf.headers["content-disposition"]
    word = client.get(f"/letters/{ids[0]}.docx")
    paragraphs = [p.text for p in Document(io.BytesIO(word.content)).paragraphs]
    assert "Dear Jo Evans," in paragraphs


def test_a_mistake_in_the_letters_form_is_shown_with_what_was_typed(web: Web) -> None:
    case = notified(web.db, web.people)
    client = web.client(web.people.lead)
    bad = client.post(
        f"/cases/{case.case.id}/letters",
        {"jobholder_name": "Alex Morgan", "jobholder_email": "alex at example"},
    )
    assert bad.status_code == 422
    assert 'href="#jobholder_email"' in bad.text and "not an email address" in bad.text
    assert 'value="Alex Morgan"' in bad.text
    assert letters.list_letters(web.db, web.people.lead, case.case.id) == ()


def test_the_letters_page_says_why_letters_wait_and_a_viewer_sees_no_form(web: Web) -> None:
    case = recorded(web.db, web.people)
    page = web.client(web.people.lead).get(f"/cases/{case.case.id}/letters")
    assert "once the panel&#39;s outcome is confirmed" in page.text
    assert "Produce the letters" not in page.text
    done = notified(web.db, web.people)
    viewer = web.client(web.people.viewer)
    assert "Produce the letters" not in viewer.get(f"/cases/{done.case.id}/letters").text
    refused = viewer.post(f"/cases/{done.case.id}/letters", {"jobholder_name": "A"})
    assert refused.status_code == 403


def test_a_failed_email_is_shown_with_a_button_to_try_again(
    web: Web,
    mailbox: MailBox,  # noqa: F811
) -> None:
    settings = web.app.state.settings
    web.app.state.settings = replace(
        settings, mailer=Mailer("127.0.0.1", mailbox.port, "je@trust.example", starttls=False)
    )
    mailbox.refuse.add("alex@example.org")
    case = notified(web.db, web.people)
    client = web.client(web.people.lead)
    made = client.post(
        f"/cases/{case.case.id}/letters",
        {"jobholder_name": "Alex", "jobholder_email": "alex@example.org"},
    )
    page = client.get(made.headers["location"]).text
    assert "Not sent" in page and "refused the address alex@example.org" in page
    (letter,) = letters.list_letters(web.db, web.people.lead, case.case.id)
    assert f'action="/letters/{letter.id}/email"' in page
    mailbox.refuse.clear()
    again = client.post(f"/letters/{letter.id}/email")
    assert again.headers["location"].endswith("done=emailed")
    assert "Emailed" in client.get(f"/cases/{case.case.id}/letters").text
    assert len(mailbox.messages) == 1
    actions = [e.action for e in audit_events(web.db)]
    assert actions[-2:] == ["letter.email-failed", "letter.emailed"]


def test_the_review_page_produces_the_decision_letter(web: Web) -> None:
    case_id, review_id = _decided_review(web.db, web.people, "upheld", "8a")
    client = web.client(web.people.lead)
    page = client.get(f"/reviews/{review_id}")
    assert "Produce the decision letter" in page.text
    made = client.post(f"/reviews/{review_id}/letter", {"recipient_name": ""})
    assert made.headers["location"] == f"/cases/{case_id}/letters?done=review-letter"
    (letter,) = letters.list_letters(web.db, web.people.lead, case_id)
    assert letter.kind == "review-decision" and letter.recipient_name == "Alex Morgan"


def test_an_open_review_offers_no_decision_letter(web: Web) -> None:
    case = notified(web.db, web.people)
    review = reviews.request_review(
        web.db,
        web.people.lead,
        case.case.id,
        case.case.version,
        "Alex",
        dt.date(2026, 10, 20),
        [2],
        "more knowledge",
    )
    page = web.client(web.people.lead).get(f"/reviews/{review.id}")
    assert "Produce the decision letter" not in page.text


def test_an_admin_edits_previews_and_resets_a_template(web: Web) -> None:
    client = web.client(web.people.admin)
    listing = client.get("/admin/letters")
    assert "Outcome letter to the jobholder" in listing.text and "Built-in" in listing.text
    edit = client.get("/admin/letters/outcome-jobholder")
    assert "review_deadline" in edit.text and 'name="version" value="0"' in edit.text
    bad = client.post(
        "/admin/letters/outcome-jobholder",
        {"subject": "Outcome", "body": "Dear {{ name }}", "version": "0", "action": "save"},
    )
    assert bad.status_code == 422 and "body, line 1: there is no field" in bad.text
    assert "Dear {{ name }}" in bad.text  # what was typed is kept
    shown = client.post(
        "/admin/letters/outcome-jobholder",
        {"subject": "Band {{ band }}", "body": "Dear {{ recipient_name }}", "version": "0",
         "action": "preview"},
    )  # fmt: skip
    assert "Band 7" in shown.text and "Dear Alex Morgan" in shown.text
    saved = client.post(
        "/admin/letters/outcome-jobholder",
        {"subject": "Band {{ band }}", "body": "Dear {{ recipient_name }}", "version": "0",
         "action": "save"},
    )  # fmt: skip
    assert saved.status_code == 303
    assert "Your own" in client.get("/admin/letters").text
    stale = client.post(
        "/admin/letters/outcome-jobholder",
        {"subject": "S", "body": "B", "version": "0", "action": "save"},
    )
    assert stale.status_code == 409
    reset = client.post(
        "/admin/letters/outcome-jobholder", {"subject": "", "body": "", "version": "1",
                                             "action": "reset"}
    )  # fmt: skip
    assert reset.status_code == 303
    listing = text_of(client.get("/admin/letters").text)
    assert re.search(r"Built-in\s+Version 2", listing)


def test_a_practitioner_may_not_open_the_letter_templates(web: Web) -> None:
    client = web.client(web.people.management)
    assert client.get("/admin/letters").status_code == 403
    assert web.client(web.people.lead).get("/admin/letters").status_code == 200


def test_the_audit_trail_lists_each_letter_by_its_kind_and_recipient(web: Web) -> None:
    case = notified(web.db, web.people)
    letters.produce_outcome_letters(
        web.db, web.people.lead, case.case.id, [letters.Recipient("Alex Morgan")]
    )
    page = text_of(web.client(web.people.viewer).get(f"/cases/{case.case.id}/audit").text)
    assert "Letter produced" in page and "outcome letter to the jobholder" in page
    assert "Alex Morgan" in page and "letter id" not in page
