"""The matching form with the keyboard alone (Tab, Shift+Tab, typing, Enter), without
its shortcuts: every factor's level and evidence typed, the draft saved. At every stop
the focus is on a real control (never lost to ``body``, also not while htmx swaps the live result
in) and draws a visible focus indicator."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from bandwise.services import cases
from dbfixtures import People
from workflowkit import draft

from .browserkit import BrowseAs, shot
from .serverkit import LiveServer

#: Arts Therapist at these levels is a profile match: total 475, band 7.
LEVELS = ["6", "7", "4", "2", "3", "5", "2", "2", "1", "1", "1", "3", "2", "2", "4", "2"]
MAX_STOPS = 120

#: The focused element and whether a focus indicator is drawn: its own outline (not a
#: transparent one) or box shadow, or for an NHS radio/checkbox (the input is invisible)
#: the ring on its label's ::before.
FOCUS = """() => {
    const e = document.activeElement;
    if (!e || e === document.body || e === document.documentElement) return {lost: true};
    const drawn = (s) => (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0
                          && s.outlineColor !== "rgba(0, 0, 0, 0)")
                         || (s.boxShadow && s.boxShadow !== "none");
    let ring = drawn(getComputedStyle(e));
    if (!ring && e.matches(".nhsuk-radios__input, .nhsuk-checkboxes__input")) {
        const label = document.querySelector(`label[for="${e.id}"]`);
        ring = !!label && drawn(getComputedStyle(label, "::before"));
    }
    return {lost: false, tag: e.tagName.toLowerCase(), id: e.id, name: e.name || "",
            type: e.type || "", value: e.value || "", checked: !!e.checked,
            text: (e.innerText || "").trim().slice(0, 60), ring: ring};
}"""


class Walk:
    """Keys pressed on one page, checking the focus after each."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.stops = 0
        self.trail: list[str] = []

    def press(self, key: str) -> dict[str, Any]:
        self.page.keyboard.press(key)
        self.stops += 1
        return self.check(key)

    def check(self, after: str) -> dict[str, Any]:
        state: dict[str, Any] = self.page.evaluate(FOCUS)
        self.trail.append(f"{after} -> {state.get('tag')} #{state.get('id')} {state.get('text')}")
        assert not state["lost"], f"focus lost to the page body: {self.trail[-6:]}"
        assert state["ring"], f"no visible focus indicator on {state} after {after}"
        return state

    def tab_to(self, predicate: Any, what: str, key: str = "Tab") -> dict[str, Any]:
        for _ in range(MAX_STOPS):
            state = self.press(key)
            if predicate(state):
                return state
        raise AssertionError(f"Tab never reached {what}")


def people_of(server: LiveServer) -> People:
    keys = ("admin", "lead", "management", "management2", "staff", "staff2", "checker")
    actors = {key: server.user(key).actor for key in (*keys, "viewer")}
    return People(**actors, organisation_id=actors["admin"].organisation_id)


def test_the_matching_form_with_the_keyboard_alone(
    browse_as: BrowseAs, live_server: LiveServer
) -> None:
    empty = draft(live_server.db, people_of(live_server), levels=None)
    case_id = empty.case.id
    page = browse_as("management")
    page.goto(f"/cases/{case_id}/form")
    expect(page.locator("#live-progress")).to_contain_text("0 of 16 factors")
    walk = Walk(page)

    first = walk.tab_to(lambda s: s["id"] == "levels_1", "factor 1's level")
    assert first["type"] == "text" and first["value"] == "", first  # one control, empty
    for number, level in enumerate(LEVELS, start=1):
        state = walk.check(f"reaching factor {number}")
        assert state["id"] == f"levels_{number}", state
        page.keyboard.type(level)  # the level is typed into its one control
        state = walk.press("Tab")
        assert state["id"] == f"evidence_{number}", state
        page.keyboard.type(f"JD {number}")
        page.keyboard.press("Space")
        page.keyboard.type("ok")
        if number == 1:  # back and forth: Shift+Tab returns to the level
            assert walk.press("Shift+Tab")["id"] == "levels_1"
            assert walk.press("Tab")["id"] == "evidence_1"
        if number < 16:
            walk.tab_to(lambda s, n=number: s["id"] == f"levels_{n + 1}", f"factor {number + 1}")

    # the live result has followed the keys (htmx swapped it in while focus stayed put)
    expect(page.locator("#live-total")).to_have_text("475")
    expect(page.locator("#live-band")).to_have_text("7")
    expect(page.locator("#live-verdict")).to_contain_text("profile match")
    # the save is in the sticky strip above the factors: back up to it
    walk.tab_to(lambda s: s["text"] == "Save as draft", "the Save as draft button", "Shift+Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".nhsuk-inset-text").first).to_contain_text("draft has been saved")
    shot(page, "saved")

    saved = cases.get_case(live_server.db, live_server.user("management").actor, case_id)
    decisions = {d.factor: d for d in saved.decisions}
    assert [decisions[n].levels for n in range(1, 17)] == LEVELS
    assert decisions[16].evidence == "JD 16 ok"
    assert saved.case.status == "draft"
    assert walk.stops < 16 * 4 + 40, walk.stops
