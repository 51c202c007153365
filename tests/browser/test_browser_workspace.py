"""The matching workspace in chromium: the compact grid with one level control, the
wording of the focused factor beside it, start from the profile, the sticky strip with
the reason and save, the rail and the keyboard shortcuts, autosave with its conflict
display and the leave warning, hybrid and evaluation, phone and wide screens, and every
action without JavaScript. A screenshot of each state goes to
``test-artifacts/screenshots``."""

from __future__ import annotations

import re

from playwright.sync_api import Dialog, Page, expect

from bandwise.services import cases, documents, suggestions
from test_pages_suggestions import JD
from workflowkit import LEVELS, draft

from .browserkit import SCREENSHOTS, BrowseAs, axe_check, current_test, shot
from .serverkit import LiveServer
from .test_browser_keyboard import people_of

MAX_HEIGHT = 4500
FOCUSED = "() => document.activeElement && document.activeElement.id"


def screen(page: Page, name: str) -> None:
    """What the panel sees (the viewport, the sticky strip in place), not the whole page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{current_test()}-{name}.png"))


def height(page: Page) -> int:
    return int(page.evaluate("() => document.documentElement.scrollHeight"))


def focused_id(page: Page) -> str:
    return str(page.evaluate(FOCUSED))


def open_form(page: Page, case_id: int) -> None:
    page.goto(f"/cases/{case_id}/form")
    expect(page.locator("html.bw-js")).to_have_count(1)


def saved_levels(server: LiveServer, case_id: int) -> dict[int, tuple[str, str]]:
    detail = cases.get_case(server.db, server.user("lead").actor, case_id)
    return {d.factor: (d.levels, d.evidence) for d in detail.decisions}


def test_a_match_in_the_workspace_with_the_keyboard_shortcuts(
    browse_as: BrowseAs, live_server: LiveServer
) -> None:
    case_id = draft(live_server.db, people_of(live_server), levels=None).case.id
    page = browse_as("lead")
    open_form(page, case_id)
    # the compact grid: one level control per factor, nothing expanded, short
    assert page.locator('input[type="radio"]').count() == 0
    assert page.locator("input.bw-level").count() == 16
    assert height(page) <= MAX_HEIGHT, height(page)
    axe_check(page, "workspace-empty")
    shot(page, "01-empty")

    # wording on demand: the focused factor's wording beside the grid, the profile's
    # level marked among the plan's choices
    page.locator("#levels_6").click()
    panel = page.locator("#wording-panel")
    expect(panel).to_be_visible()
    expect(panel.locator("h2")).to_contain_text("6. Responsibilities for patient/client care")
    expect(panel.locator(".bw-choice--profile .bw-pick")).to_have_text(re.compile(r"5\(a\)"))
    expect(page.locator("#factor-6 .bw-wording")).to_be_hidden()
    screen(page, "02-wording-panel")

    # start from the profile: every single level filled, the first range in focus
    page.keyboard.press("Alt+KeyA")
    expect(page.locator("#levels_1")).to_have_value("6")
    expect(page.locator("#levels_6")).to_have_value("5(a)")
    expect(page.locator("#levels_9")).to_have_value("")
    assert focused_id(page) == "levels_9"
    expect(page.locator("#autosave-status")).to_contain_text("11 set to the profile's level")
    screen(page, "03-from-profile")
    for n in (9, 11, 13, 14, 16):  # each range: type the level, on to the next open one
        assert focused_id(page) == f"levels_{n}"
        page.keyboard.type(LEVELS[n - 1])
        page.keyboard.press("Alt+KeyN")
    expect(page.locator("#live-verdict")).to_contain_text("profile match")
    expect(page.locator("#live-total")).to_have_text("475")

    # a variation on a protected factor: the strip says why, with a link to it
    for _ in range(4):
        page.keyboard.press("Alt+ArrowUp")
    assert focused_id(page) == "levels_12"
    page.keyboard.type("4")
    expect(page.locator("#live-verdict")).to_contain_text("no match")
    reason = page.locator("#live-reason")
    expect(reason).to_contain_text("protected")
    expect(page.locator("#factor-rail a[data-goto='12']")).to_have_class(re.compile("mismatch"))
    screen(page, "04-reason-in-the-strip")
    page.locator("#factor-1 .bw-evidence-box").focus()
    reason.get_by_role("link", name="F12").click()
    assert focused_id(page) == "levels_12"

    # the wording's buttons set the level and give the focus back; Alt+P is the profile's
    page.keyboard.press("Alt+KeyW")
    assert page.evaluate("() => document.activeElement.name") == "pick"
    page.keyboard.press("Escape")
    assert focused_id(page) == "levels_12"
    page.keyboard.press("Alt+KeyP")
    expect(page.locator("#levels_12")).to_have_value("3")
    expect(page.locator("#live-verdict")).to_contain_text("profile match")
    for _ in range(9):
        page.keyboard.press("Alt+ArrowUp")
    assert focused_id(page) == "levels_3"
    page.keyboard.type("5")
    page.keyboard.press("Enter")
    assert focused_id(page) == "evidence_3"
    page.keyboard.type("Leads the service's art therapy groups.")
    expect(page.locator("#live-verdict")).to_contain_text("match with variation")

    # autosave: the draft is saved as the panel goes
    expect(page.locator("#autosave-status")).to_contain_text("All changes saved")
    assert saved_levels(live_server, case_id)[3] == ("5", "Leads the service's art therapy groups.")
    # saving keeps the place: back on factor 3
    with page.expect_navigation():
        page.keyboard.press("Alt+KeyS")
    expect(page).to_have_url(re.compile(r"saved=1&place=3#factor-3$"))
    expect(page.locator(".nhsuk-inset-text").first).to_contain_text("draft has been saved")
    page.wait_for_function("() => document.activeElement.id === 'levels_3'")
    screen(page, "05-saved-kept-place")
    axe_check(page, "workspace-saved")


def test_autosave_shows_a_conflict_with_both_values_and_warns_before_leaving(
    browse_as: BrowseAs, live_server: LiveServer
) -> None:
    people = people_of(live_server)
    case = draft(live_server.db, people)
    page = browse_as("management")
    open_form(page, case.case.id)
    page.locator("#evidence_1").fill("Mine, typed in the workspace.")
    expect(page.locator("#autosave-status")).to_contain_text("All changes saved")
    # someone else saves factor 2 meanwhile
    now = cases.get_case(live_server.db, people.staff, case.case.id).case.version
    cases.set_factor_decision(live_server.db, people.staff, case.case.id, now, 2, "6", "theirs")
    page.locator("#evidence_2").fill("Mine for factor 2.")
    conflict = page.locator("#autosave-conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_be_focused()
    row = conflict.locator("tr", has_text="Factor 2")
    expect(row).to_contain_text("7: Mine for factor 2.")
    expect(row).to_contain_text("6: theirs")
    expect(page.locator("#evidence_2")).to_have_value("Mine for factor 2.")  # nothing lost
    expect(page.locator("#autosave-status")).to_contain_text("someone else saved")
    screen(page, "01-conflict")
    conflict.get_by_role("button", name="Keep mine and save over theirs").click()
    expect(page.locator("#autosave-status")).to_contain_text("All changes saved")
    assert saved_levels(live_server, case.case.id)[2] == ("7", "Mine for factor 2.")

    # unsaved changes: leaving asks first
    dialogs: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.locator("#evidence_4").fill("Not saved yet")
    page.close(run_before_unload=True)
    for _ in range(50):  # the dialog event arrives asynchronously
        if dialogs:
            break
        page.wait_for_timeout(100)
    assert dialogs == ["beforeunload"], dialogs
    # staying on the page (the dialog dismissed): the typed text is still there
    expect(page.locator("#evidence_4")).to_have_value("Not saved yet")


def test_every_workspace_action_works_without_javascript(
    browse_as: BrowseAs, live_server: LiveServer
) -> None:
    case_id = draft(live_server.db, people_of(live_server), levels=None).case.id
    page = browse_as("lead", javascript=False)
    page.goto(f"/cases/{case_id}/form")
    page.get_by_role("button", name="Start from the profile").click()
    expect(page.locator("#levels_1")).to_have_value("6")
    expect(page.locator("#levels_9")).to_have_value("")
    shot(page, "01-from-profile")
    page.locator("#factor-9 .bw-wording summary").click()
    page.locator("#factor-9").get_by_role("button", name="Use level 1", exact=True).click()
    expect(page.locator("#levels_9")).to_have_value("1")
    for n in (11, 13, 14, 16):
        page.locator(f"#levels_{n}").fill(LEVELS[n - 1])
    page.locator("#evidence_9").fill("Picked from the wording.")
    page.get_by_role("button", name="Check the result").click()
    expect(page.locator("#live-total")).to_have_text("475")
    page.get_by_role("button", name="Save as draft").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}/form\?saved=1"))
    assert saved_levels(live_server, case_id)[9] == ("1", "Picked from the wording.")
    shot(page, "02-saved")


def test_evaluation_and_hybrid_cases_use_the_same_workspace(
    browse_as: BrowseAs, live_server: LiveServer
) -> None:
    people = people_of(live_server)
    evaluation = draft(live_server.db, people, kind="evaluation", profile=None, levels=None)
    page = browse_as("lead")
    open_form(page, evaluation.case.id)
    expect(page.locator(".bw-cell--profile")).to_have_count(0)
    page.locator("#levels_2").click()
    panel = page.locator("#wording-panel")
    expect(panel.locator("h2")).to_contain_text("2. Knowledge, training and experience")
    expect(panel.locator(".bw-pick")).to_have_count(page.locator("#wording-2 .bw-pick").count())
    page.keyboard.type("7")
    expect(page.locator("#factor-2-outcome")).to_contain_text("196")
    shot(page, "01-evaluation")
    axe_check(page, "workspace-evaluation")

    levels = list(LEVELS)
    levels[2] = "2"  # two levels below the profile: evaluated locally in a hybrid
    hybrid = draft(live_server.db, people, kind="hybrid", levels=levels)
    open_form(page, hybrid.case.id)
    expect(page.locator("#factor-3")).to_contain_text("goes to local evaluation")
    expect(page.locator(".bw-row", has_text="goes to local evaluation")).to_have_count(1)
    shot(page, "02-hybrid")


def test_the_workspace_on_a_phone_and_a_wide_screen(
    browse_as: BrowseAs, live_server: LiveServer
) -> None:
    case_id = draft(live_server.db, people_of(live_server)).case.id
    page = browse_as("lead")
    page.set_viewport_size({"width": 390, "height": 844})
    open_form(page, case_id)
    print(f"workspace height at 390x844: {height(page)} px")
    profile = page.locator("#factor-5 .bw-cell--profile").bounding_box()
    level = page.locator("#levels_5").bounding_box()
    assert profile and level and profile["y"] < level["y"]  # the profile's level on top
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    expect(page.locator("#wording-panel")).to_be_hidden()
    page.locator("#levels_5").focus()
    page.keyboard.press("Alt+KeyW")  # on a phone the wording opens in place
    expect(page.locator("#wording-5")).to_have_attribute("open", "")
    expect(page.locator("#wording-5 .bw-choice--profile")).to_contain_text("profile's level")
    shot(page, "01-phone")
    axe_check(page, "workspace-phone")

    page.set_viewport_size({"width": 1920, "height": 1080})
    page.locator("#levels_7").focus()
    outcome = page.locator("#factor-7 .bw-cell--outcome").bounding_box()
    evidence = page.locator("#evidence_7").bounding_box()
    assert outcome and evidence
    assert evidence["x"] > outcome["x"] and abs(evidence["y"] - outcome["y"]) < 20
    assert evidence["width"] > 300, evidence
    expect(page.locator("#wording-panel")).to_be_visible()
    shot(page, "02-wide")


def test_a_suggestion_is_accepted_in_its_row_with_only_the_ticked_sentence(
    browse_as: BrowseAs, live_server: LiveServer
) -> None:
    people = people_of(live_server)
    case = draft(live_server.db, people, levels=None)
    documents.add_document(
        live_server.db, people.lead, case.case.job_id, "job-description", "jd.txt", JD.encode()
    )
    result = suggestions.suggest_for_text(live_server.db, people.lead, JD, 5)
    factor = next(f for f in result.factors if f.levels and len(f.evidence) > 1)
    n, ticked = factor.number, factor.evidence[1]
    page = browse_as("lead")
    open_form(page, case.case.id)
    slot = page.locator(f"#factor-{n}-suggestion")
    expect(slot).to_contain_text("confidence")
    slot.locator("summary").click()
    boxes = slot.locator('input[type="checkbox"]')
    assert boxes.count() == len(factor.evidence) and not any(
        boxes.nth(i).is_checked() for i in range(boxes.count())
    )
    slot.locator(f"label[for='suggested-{n}-{ticked.sentence}']").click()
    screen(page, "01-suggestion-open")
    slot.get_by_role("button", name=re.compile(f"^Accept level {factor.levels[0]}")).click()
    expect(slot).to_contain_text("Accepted")
    expect(page.locator(f"#levels_{n}")).to_have_value(str(factor.levels[0]))
    expect(page.locator(f"#evidence_{n}")).to_have_value(
        f"From the job description:\n{ticked.text}"
    )
    assert saved_levels(live_server, case.case.id)[n] == (
        str(factor.levels[0]),
        f"From the job description:\n{ticked.text}",
    )
    screen(page, "02-suggestion-accepted")
