"""People and panels through the API (SQLite and PostgreSQL) and the pages: the
consistency-checker capability, the side asked under the role, guests and the panel's
rationale on the outcome form, the case page, the check page, the report and the audit
trail; the JE training date on the user page."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from typing import Any

import pytest

from apikit import assert_error, make_app, session_client, token_client
from bandwise.clock import uk_day
from bandwise.services import accounts, cases, register
from bandwise.services.base import Database
from dbfixtures import People
from pagekit import Web, text_of
from workflowkit import SAT_ON, draft, last_audit, recorded

GUEST_TEXT = "Ann Jones (staff side, guest from UNISON Eastern region)"


def _json(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    body: dict[str, Any] = response.json()
    return body


# ---------------------------------------------------------------- API


def test_the_api_records_guests_and_the_rationale_and_keeps_the_old_body_working(
    db: Database, db_url: str, people: People
) -> None:
    app = make_app(db_url)
    lead = token_client(app, db, people.lead)
    case = draft(db, people)
    body = {
        "version": case.case.version,
        "sat_on": SAT_ON.isoformat(),
        "members": [people.management.user_id],
        "guests": [
            {"name": "Ann Jones", "side": "staff-side", "organisation": "UNISON Eastern region"}
        ],
        "rationale": "The post leads the service.",
    }
    done = _json(
        lead.client.post(f"/api/cases/{case.case.id}/outcome", json=body, headers=lead.headers)
    )
    outcome = done["outcomes"][-1]
    assert outcome["rationale"] == "The post leads the service."
    assert outcome["panel"]["members"][1] == {
        "user_id": None,
        "name": "Ann Jones",
        "side": "staff-side",
        "organisation": "UNISON Eastern region",
    }
    report = _json(lead.client.get(f"/api/cases/{case.case.id}/report", headers=lead.headers))
    assert report["rationale"] == "The post leads the service."
    assert report["panel"]["members"][1]["organisation"] == "UNISON Eastern region"

    other = draft(db, people)
    old_body = {
        "version": other.case.version,
        "sat_on": SAT_ON.isoformat(),
        "members": [people.management.user_id, people.staff.user_id],
    }
    old = _json(
        lead.client.post(f"/api/cases/{other.case.id}/outcome", json=old_body, headers=lead.headers)
    )
    assert old["outcomes"][-1]["rationale"] == ""


def test_the_api_refuses_a_guest_without_a_side_and_an_empty_panel(
    db: Database, db_url: str, people: People
) -> None:
    app = make_app(db_url)
    lead = token_client(app, db, people.lead)
    case = draft(db, people)
    base = {"version": case.case.version, "sat_on": SAT_ON.isoformat()}
    url = f"/api/cases/{case.case.id}/outcome"
    assert_error(
        lead.client.post(url, headers=lead.headers, json=base), 422, "invalid-input", "members"
    )
    no_side = {**base, "members": [people.management.user_id], "guests": [{"name": "Ann"}]}
    assert_error(lead.client.post(url, headers=lead.headers, json=no_side), 422)
    too_long = {**base, "members": [people.management.user_id], "rationale": "x" * 4001}
    assert_error(lead.client.post(url, headers=lead.headers, json=too_long), 422)


def test_patch_api_users_grants_and_removes_the_consistency_checker_capability(
    db: Database, db_url: str, people: People
) -> None:
    app = make_app(db_url)
    admin = session_client(app, db, people.admin)
    url = f"/api/users/{people.staff2.user_id}"
    user = _json(admin.client.get(url))
    assert user["consistency_checker"] is True  # the test people are checkers
    off = {"version": user["version"], "consistency_checker": False}
    user = _json(admin.client.patch(url, json=off, headers=admin.headers))
    assert user["consistency_checker"] is False
    case = recorded(db, people)
    staff2 = token_client(app, db, people.staff2)
    check = {"version": case.case.version, "decision": "approved"}
    error = assert_error(
        staff2.client.post(f"/api/cases/{case.case.id}/check", json=check, headers=staff2.headers),
        422,
        "rule-violation",
    )
    assert "ask an administrator to make you a consistency checker" in error["message"]
    viewer_url = f"/api/users/{people.viewer.user_id}"
    viewer = _json(admin.client.get(viewer_url))
    grant = {"version": viewer["version"], "consistency_checker": True}
    assert_error(
        admin.client.patch(viewer_url, json=grant, headers=admin.headers),
        422,
        "invalid-input",
        "consistency_checker",
    )


# ---------------------------------------------------------------- pages


def _outcome_post(version: int, members: list[int], **extra: str) -> list[tuple[str, str]]:
    return [
        ("version", str(version)),
        ("sat_on_day", str(SAT_ON.day)),
        ("sat_on_month", str(SAT_ON.month)),
        ("sat_on_year", str(SAT_ON.year)),
        *[("members", str(m)) for m in members],
        *extra.items(),
    ]


def test_the_outcome_form_offers_today_groups_people_by_side_and_offers_guest_rows(
    web: Web,
) -> None:
    p = web.people
    accounts.update_user(
        web.db,
        p.admin,
        p.lead.user_id,
        accounts.get_user(web.db, p.admin, p.lead.user_id).version,
        {"side": "staff-side"},
    )
    case = draft(web.db, p)
    page = web.client(p.lead).get(f"/cases/{case.case.id}/outcome")
    today = uk_day(dt.datetime.now(dt.UTC))
    assert f'name="sat_on_day" type="text" inputmode="numeric" value="{today.day}"' in page.text
    assert f'value="{today.year}"' in page.text
    text = text_of(page.text)
    members_part = text.split("Who sat on the panel?")[1].split("Guests on the panel")[0]
    assert "Admin" not in members_part.split("Not listed")[0]  # no side recorded: not offered
    assert "Not listed, as no side is recorded for them: Admin" in members_part
    staff_part = text[text.index("Staff side") :]
    assert "Lead JE lead, staff side" in staff_part  # a JE lead with a side sits
    assert "Viewer" not in members_part
    for n in (1, 2, 3):
        assert f'id="guest_name_{n}"' in page.text and f'id="guest_side_{n}"' in page.text
    assert 'id="rationale"' in page.text and "At most 4,000 characters" in text


def test_the_outcome_form_records_a_guest_and_the_rationale_shown_everywhere(web: Web) -> None:
    p = web.people
    case = draft(web.db, p)
    cid = case.case.id
    client = web.client(p.lead)
    data = _outcome_post(
        case.case.version,
        [p.management.user_id],
        guest_name_1="Ann Jones",
        guest_side_1="staff-side",
        guest_organisation_1="UNISON Eastern region",
        rationale="Level 6 on factor 1: the post leads the service.\nAll agreed.",
    )
    answer = client.post(f"/cases/{cid}/outcome", data)
    assert answer.status_code == 303, text_of(answer.text)[:400]
    case_page = text_of(client.get(f"/cases/{cid}").text)
    assert GUEST_TEXT in case_page and "the post leads the service" in case_page
    check_page = text_of(web.client(p.checker).get(f"/cases/{cid}/check").text)
    assert GUEST_TEXT in check_page and "All agreed." in check_page
    report = client.get(f"/cases/{cid}/report")
    report_text = text_of(report.text)
    assert "Guest from UNISON Eastern region" in report_text
    assert "The panel's rationale" in report_text and "All agreed." in report_text
    audit = text_of(client.get(f"/cases/{cid}/audit").text)
    assert GUEST_TEXT in audit
    assert "Management (management side)" in audit


def test_a_guest_row_without_a_side_is_refused_on_its_field_with_the_input_kept(
    web: Web,
) -> None:
    p = web.people
    case = draft(web.db, p)
    data = _outcome_post(
        case.case.version,
        [p.management.user_id],
        guest_name_2="Ann Jones",
        guest_organisation_2="UNISON",
        rationale="kept",
    )
    answer = web.client(p.lead).post(f"/cases/{case.case.id}/outcome", data)
    assert answer.status_code == 422
    assert 'href="#guest_name_1"' in answer.text  # the first filled row is guest 1
    assert "Say which side Ann Jones (guest) sits for" in text_of(answer.text) or (
        "say which side Ann Jones (guest) sits for" in text_of(answer.text)
    )
    assert 'value="Ann Jones"' in answer.text and ">kept</textarea>" in answer.text
    assert cases.get_case(web.db, p.lead, case.case.id).case.status == "draft"


def _not_a_checker(web: Web, user_id: int) -> None:
    """An administrator takes the consistency-checker capability away from ``user_id``."""
    user = accounts.get_user(web.db, web.people.admin, user_id)
    accounts.update_user(
        web.db, web.people.admin, user_id, user.version, {"consistency_checker": False}
    )


def test_the_check_page_tells_someone_who_is_not_a_checker_to_ask_an_administrator(
    web: Web,
) -> None:
    p = web.people
    case = recorded(web.db, p)
    _not_a_checker(web, p.checker.user_id)
    page = text_of(web.client(p.checker).get(f"/cases/{case.case.id}/check").text)
    assert "You are not a consistency checker; ask an administrator" in page
    dashboard = web.client(p.checker).get("/")
    assert f"/cases/{case.case.id}" not in dashboard.text
    assert "make yourself a consistency checker" not in page  # not theirs to grant


def test_the_check_page_offers_an_administrator_who_is_not_a_checker_their_user_page(
    web: Web,
) -> None:
    p = web.people
    case = recorded(web.db, p)
    _not_a_checker(web, p.admin.user_id)
    html = web.client(p.admin).get(f"/cases/{case.case.id}/check").text
    assert "You are not a consistency checker" in text_of(html)
    assert f'href="/admin/users/{p.admin.user_id}">make yourself a consistency checker' in html


def test_the_check_page_offers_no_user_page_when_being_a_checker_would_not_be_enough(
    web: Web,
) -> None:
    p = web.people
    made = draft(web.db, p)  # the administrator records it, so may not check it anyway
    case = cases.record_panel_outcome(
        web.db,
        p.admin,
        made.case.id,
        made.case.version,
        SAT_ON,
        [p.management.user_id, p.staff.user_id],
    )
    _not_a_checker(web, p.admin.user_id)
    html = web.client(p.admin).get(f"/cases/{case.case.id}/check").text
    assert "You are not a consistency checker" in text_of(html)
    assert "make yourself a consistency checker" not in html


def test_the_user_page_asks_the_side_at_once_grants_the_capability_and_records_training(
    web: Web,
) -> None:
    p = web.people
    admin = web.client(p.admin)
    form = admin.get("/admin/users/new")
    assert "Which side do they sit for on panels?" in text_of(form.text)
    assert 'name="side" type="radio" value="management"' in form.text
    assert " checked" not in form.text.split('name="side"')[1].split("</fieldset>")[0]
    created = admin.post(
        "/admin/users/new",
        {
            "email": "jo@trust-a.nhs.example",
            "name": "Jo Lead",
            "role": "je-lead",
            "side": "staff-side",
            "consistency_checker": "yes",
        },
    )
    assert created.status_code == 201
    jo = next(u for u in accounts.list_users(web.db, p.admin) if u.name == "Jo Lead")
    assert (jo.role, jo.side, jo.consistency_checker) == ("je-lead", "staff-side", True)

    page = admin.get(f"/admin/users/{p.staff.user_id}")
    assert 'name="consistency_checker" type="checkbox" value="yes" checked' in page.text
    answer = admin.post(
        f"/admin/users/{p.staff.user_id}",
        {
            "version": str(accounts.get_user(web.db, p.admin, p.staff.user_id).version),
            "name": "Staff",
            "role": "practitioner",
            "side": "staff-side",
            "active": "yes",
            "trained_on_day": "4",
            "trained_on_month": "2",
            "trained_on_year": "2024",
        },
    )
    assert answer.status_code == 303
    staff = accounts.get_user(web.db, p.admin, p.staff.user_id)
    assert not staff.consistency_checker  # the box was left unticked
    assert register.je_training_of(web.db, p.admin, p.staff.user_id) == dt.date(2024, 2, 4)
    assert last_audit(web.db).action == "user.je-training-recorded"
    again = admin.get(f"/admin/users/{p.staff.user_id}")
    assert 'name="trained_on_year" type="text" inputmode="numeric" value="2024"' in again.text


def test_a_practitioner_without_a_side_is_refused_on_the_side_question(web: Web) -> None:
    answer = web.client(web.people.admin).post(
        "/admin/users/new",
        {"email": "p@trust-a.nhs.example", "name": "P", "role": "practitioner"},
    )
    assert answer.status_code == 422
    assert 'href="#side"' in answer.text and 'id="side-error"' in answer.text


def test_the_pdf_report_names_the_guest_and_prints_the_rationale(web: Web) -> None:
    p = web.people
    case = draft(web.db, p)
    data = _outcome_post(
        case.case.version,
        [p.management.user_id],
        guest_name_1="Ann Jones",
        guest_side_1="staff-side",
        guest_organisation_1="UNISON Eastern region",
        rationale="The panel agreed the post leads the service.",
    )
    client = web.client(p.lead)
    assert client.post(f"/cases/{case.case.id}/outcome", data).status_code == 303
    pdf = client.get(f"/cases/{case.case.id}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(
        [tool, "-raw", "-enc", "UTF-8", "-", "-"], input=pdf.content, capture_output=True
    ).stdout.decode()
    flat = re.sub(r"\s+", "", text)
    assert "GuestfromUNISONEasternregion" in flat and "AnnJones" in flat
    assert "Thepanelagreedthepostleadstheservice." in flat


def _nobody_checks(web: Web) -> None:
    for user in accounts.list_users(web.db, web.people.admin):
        if user.consistency_checker:
            _not_a_checker(web, user.id)


def test_the_dashboard_warns_when_nobody_is_a_consistency_checker_and_counts_the_waiting(
    web: Web,
) -> None:
    p = web.people
    recorded(web.db, p)
    _nobody_checks(web)
    admin = text_of(web.client(p.admin).get("/").text)
    assert "Nobody is a consistency checker yet" in admin
    assert "1 outcome waits for one" in admin
    assert "Make someone a consistency checker on their user page under Admin" in admin
    staff = text_of(web.client(p.staff).get("/").text)
    assert "Ask an administrator to make someone a consistency checker" in staff


def test_the_dashboard_says_nothing_of_checkers_when_there_is_one(web: Web) -> None:
    assert "Nobody is a consistency checker" not in web.client(web.people.admin).get("/").text
