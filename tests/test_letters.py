"""The letters a JE team sends: outcome letters to the jobholder and the manager, the
review decision letter, the organisation's templates and emailing; on SQLite and
PostgreSQL. PDFs are read back with pdftotext, Word files with python-docx."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess

import pytest
from docx import Document

from bandwise.letters import KINDS, check_template, default_template, render_letter, sample_fields
from bandwise.services import letter_templates, letters
from bandwise.services.base import (
    Conflict,
    Database,
    Forbidden,
    InvalidInput,
    NotFound,
    RuleViolation,
)
from bandwise.services.letter_mail import Mailer
from bandwise.services.letters import Recipient
from bandwise.store import tables as t
from bandwise.store.organisation_tables import Letter
from dbfixtures import People
from recordfixtures import add_job, add_outcome, noon
from smtpkit import MailBox, mailbox  # noqa: F401  (the fixture)
from workflowkit import audit_events, confirmed, notified, recorded


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 20), (0, 94, 184)).save(out, format="PNG")
    return out.getvalue()


def pdf_text(content: bytes) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(
        [tool, "-layout", "-enc", "UTF-8", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    return re.sub(r"\s+", " ", out)


def docx_text(content: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


def stored(db: Database, letter_id: int) -> Letter:
    with db.reading() as session:
        row = session.get(Letter, letter_id)
        assert row is not None
        session.expunge(row)
        return row


# ---------------------------------------------------------------- the templates


@pytest.mark.parametrize("kind", KINDS)
def test_every_default_template_renders_with_its_documented_fields(kind: str) -> None:
    text = render_letter(default_template(kind), sample_fields(kind), kind)
    assert text.subject and "\n" not in text.subject
    assert "Arts Therapist" in text.body and "{" not in text.body


def test_a_template_with_an_unknown_field_is_refused_naming_the_field_and_the_line() -> None:
    with pytest.raises(InvalidInput, match=r"body, line 3: there is no field 'job_titel'") as e:
        check_template(
            "outcome-jobholder", "Outcome", "Dear {{ recipient_name }},\n\n{{ job_titel }}"
        )
    assert e.value.field == "body"
    with pytest.raises(InvalidInput, match="subject, line 1: there is no field 'nope'"):
        check_template("outcome-manager", "About {{ nope }}", "Hello")


def test_a_template_that_breaks_jinja_syntax_or_the_sandbox_is_refused_with_its_line() -> None:
    with pytest.raises(InvalidInput, match=r"body, line 2: .*endif"):
        check_template("review-decision", "S", "one\n{% if upheld %}two")
    with pytest.raises(InvalidInput, match="templates may not do that"):
        check_template("review-decision", "S", "{{ job_title.__class__.__mro__ }}")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{% for c in job_title %}{{ c }}{% endfor %}", r"line 1: a letter may not use loops"),
        ("x\n{% set a = job_title ~ job_title %}{{ a }}", r"line 2: .*variables"),
        ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", r"macros"),
        ("{% include 'other' %}", r"other templates"),
        ("{{ job_title.zfill(999999999) }}", r"templates may not do that"),
        ("{{ 'x' * 999999999 }}", r"may not use '\*'"),
        ("{{ 9 ** 9 ** 9 }}", r"may not use '\*\*'"),
        ("{{ '%0999999999d' % 1 }}", r"may not use '%'"),
        ("{{ job_title | center(999999999) }}", r"No filter named 'center'"),
        ("{{ lipsum(999999) }}", r"there is no field 'lipsum'"),
    ],
)
def test_a_template_may_not_loop_keep_variables_or_grow_a_letter_beyond_its_text(
    body: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_template("outcome-jobholder", "Subject", body)


def test_a_template_may_use_conditions_plain_filters_and_sums() -> None:
    body = "{% if matched %}{{ job_title | upper }}{% endif %} {{ review_months * 4 }} weeks"
    text = render_letter(
        check_template("outcome-jobholder", "S", body),
        sample_fields("outcome-jobholder"),
        "outcome-jobholder",
    )
    assert text.body == "ARTS THERAPIST 12 weeks"


def test_the_review_decision_letter_by_default_says_there_is_no_further_internal_review() -> None:
    fields = {**sample_fields("review-decision"), "upheld": False, "decision": "not upheld"}
    body = render_letter(default_template("review-decision"), fields, "review-decision").body
    assert "did not uphold" in body and "no further internal review" in body
    assert "backdated" not in body


# ---------------------------------------------------------------- outcome letters


def test_outcome_letters_wait_for_the_consistency_check_to_confirm_the_outcome(
    db: Database, people: People
) -> None:
    case = recorded(db, people)
    with pytest.raises(RuleViolation, match="once the panel's outcome is confirmed"):
        letters.produce_outcome_letters(db, people.lead, case.case.id)
    case = confirmed(db, people)
    made = letters.produce_outcome_letters(db, people.lead, case.case.id)
    assert [m.kind for m in made] == ["outcome-jobholder"]
    assert made[0].recipient_name == "The jobholder"


def test_the_jobholder_letter_gives_the_profile_band_dates_and_the_review_deadline(
    db: Database, people: People
) -> None:
    case = notified(db, people, on=dt.date(2025, 11, 30))
    (letter,) = letters.produce_outcome_letters(
        db, people.lead, case.case.id, [Recipient("Alex Morgan")], None, dt.date(2025, 12, 1)
    )
    text = pdf_text(stored(db, letter.id).pdf)
    assert "Dear Alex Morgan" in text
    assert 'matched your job to the national job profile "Arts Therapist (Art, Music' in text
    assert "pay band 7" in text and "475 points" in text
    assert "takes effect from 1 December 2025" in text
    assert "met on 1 October 2026" in text  # the panel's date
    # notified 30 November: the review deadline is clamped to the end of February
    assert "within 3 months of this notification, that is by 28 February 2026" in text
    assert "matching report" in text and "Trust A" in text


def test_the_effective_date_is_by_default_the_notification_date(
    db: Database, people: People
) -> None:
    case = notified(db, people, on=dt.date(2026, 10, 5))
    (letter,) = letters.produce_outcome_letters(db, people.lead, case.case.id)
    values = stored(db, letter.id).fields["values"]
    assert values["effective_date"] == values["notified_date"] == "5 October 2026"
    assert values["review_deadline"] == "5 January 2027"


def test_a_letter_before_the_notification_counts_its_own_date_as_the_notification(
    db: Database, people: People
) -> None:
    case = confirmed(db, people)
    (letter,) = letters.produce_outcome_letters(db, people.lead, case.case.id)
    values = stored(db, letter.id).fields["values"]
    assert values["notified_date"] == values["letter_date"]


def test_each_jobholder_gets_a_letter_and_the_manager_a_letter_naming_them(
    db: Database, people: People
) -> None:
    case = notified(db, people)
    made = letters.produce_outcome_letters(
        db,
        people.management,
        case.case.id,
        [Recipient("Alex Morgan"), Recipient("Bo Chen", "bo@example.org")],
        Recipient("Jo Evans"),
    )
    assert [(m.kind, m.recipient_name, m.recipient_email) for m in made] == [
        ("outcome-jobholder", "Alex Morgan", None),
        ("outcome-jobholder", "Bo Chen", "bo@example.org"),
        ("outcome-manager", "Jo Evans", None),
    ]
    word = docx_text(stored(db, made[2].id).docx)
    assert "Dear Jo Evans" in word and "held by Alex Morgan and Bo Chen" in word
    assert "Job evaluation outcome: Arts Therapist" in word
    listed = letters.list_letters(db, people.viewer, case.case.id)
    assert [v.id for v in listed] == [m.id for m in reversed(made)]


def test_a_letter_to_nobody_by_name_greets_a_colleague_and_names_the_jobholder_in_words(
    db: Database, people: People
) -> None:
    case = notified(db, people)
    jobholder, manager = letters.produce_outcome_letters(
        db, people.lead, case.case.id, manager=Recipient("")
    )
    assert (jobholder.recipient_name, manager.recipient_name) == ("The jobholder", "The manager")
    assert "Dear colleague," in docx_text(stored(db, jobholder.id).docx)
    assert "held by the jobholder." in docx_text(stored(db, manager.id).docx)


def test_each_letter_is_stored_with_its_fields_and_listed_in_the_case_audit_trail(
    db: Database, people: People
) -> None:
    case = notified(db, people)
    (letter,) = letters.produce_outcome_letters(db, people.lead, case.case.id, [Recipient("A")])
    row = stored(db, letter.id)
    assert row.case_id == case.case.id and row.template_version == 0
    assert row.pdf.startswith(b"%PDF-") and row.docx.startswith(b"PK")
    assert set(row.fields["values"]) == {f for f in sample_fields("outcome-jobholder")}
    event = audit_events(db)[-1]
    assert (event.action, event.entity, event.entity_id) == (
        "letter.produced",
        "case",
        case.case.id,
    )
    assert event.after is not None and event.after["letter_id"] == letter.id
    content, media, name = letters.letter_file(db, people.viewer, letter.id, "docx")
    assert content == row.docx and media.endswith("wordprocessingml.document")
    assert name.endswith(".docx")


def test_a_viewer_may_not_produce_letters_and_another_organisation_sees_none(
    db: Database, people: People, other_people: People
) -> None:
    case = notified(db, people)
    with pytest.raises(Forbidden):
        letters.produce_outcome_letters(db, people.viewer, case.case.id)
    (letter,) = letters.produce_outcome_letters(db, people.lead, case.case.id)
    with pytest.raises(NotFound):
        letters.produce_outcome_letters(db, other_people.lead, case.case.id)
    with pytest.raises(NotFound):
        letters.letter_file(db, other_people.admin, letter.id, "pdf")
    with pytest.raises(NotFound):
        letters.list_letters(db, other_people.admin, case.case.id)


def test_a_recipient_email_that_is_not_an_address_is_refused_naming_the_field(
    db: Database, people: People
) -> None:
    case = notified(db, people)
    with pytest.raises(InvalidInput, match="not an email address") as e:
        letters.produce_outcome_letters(
            db, people.lead, case.case.id, [Recipient("A", "not-an-address")]
        )
    assert e.value.field == "jobholder_email"


def test_the_letterhead_prints_the_organisations_name_address_and_logo(
    db: Database, people: People
) -> None:
    with db.transaction() as session:
        org = session.get(t.Organisation, people.organisation_id)
        assert org is not None
        org.name, org.address = "Riverside NHS Trust", "1 River Road\nTownsville\nTS1 1AA"
        org.logo, org.logo_content_type = png(), "image/png"
    case = notified(db, people)
    (letter,) = letters.produce_outcome_letters(db, people.lead, case.case.id)
    row = stored(db, letter.id)
    text = pdf_text(row.pdf)
    assert "Riverside NHS Trust" in text and "1 River Road" in text and "TS1 1AA" in text
    word = Document(io.BytesIO(row.docx))
    assert len(word.inline_shapes) == 1
    assert "Townsville" in "\n".join(p.text for p in word.paragraphs)


def test_an_evaluated_job_letter_says_it_was_evaluated_locally(
    db: Database, people: People
) -> None:
    job = add_job(db, people, "Clinical Coder")
    case_id, _ = add_outcome(db, people, job, kind="evaluation")
    (letter,) = letters.produce_outcome_letters(db, people.lead, case_id)
    values = stored(db, letter.id).fields["values"]
    assert values["matched"] is False and values["outcome"] == "evaluated locally"
    assert "evaluated your job locally" in docx_text(stored(db, letter.id).docx)


# ---------------------------------------------------------------- templates saved


def test_a_saved_template_is_used_and_the_letter_records_its_version(
    db: Database, people: People
) -> None:
    saved = letter_templates.save_template(
        db, people.lead, "outcome-jobholder", "Band {{ band }}", "Hello {{ recipient_name }}.", 0
    )
    assert saved.version == 1 and not saved.is_default
    assert audit_events(db)[-1].action == "letter-template.saved"
    case = notified(db, people)
    (letter,) = letters.produce_outcome_letters(db, people.lead, case.case.id, [Recipient("Al")])
    assert letter.subject == "Band 7" and letter.template_version == 1
    assert "Hello Al." in docx_text(stored(db, letter.id).docx)


def test_a_template_saved_from_an_older_version_is_a_conflict(db: Database, people: People) -> None:
    letter_templates.save_template(db, people.admin, "outcome-manager", "A", "B", 0)
    with pytest.raises(Conflict, match="changed by someone else"):
        letter_templates.save_template(db, people.lead, "outcome-manager", "C", "D", 0)


def test_a_bad_template_is_not_saved(db: Database, people: People) -> None:
    with pytest.raises(InvalidInput, match="no field 'band_name'"):
        letter_templates.save_template(
            db, people.admin, "outcome-jobholder", "S", "{{ band_name }}", 0
        )
    assert letter_templates.get_template(db, people.admin, "outcome-jobholder").version == 0


def test_reset_brings_back_the_built_in_wording_as_a_new_version(
    db: Database, people: People
) -> None:
    letter_templates.save_template(db, people.admin, "review-decision", "A", "B", 0)
    reset = letter_templates.reset_template(db, people.admin, "review-decision", 1)
    assert reset.version == 2 and reset.is_default
    assert reset.body == default_template("review-decision").body
    assert audit_events(db)[-1].action == "letter-template.reset"


def test_only_administrators_and_je_leads_may_edit_templates(db: Database, people: People) -> None:
    for actor in (people.management, people.viewer):
        with pytest.raises(Forbidden):
            letter_templates.save_template(db, actor, "outcome-manager", "A", "B", None)
    letter_templates.save_template(db, people.lead, "outcome-manager", "A", "B", None)


# ---------------------------------------------------------------- review decision letters


def _decided_review(db: Database, people: People, status: str, new_band: str) -> tuple[int, int]:
    """An original case (band 7, notified) and a review of it decided ``status`` whose
    review case's confirmed outcome is ``new_band``; (original case id, request id)."""
    job = add_job(db, people, "Arts Therapist", "AT-1")
    case_id, _ = add_outcome(db, people, job)
    review_case, _ = add_outcome(db, people, job, band=new_band, total=545)
    with db.transaction() as session:
        review = session.get(t.Case, review_case)
        original = session.get(t.Case, case_id)
        assert review is not None and original is not None
        review.kind, review.parent_case_id = "review", case_id
        original.notified_at, original.status = noon("2026-06-01"), "closed"
        request = t.ReviewRequest(
            organisation_id=people.organisation_id,
            case_id=case_id,
            review_case_id=review_case,
            requested_by="Alex Morgan",
            requested_on=dt.date(2026, 7, 14),
            disputed_factors=[2, 15],
            grounds="more knowledge",
            status=status,
            decided_at=noon("2026-09-01"),
            created_by=people.lead.user_id,
        )
        session.add(request)
        session.flush()
        return case_id, request.id


def test_an_upheld_review_letter_gives_the_new_band_backdated_to_the_request_date(
    db: Database, people: People
) -> None:
    case_id, review_id = _decided_review(db, people, "upheld", "8a")
    letter = letters.produce_review_letter(db, people.lead, review_id)
    assert letter.case_id == case_id and letter.review_request_id == review_id
    assert letter.recipient_name == "Alex Morgan"
    text = pdf_text(stored(db, letter.id).pdf)
    assert "The panel upheld your request" in text
    assert "now in pay band 8a (it was in band 7)" in text
    assert "backdated to 14 July 2026, the date your request for a review was lodged" in text
    assert "considered the factors you disputed: Knowledge, training and experience;" in text
    assert "no further internal review" in text
    assert [e.action for e in audit_events(db)][-1] == "letter.produced"


def test_a_review_not_upheld_keeps_the_band_and_is_not_backdated(
    db: Database, people: People
) -> None:
    _, review_id = _decided_review(db, people, "not-upheld", "7")
    letter = letters.produce_review_letter(db, people.lead, review_id, Recipient("Sam Lee"))
    values = stored(db, letter.id).fields["values"]
    assert letter.recipient_name == "Sam Lee" and values["requested_by"] == "Alex Morgan"
    assert (values["decision"], values["new_band"], values["backdated_to"]) == (
        "not upheld",
        "7",
        "",
    )


def test_a_review_letter_waits_for_the_decision(db: Database, people: People) -> None:
    _, review_id = _decided_review(db, people, "open", "7")
    with pytest.raises(RuleViolation, match="once the review is decided"):
        letters.produce_review_letter(db, people.lead, review_id)


# ---------------------------------------------------------------- email


def _mailer(box: MailBox) -> Mailer:
    return Mailer("127.0.0.1", box.port, "je-team@trust.example", starttls=False)


def test_nothing_is_emailed_without_a_mail_server(db: Database, people: People) -> None:
    case = notified(db, people)
    (letter,) = letters.produce_outcome_letters(
        db, people.lead, case.case.id, [Recipient("A", "a@example.org")]
    )
    assert letter.sent_at is None and letter.send_attempts == 0 and letter.send_error is None
    with pytest.raises(RuleViolation, match="no mail server"):
        letters.email_letter(db, people.lead, letter.id, None)


def test_a_letter_with_an_address_is_emailed_with_its_pdf_attached(
    db: Database,
    people: People,
    mailbox: MailBox,  # noqa: F811
) -> None:
    case = notified(db, people)
    made = letters.produce_outcome_letters(
        db,
        people.lead,
        case.case.id,
        [Recipient("Alex Morgan", "alex@example.org"), Recipient("No Email")],
        mailer=_mailer(mailbox),
    )
    assert made[0].sent_at is not None and made[0].send_attempts == 1
    assert made[1].sent_at is None and made[1].send_attempts == 0
    (message,) = mailbox.messages
    assert message["To"] == "Alex Morgan <alex@example.org>"
    assert message["Subject"] == made[0].subject
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == stored(db, made[0].id).pdf
    assert "letter.emailed" in [e.action for e in audit_events(db)]


def test_a_refused_email_is_recorded_and_can_be_sent_again(
    db: Database,
    people: People,
    mailbox: MailBox,  # noqa: F811
) -> None:
    mailbox.refuse.add("alex@example.org")
    case = notified(db, people)
    (letter,) = letters.produce_outcome_letters(
        db,
        people.lead,
        case.case.id,
        [Recipient("Alex", "alex@example.org")],
        mailer=_mailer(mailbox),
    )
    assert letter.email_failed and letter.send_attempts == 1
    assert letter.send_error is not None and "alex@example.org" in letter.send_error
    assert audit_events(db)[-1].action == "letter.email-failed"
    mailbox.refuse.clear()
    again = letters.email_letter(db, people.lead, letter.id, _mailer(mailbox))
    assert again.sent_at is not None and again.send_error is None and again.send_attempts == 2
    assert len(mailbox.messages) == 1


def test_a_mail_server_that_cannot_be_reached_is_an_email_failure_not_an_error(
    db: Database, people: People
) -> None:
    case = notified(db, people)
    (letter,) = letters.produce_outcome_letters(
        db,
        people.lead,
        case.case.id,
        [Recipient("Alex", "alex@example.org")],
        mailer=Mailer("127.0.0.1", 1, "x@example.org", starttls=False),
    )
    assert letter.email_failed and "could not send through 127.0.0.1:1" in (letter.send_error or "")


def test_every_letter_field_is_documented() -> None:
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[1] / "docs" / "letters.md").read_text("utf-8")
    for kind in KINDS:
        for name in sample_fields(kind):
            assert f"| `{name}` |" in docs, name
