"""The administrator's pages for the organisation: its details (name, address, logo) and
its matching rule set (the settings in force, the editor with a reason required for any
change from the default, the version history, putting a version in force, the default)."""

from __future__ import annotations

from bandwise.services import organisation, rule_sets
from bandwise.services.rule_sets import SettingInput
from pagekit import Web, text_of
from test_organisation import png
from workflowkit import last_audit

DEFAULTS = {
    "max_levels_per_variation": "1",
    "max_varied_factors": "5",
    "protected_factors": "2, 12",
    "total_within_profile_bands": "yes",
    "hybrid_max_failed_factors": "2",
    "boundary_margin": "10",
}


def _form(based_on: int = 0, **changes: str) -> dict[str, str]:
    form = {"based_on": str(based_on), "in_force": "yes", **DEFAULTS}
    form.update(changes)
    return form


def test_only_an_administrator_opens_or_changes_the_rule_set_and_the_organisation(
    web: Web,
) -> None:
    for actor in (web.people.management, web.people.lead, web.people.viewer):
        browser = web.client(actor)
        for url in ("/admin/rules", "/admin/rules/edit", "/admin/organisation"):
            assert browser.get(url).status_code == 403, (actor.role, url)
        assert browser.post("/admin/rules/edit", _form(max_varied_factors="4")).status_code == 403
        assert browser.post("/admin/rules/default").status_code == 403
        assert browser.post("/admin/organisation", {"name": "X", "version": "1"}).status_code == 403
    assert rule_sets.versions(web.db, web.people.admin) == []


def test_a_changed_setting_without_a_reason_is_shown_on_its_reason_field(web: Web) -> None:
    browser = web.client(web.people.admin)
    answer = browser.post(
        "/admin/rules/edit", _form(max_varied_factors="4", boundary_margin="twelve")
    )
    assert answer.status_code == 422
    assert 'href="#max_varied_factors-reason"' in answer.text
    assert 'href="#boundary_margin"' in answer.text
    assert 'id="max_varied_factors-reason-error"' in answer.text
    shown = text_of(answer.text)
    assert "Give a reason for changing how many factors may vary in a match" in shown
    assert 'value="4"' in answer.text  # what was typed is kept
    assert rule_sets.versions(web.db, web.people.admin) == []


def test_a_changed_setting_with_a_reason_is_a_new_version_in_force(web: Web) -> None:
    browser = web.client(web.people.admin)
    form = _form(max_varied_factors="4")
    form["max_varied_factors-reason"] = "Agreed at the JCC on 1 December 2026"
    answer = browser.post("/admin/rules/edit", form)
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/rules?saved=in-force"
    current = rule_sets.current(web.db, web.people.admin)
    assert (current.rules.id, current.rules.version, current.rules.max_varied_factors) == (
        "local-trust-a",
        1,
        4,
    )
    page = text_of(browser.get("/admin/rules?saved=in-force").text)
    assert "saved and in force" in page and "local matching rules, version 1" in page
    assert "Local convention (set by Admin on" in page
    assert "Reason: Agreed at the JCC on 1 December 2026" in page
    assert "local-trust-a" not in page  # titles, never internal ids
    assert last_audit(web.db).action == "rule-set.put-in-force"


def test_the_editor_keeps_the_reasons_of_the_version_in_force(web: Web) -> None:
    rule_sets.create_version(
        web.db, web.people.admin, {"boundary_margin": SettingInput(20, "Board asked")}
    )
    page = web.client(web.people.admin).get("/admin/rules/edit")
    assert page.status_code == 200
    assert 'name="based_on" value="1"' in page.text
    assert "Board asked</textarea>" in page.text
    assert 'name="boundary_margin" type="text" value="20"' in page.text


def test_an_earlier_version_can_be_put_back_and_the_default_restored(web: Web) -> None:
    admin = web.people.admin
    rule_sets.create_version(web.db, admin, {"boundary_margin": SettingInput(20, "Wider")})
    rule_sets.create_version(web.db, admin, {"boundary_margin": SettingInput(30, "Wider yet")})
    browser = web.client(admin)
    page = browser.get("/admin/rules").text
    assert 'action="/admin/rules/local-trust-a/1/in-force"' in page
    assert 'action="/admin/rules/local-trust-a/2/in-force"' not in page  # in force already
    put = browser.post("/admin/rules/local-trust-a/1/in-force")
    assert put.status_code == 303
    assert rule_sets.current(web.db, admin).rules.boundary_margin == 20
    back = browser.post("/admin/rules/default")
    assert back.status_code == 303
    assert rule_sets.current(web.db, admin).is_default
    assert "built-in default rule set is in force again" in text_of(
        browser.get(back.headers["location"]).text
    )


def test_a_version_saved_meanwhile_by_another_administrator_is_a_conflict_on_the_page(
    web: Web,
) -> None:
    browser = web.client(web.people.admin)
    rule_sets.create_version(
        web.db, web.people.admin, {"boundary_margin": SettingInput(20, "Other admin")}
    )
    form = _form(max_varied_factors="4")
    form["max_varied_factors-reason"] = "Mine"
    answer = browser.post("/admin/rules/edit", form)
    assert answer.status_code == 409
    assert "reload it and make your change again" in text_of(answer.text)
    assert 'name="based_on" value="1"' in answer.text
    assert [v.version for v in rule_sets.versions(web.db, web.people.admin)] == [1]


def test_the_admin_changes_the_organisations_name_and_address(web: Web) -> None:
    browser = web.client(web.people.admin)
    page = browser.get("/admin/organisation")
    assert page.status_code == 200 and 'value="Trust A"' in page.text
    saved = browser.post(
        "/admin/organisation",
        {"name": "Northshire NHS Trust", "address": "1 Road\r\nTown NS1 1AA", "version": "1"},
    )
    assert saved.status_code == 303
    head = organisation.letterhead(web.db, web.people.organisation_id)
    assert head.name == "Northshire NHS Trust"
    assert head.address_lines == ("1 Road", "Town NS1 1AA")
    stale = browser.post("/admin/organisation", {"name": "Old", "address": "", "version": "1"})
    assert stale.status_code == 409 and 'value="Old"' in stale.text
    empty = browser.post("/admin/organisation", {"name": "", "address": "", "version": "2"})
    assert empty.status_code == 422 and 'href="#name"' in empty.text


def test_the_admin_uploads_and_removes_the_logo(web: Web) -> None:
    browser = web.client(web.people.admin)
    svg = browser.client.post(
        "/admin/organisation/logo",
        data={"csrf_token": browser.csrf, "version": "1"},
        files={"logo": ("logo.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/png")},
        follow_redirects=False,
    )
    assert svg.status_code == 422 and 'href="#logo"' in svg.text
    assert "PNG or JPEG" in text_of(svg.text)
    uploaded = browser.client.post(
        "/admin/organisation/logo",
        data={"csrf_token": browser.csrf, "version": "1"},
        files={"logo": ("logo.png", png(), "image/png")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303
    page = browser.get("/admin/organisation").text
    assert 'src="data:image/png;base64,' in page and "Remove the logo" in page
    removed = browser.post("/admin/organisation/logo/remove", {"version": "2"})
    assert removed.status_code == 303
    assert organisation.letterhead(web.db, web.people.organisation_id).logo is None


def test_the_admin_overview_asks_to_name_the_organisation_after_set_up(web: Web) -> None:
    organisation.update_details(web.db, web.people.admin, version=1, name="My NHS Trust")
    shown = text_of(web.client(web.people.admin).get("/admin").text)
    assert "still called “My NHS Trust”" in shown
    assert "Change the organisation's name, address and logo" in shown


def _letterhead(web: Web) -> None:
    view = organisation.update_details(
        web.db,
        web.people.admin,
        version=1,
        name="Northshire Community NHS Trust",
        address="Trust Headquarters\n1 Hospital Road\nNorthshire NS1 1AA",
    )
    organisation.set_logo(web.db, web.people.admin, png(), view.version)


def test_the_matching_report_page_and_pdf_carry_the_organisations_letterhead(web: Web) -> None:
    from test_pages_reports import pdf_text
    from workflowkit import recorded

    _letterhead(web)
    case = recorded(web.db, web.people)
    client = web.client(web.people.viewer)
    page = client.get(f"/cases/{case.case.id}/report")
    assert page.status_code == 200
    assert '<header class="bw-letterhead">' in page.text
    assert 'src="data:image/png;base64,' in page.text
    shown = text_of(page.text)
    assert "Northshire Community NHS Trust" in shown and "1 Hospital Road" in shown
    pdf = pdf_text(client.get(f"/cases/{case.case.id}/report.pdf").content)
    assert "Northshire Community NHS Trust" in pdf
    assert "Trust Headquarters" in pdf and "Northshire NS1 1AA" in pdf


def test_the_consistency_and_board_reports_carry_the_organisations_letterhead(
    web: Web,
) -> None:
    from test_pages_reports import pdf_text
    from workflowkit import confirmed

    _letterhead(web)
    confirmed(web.db, web.people)
    client = web.client(web.people.viewer)
    page = text_of(client.get("/consistency/report").text)
    assert "Northshire Community NHS Trust" in page
    consistency = pdf_text(client.get("/consistency/report.pdf").content)
    assert "Northshire Community NHS Trust" in consistency and "1 Hospital Road" in consistency
    board = client.get("/reports/board.pdf?from=2026-01-01&to=2026-12-31")
    assert board.status_code == 200
    assert "Northshire Community NHS Trust" in pdf_text(board.content)


def test_an_outcome_under_a_local_rule_set_names_it_by_title_on_the_case_and_report(
    web: Web,
) -> None:
    from workflowkit import recorded

    rule_sets.create_version(
        web.db, web.people.admin, {"max_varied_factors": SettingInput(4, "JCC minute 14")}
    )
    case = recorded(web.db, web.people)
    client = web.client(web.people.viewer)
    for url in (f"/cases/{case.case.id}", f"/cases/{case.case.id}/report"):
        shown = text_of(client.get(url).text)
        assert "Local matching rules, version 1" in shown, url
        assert "local-trust-a" not in shown, url
