"""The case pages and the matching form: what panels see and what their forms save.

Cases are built through the services (``workflowkit``); the pages are driven as a
browser would (forms with the CSRF token, htmx requests with its headers).
"""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy import select

from bandwise.profiles.library import builtin_library
from bandwise.scheme.loader import load_scheme
from bandwise.services import cases
from bandwise.services.jobs import create_job
from bandwise.store import tables as t
from dbfixtures import make_people
from pagekit import Web, text_of, web
from workflowkit import LEVELS, SAT_ON, audit_events, confirmed, draft, last_audit, recorded

__all__ = ["web"]

PROFILE = builtin_library().get("arts-therapies/arts-therapist")


def form_data(
    levels: list[str], evidence: dict[int, str] | None = None, **extra: Any
) -> dict[str, Any]:
    """The form as a browser sends it: typed level expressions, evidence per factor."""
    data: dict[str, Any] = {}
    for n, lv in enumerate(levels, start=1):
        data[f"level_{n}"] = ""
        data[f"levels_{n}"] = lv
        data[f"evidence_{n}"] = (evidence or {}).get(n, "")
    data.update(extra)
    return data


def decisions(web: Web, case_id: int) -> dict[int, t.FactorDecision]:
    with web.db.transaction() as session:
        rows = session.scalars(select(t.FactorDecision).where(t.FactorDecision.case_id == case_id))
        return {r.factor: r for r in rows}


# ---------------------------------------------------------------- list and case page


def test_case_list_filters_and_links(web: Web) -> None:
    a = draft(web.db, web.people)
    b = recorded(web.db, web.people)
    client = web.client(web.people.viewer)
    page = client.get("/cases")
    assert page.status_code == 200
    text = text_of(page.text)
    assert f'href="/cases/{a.case.id}"' in page.text and f'href="/cases/{b.case.id}"' in page.text
    assert "Arts Therapist" in text and "2 cases" in text
    filtered = client.get("/cases?status=outcome-recorded&kind=match")
    assert f'href="/cases/{b.case.id}"' in filtered.text
    assert f'href="/cases/{a.case.id}"' not in filtered.text
    bad = client.get("/cases?status=bogus")
    assert bad.status_code == 422 and "There is a problem" in bad.text


def test_case_page_shows_job_profile_outcome_and_allowed_actions(web: Web) -> None:
    case = recorded(web.db, web.people)
    cid = case.case.id
    page = web.client(web.people.checker).get(f"/cases/{cid}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert f'href="/jobs/{case.case.job_id}"' in page.text
    assert 'href="/library/profiles/arts-therapies/arts-therapist?version=1"' in page.text
    assert "AT-1" in text and "version 1" in text
    assert "outcome recorded" in text
    assert "profile match" in text and "475" in text and "Band 7" in text
    assert "(management side)" in text and "(staff side)" in text
    assert f"Scheme edition {load_scheme().edition.title}" in text  # its title, not its id
    assert "afc-je-7-2024" not in text and "bandwise-default" not in text
    # outcome-recorded: the check is the only workflow step
    assert f'href="/cases/{cid}/check"' in page.text
    assert f'href="/cases/{cid}/outcome"' not in page.text
    assert f'action="/cases/{cid}/close"' not in page.text
    for link in ("report", "report.pdf", "audit", "nearest"):
        assert f'href="/cases/{cid}/{link}"' in page.text
    # a viewer sees no workflow buttons
    viewer = web.client(web.people.viewer).get(f"/cases/{cid}")
    assert f'href="/cases/{cid}/check"' not in viewer.text


def test_other_organisations_case_is_404(web: Web) -> None:
    case = draft(web.db, web.people)
    other = make_people(web.db, "trust-b")
    client = web.client(other.lead)
    for url in ("", "/form", "/outcome", "/check", "/nearest"):
        assert client.get(f"/cases/{case.case.id}{url}").status_code == 404, url
    assert client.post(f"/cases/{case.case.id}/form", form_data(LEVELS)).status_code == 404


# ---------------------------------------------------------------- the matching form


def test_form_shows_every_factor_with_profile_wording(web: Web) -> None:
    case = draft(web.db, web.people, levels=None)
    page = web.client(web.people.management).get(f"/cases/{case.case.id}/form")
    assert page.status_code == 200
    text = text_of(page.text)
    scheme = load_scheme()
    for factor in scheme.factors:
        assert f"{factor.number}. {factor.name}" in text
        entry = PROFILE.factor(factor.number)
        assert entry is not None
        assert html.escape(entry.descriptor, quote=False) in page.text
        assert f'name="evidence_{factor.number}"' in page.text
        assert f'name="levels_{factor.number}"' in page.text
    # the factor plan's wording, with lettered options, each a button setting the level
    f3 = scheme.factor(6).level(3)
    assert html.escape(f3.descriptor, quote=False) in page.text
    assert 'name="pick" value="6:3(a)"' in page.text
    assert f'hx-post="/cases/{case.case.id}/form/preview"' in page.text
    assert 'aria-live="polite"' in page.text


def test_form_prefills_saved_decisions(web: Web) -> None:
    case = draft(web.db, web.people)
    page = web.client(web.people.management).get(f"/cases/{case.case.id}/form")
    assert "evidence for factor 16" in page.text
    assert (
        'name="levels_1" type="text" spellcheck="false" autocomplete="off" value="6"' in page.text
    )
    assert 'name="level_1"' not in page.text  # one level control, never two that disagree
    assert "Total:" in text_of(page.text) and "475" in text_of(page.text)


def test_evaluation_form_has_no_profile_column(web: Web) -> None:
    case = draft(web.db, web.people, kind="evaluation", profile=None, levels=None)
    page = web.client(web.people.management).get(f"/cases/{case.case.id}/form")
    assert page.status_code == 200
    assert "Evaluation form" in page.text
    assert "The profile</h3>" not in page.text
    assert "bw-cell--profile" not in page.text and "Start from the profile" not in page.text


def test_htmx_preview_gives_total_band_verdict_without_saving(web: Web) -> None:
    case = draft(web.db, web.people, levels=None)
    cid = case.case.id
    client = web.client(web.people.management)
    response = client.htmx(f"/cases/{cid}/form/preview", form_data(LEVELS))
    assert response.status_code == 200
    assert "<html" not in response.text  # a fragment
    assert '<span id="live-total">475</span>' in response.text
    assert '<span id="live-band">7</span>' in response.text
    assert "profile match" in response.text
    assert 'id="factor-1-outcome" class="bw-factor-outcome" hx-swap-oob="true"' in response.text
    assert decisions(web, cid) == {}
    # one factor two levels away: a mismatch with its reason, no match
    changed = list(LEVELS)
    changed[2] = "2"
    response = client.htmx(f"/cases/{cid}/form/preview", form_data(changed))
    text = text_of(response.text)
    assert "mismatch" in text and "no match" in text
    # a range leaves the verdict undecided with the possibilities
    ranged = list(LEVELS)
    ranged[8] = "1-2"
    ranged[11] = "3-4"
    text = text_of(client.htmx(f"/cases/{cid}/form/preview", form_data(ranged)).text)
    assert "Total: 475 to" in text
    # an incomplete form: the points so far
    partial = [*LEVELS[:10], *[""] * 6]
    text = text_of(client.htmx(f"/cases/{cid}/form/preview", form_data(partial)).text)
    assert "10 of 16 factors have a level" in text and "11, 12, 13, 14, 15, 16" in text


def test_preview_names_an_invalid_level_on_its_factor(web: Web) -> None:
    case = draft(web.db, web.people, levels=None)
    levels = list(LEVELS)
    levels[2] = "9"
    response = web.client(web.people.management).htmx(
        f"/cases/{case.case.id}/form/preview", form_data(levels)
    )
    assert "factor 3" in response.text and "has no level 9" in response.text


def test_check_without_javascript_rerenders_with_results(web: Web) -> None:
    case = draft(web.db, web.people, levels=None)
    cid = case.case.id
    page = web.client(web.people.management).post(
        f"/cases/{cid}/form", form_data(LEVELS, {4: "typed evidence"}, action="check")
    )
    assert page.status_code == 200
    assert "<html" in page.text
    assert '<span id="live-total">475</span>' in page.text
    assert "typed evidence" in page.text
    assert decisions(web, cid) == {}


def test_save_draft_writes_decisions_evidence_and_audit(web: Web) -> None:
    case = draft(web.db, web.people, levels=None)
    cid = case.case.id
    data = form_data(LEVELS, {n: f"panel notes {n}" for n in range(1, 17)}, action="save")
    data["levels_1"] = ""
    data["level_1"] = "6"  # chosen from the radios
    data["version"] = str(case.case.version)
    response = web.client(web.people.management).post(f"/cases/{cid}/form", data)
    assert response.status_code == 303
    assert response.headers["location"] == f"/cases/{cid}/form?saved=1"
    saved = decisions(web, cid)
    assert [saved[n].levels for n in range(1, 17)] == LEVELS
    assert saved[5].evidence == "panel notes 5"
    event = last_audit(web.db)
    assert event.action == "case.decisions-changed" and event.entity_id == cid
    assert event.user_id == web.people.management.user_id
    page = web.client(web.people.management).get(f"/cases/{cid}/form?saved=1")
    assert "The draft has been saved." in page.text and "panel notes 5" in page.text


def test_stale_version_gives_conflict_and_keeps_input(web: Web) -> None:
    case = draft(web.db, web.people)
    cid = case.case.id
    stale = case.case.version
    cases.set_factor_decision(web.db, web.people.staff, cid, stale, 1, "5", "someone else")
    client = web.client(web.people.management)
    before = audit_events(web.db)
    data = form_data(LEVELS, {2: "my careful evidence"}, action="save", version=str(stale))
    response = client.post(f"/cases/{cid}/form", data)
    assert response.status_code == 409
    assert "Someone else changed this case" in response.text
    assert "my careful evidence" in response.text
    assert len(audit_events(web.db)) == len(before)
    assert decisions(web, cid)[1].evidence == "someone else"


def test_save_refuses_an_invalid_level_and_keeps_input(web: Web) -> None:
    case = draft(web.db, web.people, levels=None)
    levels = list(LEVELS)
    levels[6] = "zz"
    data = form_data(levels, {7: "kept"}, action="save", version=str(case.case.version))
    response = web.client(web.people.management).post(f"/cases/{case.case.id}/form", data)
    assert response.status_code == 422
    assert 'href="#levels_7"' in response.text and "kept" in response.text
    assert decisions(web, case.case.id) == {}


def test_evidence_is_escaped(web: Web) -> None:
    case = draft(web.db, web.people, levels=None)
    cid = case.case.id
    evil = '<script>alert("x")</script>'
    data = form_data(LEVELS, {1: evil}, action="save", version=str(case.case.version))
    client = web.client(web.people.management)
    assert client.post(f"/cases/{cid}/form", data).status_code == 303
    for url in (f"/cases/{cid}", f"/cases/{cid}/form"):
        page = client.get(url)
        assert evil not in page.text
        assert "&lt;script&gt;" in page.text


def test_viewer_cannot_save(web: Web) -> None:
    case = draft(web.db, web.people, levels=None)
    data = form_data(LEVELS, action="save", version=str(case.case.version))
    response = web.client(web.people.viewer).post(f"/cases/{case.case.id}/form", data)
    assert response.status_code == 403
    assert "<html" in response.text
    assert decisions(web, case.case.id) == {}
    page = web.client(web.people.viewer).get(f"/cases/{case.case.id}/form")
    assert "Save as draft" not in page.text


# ---------------------------------------------------------------- workflow steps


def outcome_data(members: list[int], version: int) -> list[tuple[str, str]]:
    return [
        ("sat_on_day", str(SAT_ON.day)),
        ("sat_on_month", str(SAT_ON.month)),
        ("sat_on_year", str(SAT_ON.year)),
        ("version", str(version)),
        *[("members", str(m)) for m in members],
    ]


def test_outcome_with_one_side_only_is_refused(web: Web) -> None:
    case = draft(web.db, web.people)
    p = web.people
    client = web.client(p.lead)
    page = client.get(f"/cases/{case.case.id}/outcome")
    assert "(management side)" not in page.text  # sides are hints under names
    assert "management side" in page.text and "staff side" in page.text
    data = outcome_data([p.management.user_id, p.management2.user_id], case.case.version)
    response = client.post(f"/cases/{case.case.id}/outcome", data)
    assert response.status_code == 422
    text = text_of(response.text)
    assert "There is a problem" in text and "no staff-side member" in text
    assert 'href="#members"' in response.text
    mid = p.management.user_id
    assert f'name="members" type="checkbox" value="{mid}" checked' in response.text
    assert cases.get_case(web.db, p.lead, case.case.id).case.status == "draft"


def test_outcome_with_an_undecided_factor_is_refused(web: Web) -> None:
    levels = list(LEVELS)
    levels[3] = "2-3"
    case = draft(web.db, web.people, levels=levels)
    p = web.people
    data = outcome_data([p.management.user_id, p.staff.user_id], case.case.version)
    response = web.client(p.lead).post(f"/cases/{case.case.id}/outcome", data)
    assert response.status_code == 422
    assert "a range on factor(s) 4 (2-3)" in text_of(response.text)


def test_record_outcome_then_confirm_by_checker(web: Web) -> None:
    case = draft(web.db, web.people)
    cid = case.case.id
    p = web.people
    data = outcome_data([p.management.user_id, p.staff.user_id], case.case.version)
    response = web.client(p.lead).post(f"/cases/{cid}/outcome", data)
    assert (
        response.status_code == 303 and response.headers["location"] == f"/cases/{cid}?done=outcome"
    )
    detail = cases.get_case(web.db, p.lead, cid)
    assert detail.case.status == "outcome-recorded"
    checker = web.client(p.checker)
    form = checker.get(f"/cases/{cid}/check")
    assert "Is the outcome consistent?" in form.text
    missing = checker.post(
        f"/cases/{cid}/check", {"decision": "returned", "version": str(detail.case.version)}
    )
    assert missing.status_code == 422 and "say why the outcome is returned" in missing.text
    ok = checker.post(
        f"/cases/{cid}/check", {"decision": "approved", "version": str(detail.case.version)}
    )
    assert ok.status_code == 303
    assert cases.get_case(web.db, p.lead, cid).case.status == "confirmed"
    assert last_audit(web.db).action == "case.checked"
    page = text_of(checker.get(f"/cases/{cid}").text)
    assert "Confirmed" in page and p.checker.name in page


def test_panel_member_cannot_check(web: Web) -> None:
    case = recorded(web.db, web.people)
    response = web.client(web.people.management).post(
        f"/cases/{case.case.id}/check", {"decision": "approved", "version": str(case.case.version)}
    )
    assert response.status_code == 422
    assert "you sat on the panel" in response.text


def test_viewer_cannot_record_an_outcome(web: Web) -> None:
    case = draft(web.db, web.people)
    p = web.people
    data = outcome_data([p.management.user_id, p.staff.user_id], case.case.version)
    response = web.client(p.viewer).post(f"/cases/{case.case.id}/outcome", data)
    assert response.status_code == 403
    assert cases.get_case(web.db, p.lead, case.case.id).case.status == "draft"


def test_notification_and_close(web: Web) -> None:
    case = confirmed(web.db, web.people)
    cid = case.case.id
    client = web.client(web.people.lead)
    page = client.get(f"/cases/{cid}")
    assert f'action="/cases/{cid}/notification"' in page.text
    bad = client.post(
        f"/cases/{cid}/notification",
        {
            "notified_day": "31",
            "notified_month": "2",
            "notified_year": "2026",
            "version": str(case.case.version),
        },
    )
    assert bad.status_code == 422 and "must be a real date" in bad.text
    ok = client.post(
        f"/cases/{cid}/notification",
        {
            "notified_day": "5",
            "notified_month": "10",
            "notified_year": "2026",
            "version": str(case.case.version),
        },
    )
    assert ok.status_code == 303
    detail = cases.get_case(web.db, web.people.lead, cid)
    assert detail.case.notified_at is not None
    page = client.get(f"/cases/{cid}")
    assert f'href="/cases/{cid}/review/new"' in page.text
    closed = client.post(f"/cases/{cid}/close", {"version": str(detail.case.version)})
    assert closed.status_code == 303
    assert cases.get_case(web.db, web.people.lead, cid).case.status == "closed"


def test_closing_a_draft_needs_a_reason(web: Web) -> None:
    case = draft(web.db, web.people)
    client = web.client(web.people.lead)
    response = client.post(f"/cases/{case.case.id}/close", {"version": str(case.case.version)})
    assert response.status_code == 422
    assert 'href="#reason"' in response.text
    ok = client.post(
        f"/cases/{case.case.id}/close",
        {"version": str(case.case.version), "reason": "the job does not match"},
    )
    assert ok.status_code == 303


def test_nearest_profiles_with_factor_comparison(web: Web) -> None:
    case = draft(web.db, web.people)
    page = web.client(web.people.viewer).get(f"/cases/{case.case.id}/nearest")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Arts Therapist" in text and "(this case's profile)" in text
    assert "Factor by factor" in text and "16. Working conditions" in text
    assert "profile match" in text
    empty = draft(web.db, web.people, levels=None)
    text = text_of(web.client(web.people.viewer).get(f"/cases/{empty.case.id}/nearest").text)
    assert "once every factor has a level" in text


def test_job_and_case_from_services_only_cross_check(web: Web) -> None:
    """The case page's result is the service's: total and band as compute_preview says."""
    job = create_job(web.db, web.people.lead, "Art Psychotherapist", "AP-1", "Therapies")
    case = cases.open_case(web.db, web.people.lead, job.id, "match", "arts-therapist")
    preview = cases.compute_preview(web.db, web.people.lead, case.case.id)
    assert preview.missing == tuple(range(1, 17))
    page = web.client(web.people.lead).get(f"/cases/{case.case.id}")
    assert "No factor has been decided yet." in page.text
