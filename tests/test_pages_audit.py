"""A case's audit trail page: every event with a readable label, who did it (by name),
what changed before and after, escaped; pages of 50; another organisation's is 404."""

from __future__ import annotations

import html

from bandwise.services import cases
from bandwise.services.audit import AuditEventView
from bandwise.web.pages.audit import changes, label
from dbfixtures import make_people
from pagekit import Web, text_of
from workflowkit import draft, notified


def words(page: str) -> str:
    return html.unescape(text_of(page))


def test_the_trail_lists_events_with_readable_labels_and_names(web: Web) -> None:
    case = notified(web.db, web.people)
    page = web.client(web.people.viewer).get(f"/cases/{case.case.id}/audit")
    assert page.status_code == 200
    text = words(page.text)
    for name in [
        "Case opened",
        "Factor decisions changed",
        "Panel outcome recorded",
        "Consistency check recorded",
        "Outcome notified",
    ]:
        assert name in text
    assert "case.opened" not in text
    assert "Lead" in text and "Management" in text and "Checker" in text
    assert "status draft → outcome recorded" in text  # codes and ids in words
    assert "profile Arts Therapist (Art, Music, Drama, Dance Movement)" in text
    assert "suite National Profiles for Art Therapy" in text
    assert "Management (management side); Staff (staff side)" in text  # the panel, by name
    for code in ("outcome-recorded", "arts-therapist", "arts-therapies", "profile-match"):
        assert code not in text
    assert "factor 6 none → level 5 (evidence: evidence for factor 6)" in text
    assert "When (UK time)" in text and "Events 1 to 5 of 5" in text


def test_evidence_text_is_escaped(web: Web) -> None:
    case = draft(web.db, web.people, levels=None)
    cases.set_factor_decision(
        web.db,
        web.people.lead,
        case.case.id,
        case.case.version,
        3,
        "4",
        '<script>alert("x")</script> & <img src=x onerror=alert(1)>',
    )
    page = web.client(web.people.lead).get(f"/cases/{case.case.id}/audit")
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert" in page.text
    assert 'level 4 (evidence: <script>alert("x")</script> &' in words(page.text)


def test_the_trail_is_paginated(web: Web) -> None:
    case = draft(web.db, web.people, levels=None)
    version = case.case.version
    for n in range(55):
        version = cases.set_factor_decision(
            web.db, web.people.lead, case.case.id, version, 1 + n % 16, str(1 + n // 16 % 2)
        ).case.version
    client = web.client(web.people.lead)
    first = words(client.get(f"/cases/{case.case.id}/audit").text)
    assert "Events 1 to 50 of 56" in first and "Page 2 of 2" in first
    second = client.get(f"/cases/{case.case.id}/audit?page=2")
    assert "Events 51 to 56 of 56" in words(second.text)
    assert "Page 1 of 2" in words(second.text)


def test_another_organisations_trail_is_not_found(web: Web) -> None:
    case = draft(web.db, web.people)
    other = make_people(web.db, "trust-b")
    assert web.client(other.admin).get(f"/cases/{case.case.id}/audit").status_code == 404


def test_labels_and_changes() -> None:
    assert label("suggestion.accepted") == "Suggestion accepted"
    assert label("case.something-new") == "Case something new"
    event = AuditEventView(
        1, None, 1, "x", "case", 1, {"status": "draft", "same": 1}, {"status": "x", "same": 1}
    )
    assert changes(event) == [{"field": "status", "before": "draft", "after": "x"}]


def test_decisions_read_per_factor() -> None:
    event = AuditEventView(
        1,
        None,
        1,
        "case.decisions-changed",
        "case",
        1,
        {"version": 1, "decisions": {"10": None, "2": {"levels": "3", "evidence": ""}}},
        {"version": 2, "decisions": {"10": {"levels": "1", "evidence": "x"}, "2": None}},
    )
    assert changes(event) == [
        {"field": "version", "before": "1", "after": "2"},
        {"field": "factor 2", "before": "level 3", "after": "none"},
        {"field": "factor 10", "before": "none", "after": "level 1 (evidence: x)"},
    ]
