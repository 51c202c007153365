"""The services' rules for typed text and dates, on SQLite and PostgreSQL: names and
titles are one line without control characters, searches match ``%`` and ``_`` as typed,
look-alike email addresses are one account, an address used in another organisation is
refused without saying so, and dates lie between 1900 and 2100 for every caller."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from apikit import PASSWORD, set_password
from bandwise.services import accounts, cases, reviews, sessions
from bandwise.services.base import Conflict, Database, InvalidInput
from bandwise.services.documents import add_document
from bandwise.services.fields import like_pattern
from bandwise.services.jobs import create_job, list_jobs, update_job
from bandwise.store import tables as t
from dbfixtures import People
from workflowkit import confirmed, draft, notified, panel

HOSTILE = [
    pytest.param("Eve\x1b[2J", id="ESC"),
    pytest.param("Bell\x07", id="BEL"),
    pytest.param("C1\x9b31m", id="C1-CSI"),
    pytest.param("two\nlines", id="newline"),
    pytest.param("tab\there", id="tab"),
    pytest.param("evil\u202eexe.txt", id="bidi-override"),
    pytest.param("line\u2028separator", id="line-separator"),
]


@pytest.mark.parametrize("text", HOSTILE)
def test_job_titles_references_and_departments_refuse_control_characters(
    db: Database, people: People, text: str
) -> None:
    for field, args in [
        ("title", (text, "", "")),
        ("reference", ("Title", text, "")),
        ("department", ("Title", "", text)),
    ]:
        with pytest.raises(InvalidInput, match="may not contain control characters") as info:
            create_job(db, people.lead, *args)
        assert info.value.field == field
    job = create_job(db, people.lead, "Arts Therapist")
    with pytest.raises(InvalidInput) as info:
        update_job(db, people.lead, job.id, job.version, {"title": text})
    assert info.value.field == "title"


def test_ordinary_unicode_in_titles_is_kept(db: Database, people: People) -> None:
    title = "Ergothérapeute – Band 5 (Ysbyty Gwynedd) 作業療法士"
    job = create_job(db, people.lead, f"  {title} ", "AT/1_2%", "Thérapies")
    assert (job.title, job.reference, job.department) == (title, "AT/1_2%", "Thérapies")


@pytest.mark.parametrize("text", HOSTILE)
def test_user_organisation_and_token_names_refuse_control_characters(
    db: Database, people: People, text: str
) -> None:
    with pytest.raises(InvalidInput, match="control characters") as info:
        accounts.create_user(db, people.admin, "new@trust-a.nhs.example", text, "viewer")
    assert info.value.field == "name"
    user = accounts.get_user(db, people.admin, people.viewer.user_id)
    with pytest.raises(InvalidInput, match="control characters"):
        accounts.update_user(db, people.admin, user.id, user.version, {"name": text})
    with pytest.raises(InvalidInput, match="control characters") as info:
        accounts.create_admin(db, text, "boss@elsewhere.example")
    assert info.value.field == "organisation"
    with pytest.raises(InvalidInput, match="control characters") as info:
        sessions.create_api_token(db, people.lead, text)
    assert info.value.field == "name"


def test_an_email_with_a_control_character_is_not_an_email_address(
    db: Database, people: People
) -> None:
    with pytest.raises(InvalidInput, match="is not an email address") as info:
        accounts.create_user(db, people.admin, "eve\x1b@trust-a.nhs.example", "Eve", "viewer")
    assert info.value.field == "email"


def test_a_review_request_names_who_asks_on_one_line(db: Database, people: People) -> None:
    case = notified(db, people)
    with pytest.raises(InvalidInput, match="control characters") as info:
        reviews.request_review(
            db, people.lead, case.case.id, case.case.version, "Jo\x1b]0;x\x07",
            dt.date(2026, 10, 20), [3], "disagree",
        )  # fmt: skip
    assert info.value.field == "requested_by"


# -- search ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "titles"),
    [
        ("%", ["100% time"]),
        ("_", ["a_b"]),
        ("\\", ["back\\slash"]),
        ("0%", ["100% time"]),
        ("a_", ["a_b"]),
        ("A_B", ["a_b"]),
    ],
)
def test_search_matches_percent_underscore_and_backslash_as_typed(
    db: Database, people: People, term: str, titles: list[str]
) -> None:
    for title in ["100% time", "1000 time", "a_b", "axb", "back\\slash", "backslash"]:
        create_job(db, people.lead, title)
    found = list_jobs(db, people.viewer, search=term)
    assert sorted(j.title for j in found.items) == titles
    assert found.total == len(titles)


def test_like_pattern_escapes_its_escape_character_first() -> None:
    assert like_pattern("a\\%_b") == "%a\\\\\\%\\_b%"


# -- email addresses ------------------------------------------------------------------

FULL_WIDTH = "ａｌｉｃｅ＠ｔｒｕｓｔ－ａ.nhs.example"


def test_look_alike_email_addresses_are_one_account(db: Database, people: People) -> None:
    user, _ = accounts.create_user(db, people.admin, FULL_WIDTH, "Alice", "viewer")
    assert user.email == "alice@trust-a.nhs.example"
    for spelling in ["ALICE@trust-a.nhs.example", " Alice@Trust-A.NHS.example ", FULL_WIDTH]:
        with pytest.raises(Conflict, match="there is already an account for alice@") as info:
            accounts.create_user(db, people.admin, spelling, "Alice again", "viewer")
        assert info.value.field == "email"


def test_normalise_email_folds_width_and_case() -> None:
    assert accounts.normalise_email(" ＡＢ＠Ｘ.example ") == "ab@x.example"
    assert accounts.normalise_email("STRASSE@x.example") == "strasse@x.example"
    assert accounts.normalise_email("Straße@x.example") == "strasse@x.example"


def test_sign_in_finds_the_account_by_any_look_alike_spelling(db: Database, people: People) -> None:
    email = set_password(db, people.lead)
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in email.upper())
    assert sessions.authenticate(db, wide, PASSWORD, "client").id == people.lead.user_id


def test_sign_in_still_finds_an_address_stored_before_normalisation(
    db: Database, people: People
) -> None:
    set_password(db, people.lead)
    with db.transaction() as session:  # an address an older release lower-cased only
        session.execute(
            update(t.User).where(t.User.id == people.lead.user_id).values(email="groß@x.example")
        )
    assert sessions.authenticate(db, "GROß@x.example", PASSWORD, "c").id == people.lead.user_id


def test_an_address_used_in_another_organisation_is_refused_without_saying_so(
    db: Database, people: People, other_people: People
) -> None:
    taken = "lead@trust-a.nhs.example"
    with pytest.raises(Conflict) as info:
        accounts.create_user(db, other_people.admin, taken.upper(), "Someone", "viewer")
    message = info.value.message
    assert info.value.field == "email"
    assert "already an account" not in message and "account for" not in message
    assert "trust-a" not in message.replace(taken, "") and "Trust A" not in message
    assert message == accounts.ADDRESS_IN_USE.format(email=taken)
    with pytest.raises(Conflict, match="there is already an account for"):
        accounts.create_user(db, people.admin, taken, "Someone", "viewer")  # own organisation
    with pytest.raises(Conflict, match="there is already an account for"):
        accounts.create_user_as_operator(db, taken, "Someone", "viewer", None, "trust-b")


# -- dates ----------------------------------------------------------------------------


@pytest.mark.parametrize("day", [dt.date(1800, 1, 1), dt.date(1899, 12, 31)])
def test_services_refuse_dates_before_1900(db: Database, people: People, day: dt.date) -> None:
    case = draft(db, people)
    with pytest.raises(InvalidInput, match="outside the dates bandwise accepts") as info:
        cases.record_panel_outcome(db, people.lead, case.case.id, None, day, panel(people))
    assert info.value.field == "sat_on"
    case = confirmed(db, people)
    with pytest.raises(InvalidInput, match="1900 to 2100") as info:
        cases.notify(db, people.lead, case.case.id, None, day)
    assert info.value.field == "notified_on"
    with pytest.raises(InvalidInput) as info:
        add_document(
            db, people.lead, case.case.job_id, "job-description", "jd.txt", b"x", "text/plain", day
        )
    assert info.value.field == "document_date"


def test_a_review_requested_before_1900_is_refused(db: Database, people: People) -> None:
    case = notified(db, people)
    with pytest.raises(InvalidInput, match="outside the dates") as info:
        reviews.request_review(
            db, people.lead, case.case.id, case.case.version, "Jo", dt.date(1800, 1, 1), [3], "x"
        )
    assert info.value.field == "requested_on"


def test_a_board_report_period_outside_1900_to_2100_is_refused(
    db: Database, people: People
) -> None:
    from bandwise.services.reporting import board_report

    for start, end, field in [
        (dt.date(1, 1, 1), dt.date(2026, 12, 31), "start"),
        (dt.date(2026, 1, 1), dt.date(9999, 12, 31), "end"),
    ]:
        with pytest.raises(InvalidInput, match="outside the dates") as info:
            board_report(db, people.viewer, start, end)
        assert info.value.field == field


def test_job_text_longer_than_its_column_is_refused_naming_the_field(
    db: Database, people: People
) -> None:
    for field, args, most in [
        ("title", ("t" * 201, "", ""), 200),
        ("reference", ("Title", "r" * 101, ""), 100),
        ("department", ("Title", "", "d" * 201), 200),
    ]:
        with pytest.raises(InvalidInput, match=f"at most {most} characters") as info:
            create_job(db, people.lead, *args)
        assert info.value.field == field
