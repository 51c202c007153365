"""The consistency check page: the factor table (profile level, agreed level, outcome,
evidence), variations and a near boundary flagged, the three most similar outcomes in
force linked to their cases, the panel's date in words that cannot read as a weekday,
and wide tables in their own labelled, focusable scroll box."""

from __future__ import annotations

import re

from pagekit import Web, text_of
from recordfixtures import add_job, add_outcome, with_level
from workflowkit import LEVELS, recorded

#: A variation on factor 3 (total 493, band 7).
VARIED = with_level(LEVELS, 3, "5")


def _row(html: str, number: int) -> str:
    found = re.search(rf'<tr class="([^"]*)" id="factor-{number}">(.*?)</tr>', html, re.S)
    assert found, f"no row for factor {number}"
    return f"{found.group(1)} | {text_of(found.group(2))}"


def test_the_check_page_lays_out_each_factor_with_profile_level_agreed_level_outcome_and_evidence(
    web: Web,
) -> None:
    case = recorded(web.db, web.people, levels=list(VARIED))
    page = web.client(web.people.checker).get(f"/cases/{case.case.id}/check")
    assert page.status_code == 200
    html = page.text
    for header in ("Factor", "Profile level", "Agreed level", "Outcome", "Evidence"):
        assert f'class="nhsuk-table__header">{header}</th>' in html
    assert _row(html, 1) == (
        "nhsuk-table__row | 1. Communication and relationship skills 6 6 60 points match "
        "evidence for factor 1"
    )
    third = _row(html, 3)
    assert third.startswith(
        "nhsuk-table__row bw-flagged | 3. Analytical and judgemental skills 4 5"
    )
    assert "variation" in third and "1 level above the profile" in third
    assert _row(html, 13).endswith("2(a)(d)– 3(c) 2 7 points match evidence for factor 13")
    text = text_of(html)
    assert "Variations and mismatches Factor 3, Analytical and judgemental skills" in text
    assert 'href="#factor-3"' in html
    assert "6, 7, 4, 2" not in text  # no longer a bare list of levels


def test_a_total_within_the_margin_of_a_band_boundary_is_flagged_on_the_check_page(
    web: Web,
) -> None:
    near = recorded(web.db, web.people)  # 475: 10 points into band 7
    far = recorded(web.db, web.people, levels=list(VARIED))  # 493
    browser = web.client(web.people.checker)
    near_text = text_of(browser.get(f"/cases/{near.case.id}/check").text)
    assert "Near a boundary A total of 475 is band 7: losing 10 points would drop it a band" in (
        near_text
    )
    assert "Within 10 points of a boundary: check the factors that decide it." in near_text
    far_text = text_of(browser.get(f"/cases/{far.case.id}/check").text)
    assert "Near a boundary" not in far_text
    assert "More than 10 points from a boundary." in far_text


def test_the_check_page_links_the_three_most_similar_outcomes_in_force(web: Web) -> None:
    people = web.people
    made = {}
    for title, levels in (
        ("Same levels", LEVELS),
        ("Seven points off", with_level(LEVELS, 9, "2")),
        ("Eighteen points off", VARIED),
        ("Farther off", with_level(VARIED, 4, "5")),
    ):
        made[title] = add_outcome(web.db, people, add_job(web.db, people, title), levels)[0]
    add_outcome(
        web.db, people, add_job(web.db, people, "Awaiting a check"), LEVELS, confirmed=False
    )
    case = recorded(web.db, people)
    html = web.client(people.checker).get(f"/cases/{case.case.id}/check").text
    section = html.split('id="similar"', 1)[1].split("</table>", 1)[0]
    links = re.findall(r'<a href="/cases/(\d+)">([^<]+)</a>', section)
    assert links == [
        (str(made["Same levels"]), "Same levels"),
        (str(made["Seven points off"]), "Seven points off"),
        (str(made["Eighteen points off"]), "Eighteen points off"),
    ]
    text = text_of(section)
    assert "475, band 7 the same total" in text and "482, band 7 7 points away" in text
    assert "Farther off" not in text and "Awaiting a check" not in text


def test_with_no_outcome_to_compare_the_check_page_says_so(web: Web) -> None:
    case = recorded(web.db, web.people)
    text = text_of(web.client(web.people.checker).get(f"/cases/{case.case.id}/check").text)
    assert "No other confirmed outcome in force is on this profile yet" in text


def test_the_panel_date_reads_as_the_day_the_panel_sat_never_as_a_weekday(web: Web) -> None:
    case = recorded(web.db, web.people)  # the panel sat on 1 October 2026
    text = text_of(web.client(web.people.checker).get(f"/cases/{case.case.id}/check").text)
    assert "Panel sat on 1 October 2026:" in text
    assert not re.search(r"\bSat \d", text)


SCROLL_BOX = re.compile(
    r'<div class="nhsuk-table-container bw-scroll[^"]*" tabindex="0" role="region" '
    r'aria-label="([^"]+)">\s*<table'
)


def test_wide_tables_scroll_in_their_own_focusable_labelled_box(web: Web) -> None:
    case = recorded(web.db, web.people)
    browser = web.client(web.people.lead)
    check = browser.get(f"/cases/{case.case.id}/check").text
    assert SCROLL_BOX.findall(check) == ["Factor by factor, scrolls sideways"]
    nearest = browser.get(f"/cases/{case.case.id}/nearest").text
    assert len(SCROLL_BOX.findall(nearest)) == nearest.count("<table")
    compare = browser.get(
        "/library/compare?profile=arts-therapies/arts-therapist"
        "&profile=arts-therapies/arts-therapist-principal"
    )
    assert compare.status_code == 200
    assert SCROLL_BOX.findall(compare.text), "the comparison table scrolls in its own box"
