"""Suggestions beside a case: from the job's job description document (text or Word),
from pasted text or an uploaded file; ranked profiles with their evidence, a level for
each factor with its sentences and the total they imply (worded as a suggestion);
Accept writes the decision and an audit event in one go, Ignore only the audit event;
a bad file is a clear error; viewers and other organisations cannot act."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path

import pytest
import yaml

from bandwise.services import cases, documents, suggestions
from bandwise.services.cases import CaseDetail
from bandwise.store import tables as t
from dbfixtures import make_people
from pagekit import Web, text_of
from workflowkit import audit_events, count, draft, notified

EVAL = Path(__file__).parent / "suggest_eval" / "at-dance-movement-camhs.yaml"
JD = yaml.safe_load(EVAL.read_text(encoding="utf-8"))["text"]


def words(page: str) -> str:
    return html.unescape(text_of(page))


def _docx(text: str) -> bytes:
    from docx import Document

    doc = Document()
    for line in text.splitlines():
        if line.strip():
            doc.add_paragraph(line)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _case_with_jd(web: Web, data: bytes, filename: str = "jd.txt") -> CaseDetail:
    case = draft(web.db, web.people, levels=None)
    documents.add_document(
        web.db, web.people.lead, case.case.job_id, "job-description", filename, data
    )
    return case


def _sentences(web: Web, factor: int) -> list[tuple[int, str]]:
    """The supporting sentences of a factor's suggestion: (number, text)."""
    result = suggestions.suggest_for_text(web.db, web.people.lead, JD, 5)
    found = next(f for f in result.factors if f.number == factor)
    return [(e.sentence, e.text) for e in found.evidence]


def _accept_choice(web: Web) -> tuple[int, int]:
    """A factor whose suggestion is a level (the first), and that level."""
    result = suggestions.suggest_for_text(web.db, web.people.lead, JD, 5)
    factor = next(f for f in result.factors if f.levels)
    return factor.number, factor.levels[0]


@pytest.mark.parametrize(
    ("filename", "make"), [("jd.txt", lambda s: s.encode()), ("jd.docx", _docx)]
)
def test_suggestions_from_the_jobs_job_description(web: Web, filename: str, make: object) -> None:
    assert callable(make)
    case = _case_with_jd(web, make(JD), filename)
    page = web.client(web.people.lead).get(f"/cases/{case.case.id}/suggestions")
    assert page.status_code == 200
    text = words(page.text)
    assert f"Read from the document {filename}" in text
    ranked = text.split("Closest profiles")[1]
    assert "1 Arts Therapist" in ranked and "this case's profile" in ranked
    assert "Provide clinical supervision to other arts therapists" in text
    assert "a person always decides" in text and "A panel decides every level" in text
    assert "Suggested level" in text and "confidence:" in text
    assert 'value="accept:' in page.text and 'value="ignore:' in page.text


def test_the_fragment_for_the_form_is_a_short_panel(web: Web) -> None:
    case = _case_with_jd(web, JD.encode())
    page = web.client(web.people.lead).get(f"/cases/{case.case.id}/suggestions?fragment=1")
    assert page.status_code == 200 and "<html" not in page.text
    text = words(page.text)
    assert "Arts Therapist" in text and "Suggested levels" in text
    assert "See the suggestions with their evidence" in text
    assert "accept:" not in page.text


def test_without_a_document_the_page_offers_to_paste(web: Web) -> None:
    case = draft(web.db, web.people, levels=None)
    client = web.client(web.people.lead)
    page = client.get(f"/cases/{case.case.id}/suggestions")
    assert "has no job description document attached" in words(page.text)
    assert 'name="text"' in page.text
    fragment = client.get(f"/cases/{case.case.id}/suggestions?fragment=1")
    assert "has no job description document attached" in words(fragment.text)


def test_accept_sets_the_decision_and_records_the_suggestion(web: Web) -> None:
    case = _case_with_jd(web, JD.encode())
    factor, level = _accept_choice(web)
    offered = _sentences(web, factor)
    client = web.client(web.people.management)
    sent = client.post(
        f"/cases/{case.case.id}/suggestions/decision",
        {
            "version": case.case.version,
            "source": "document",
            "document_id": 1,
            "choice": f"accept:{factor}:{level}",
            "sentence_" + str(factor): [str(offered[0][0])],  # the panel ticked one sentence
        },
    )
    assert sent.status_code == 303
    assert sent.headers["location"].endswith(
        f"?document=1&done=accepted-{factor}#suggestion-factor-{factor}"
    )
    after = cases.get_case(web.db, web.people.lead, case.case.id)
    (decision,) = after.decisions
    assert (decision.factor, decision.levels) == (factor, str(level))
    flat = " ".join(JD.split())
    heading, *sentences = decision.evidence.splitlines()
    assert heading == "From the job description:"
    assert sentences == [offered[0][1]] and all(line in flat for line in sentences)
    assert after.case.version == case.case.version + 1
    changed, accepted = audit_events(web.db)[-2:]
    assert changed.action == "case.decisions-changed"
    assert accepted.action == "suggestion.accepted" and accepted.after is not None
    assert (accepted.after["factor"], accepted.after["level"], accepted.after["backend"]) == (
        factor,
        level,
        "bm25",
    )
    assert accepted.after["evidence"] == [text for _, text in offered]
    assert accepted.after["evidence_used"] == sentences
    assert accepted.after["source"] == "the document jd.txt"
    page = client.get(sent.headers["location"])
    assert "Accepted" in words(page.text) and f"Current decision: level {level}" in words(page.text)
    trail = words(client.get(f"/cases/{case.case.id}/audit").text)
    assert "Suggestion accepted" in trail


def test_accept_keeps_the_evidence_the_panel_typed(web: Web) -> None:
    """Accepting adds the sentences after what the panel wrote (never replacing it), the
    factor block shows the evidence, and accepting the same suggestion again adds nothing."""
    case = _case_with_jd(web, JD.encode())
    factor, level = _accept_choice(web)
    typed = "The panel heard the postholder plans group sessions weeks ahead."
    case = cases.set_factor_decision(
        web.db, web.people.lead, case.case.id, case.case.version, factor, str(level), typed
    )
    client = web.client(web.people.management)
    url = f"/cases/{case.case.id}/suggestions/decision"
    form = {"source": "document", "document_id": 1, "choice": f"accept:{factor}:{level}"}
    form[f"sentence_{factor}"] = [str(n) for n, _ in _sentences(web, factor)]  # all ticked
    sent = client.post(url, {**form, "version": case.case.version})
    assert sent.status_code == 303
    (decision,) = cases.get_case(web.db, web.people.lead, case.case.id).decisions
    assert decision.evidence.startswith(typed + "\n\nFrom the job description:\n")
    added = decision.evidence.split("From the job description:\n", 1)[1].splitlines()
    assert added and all(line in " ".join(JD.split()) for line in added)
    page = words(client.get(sent.headers["location"]).text)
    assert "Current evidence" in page and typed in page and "From the job description:" in page
    again = cases.get_case(web.db, web.people.lead, case.case.id)
    assert client.post(url, {**form, "version": again.case.version}).status_code == 303
    (same,) = cases.get_case(web.db, web.people.lead, case.case.id).decisions
    assert same.evidence == decision.evidence


def test_ignore_records_only_an_audit_event(web: Web) -> None:
    case = _case_with_jd(web, JD.encode())
    factor, _ = _accept_choice(web)
    client = web.client(web.people.staff)
    before = len(audit_events(web.db))
    sent = client.post(
        f"/cases/{case.case.id}/suggestions/decision",
        {
            "version": case.case.version,
            "source": "document",
            "document_id": 1,
            "choice": f"ignore:{factor}",
        },
    )
    assert sent.status_code == 303
    after = cases.get_case(web.db, web.people.lead, case.case.id)
    assert after.decisions == () and after.case.version == case.case.version
    events = audit_events(web.db)
    assert len(events) == before + 1 and events[-1].action == "suggestion.ignored"
    assert events[-1].after is not None and events[-1].after["factor"] == factor


def test_pasted_text_works_and_htmx_swaps_one_factor(web: Web) -> None:
    case = draft(web.db, web.people, levels=None)
    client = web.client(web.people.lead)
    page = client.post(f"/cases/{case.case.id}/suggestions", {"text": JD})
    assert page.status_code == 200
    text = words(page.text)
    assert "Read from pasted text" in text and "Arts Therapist" in text
    assert 'name="source" value="text"' in page.text
    factor, level = _accept_choice(web)
    swapped = client.htmx(
        f"/cases/{case.case.id}/suggestions/decision",
        {
            "version": case.case.version,
            "source": "text",
            "text": JD,
            "choice": f"accept:{factor}:{level}",
        },
    )
    assert swapped.status_code == 200 and "<html" not in swapped.text
    assert f'id="suggestion-factor-{factor}"' in swapped.text
    assert swapped.text.count('class="nhsuk-card bw-suggestion"') == 1
    assert f'value="{case.case.version + 1}" id="suggestion-version" hx-swap-oob="true"' in (
        swapped.text
    )
    assert "Accepted" in words(swapped.text)
    assert audit_events(web.db)[-1].after["source"] == "pasted text"  # type: ignore[index]
    conflict = client.htmx(
        f"/cases/{case.case.id}/suggestions/decision",
        {
            "version": case.case.version,
            "source": "text",
            "text": JD,
            "choice": f"accept:{factor}:{level}",
        },
    )
    assert conflict.status_code == 200 and "<html" not in conflict.text  # htmx swaps 2xx only
    assert "changed by someone else" in words(conflict.text)
    assert f'value="{case.case.version + 1}" id="suggestion-version"' in conflict.text
    stale = client.htmx(
        f"/cases/{case.case.id}/suggestions/decision",
        {"version": case.case.version, "source": "text", "text": JD, "choice": f"ignore:{factor}"},
    )
    assert stale.status_code == 200  # ignoring needs no version: nothing changes
    bad_level = client.post(
        f"/cases/{case.case.id}/suggestions/decision",
        {"version": case.case.version + 1, "source": "text", "text": JD,
         "choice": f"accept:{factor}:99"},
    )  # fmt: skip
    assert bad_level.status_code == 422 and "There is a problem" in words(bad_level.text)


def test_an_uploaded_file_works_and_a_bad_one_is_a_clear_error(web: Web) -> None:
    case = draft(web.db, web.people, levels=None)
    client = web.client(web.people.lead)
    page = client.post(
        f"/cases/{case.case.id}/suggestions",
        {},
        files={"file": ("jd.docx", _docx(JD), "application/octet-stream")},
    )
    assert page.status_code == 200 and "Arts Therapist" in words(page.text)
    bad = client.post(
        f"/cases/{case.case.id}/suggestions",
        {},
        files={"file": ("notes.docx", b"These are my notes, not a Word file.\n", "text/plain")},
    )
    assert bad.status_code == 422
    text = words(bad.text)
    assert "There is a problem" in text and "is not a Word document" in text
    assert "Traceback" not in bad.text
    empty = client.post(f"/cases/{case.case.id}/suggestions", {"text": "  "})
    assert empty.status_code == 422 and "paste the job description" in words(empty.text)


def test_a_too_large_upload_is_refused_before_it_is_read(web: Web) -> None:
    from bandwise.suggest.reader import MAX_BYTES

    case = draft(web.db, web.people, levels=None)
    big = b"x" * (MAX_BYTES + 128 * 1024)
    page = web.client(web.people.lead).post(
        f"/cases/{case.case.id}/suggestions", {}, files={"file": ("jd.txt", big, "text/plain")}
    )
    assert page.status_code == 413 and "The file is too large" in words(page.text)


def test_a_stored_document_that_cannot_be_read_is_a_clear_error(web: Web) -> None:
    case = _case_with_jd(web, b"%PDF-1.7\n%garbage\n", "jd.pdf")
    page = web.client(web.people.lead).get(f"/cases/{case.case.id}/suggestions")
    assert page.status_code == 200
    assert "There is a problem" in words(page.text) and "is not a readable PDF" in words(page.text)


def test_viewer_and_closed_cases_get_no_buttons_and_cannot_post(web: Web) -> None:
    case = _case_with_jd(web, JD.encode())
    factor, level = _accept_choice(web)
    viewer = web.client(web.people.viewer)
    page = viewer.get(f"/cases/{case.case.id}/suggestions")
    assert page.status_code == 200 and "accept:" not in page.text
    data = {"version": case.case.version, "source": "document", "document_id": 1}
    sent = viewer.post(
        f"/cases/{case.case.id}/suggestions/decision", {**data, "choice": f"ignore:{factor}"}
    )
    assert sent.status_code == 403
    done = notified(web.db, web.people)
    documents.add_document(
        web.db, web.people.lead, done.case.job_id, "job-description", "jd.txt", JD.encode()
    )
    page = web.client(web.people.lead).get(f"/cases/{done.case.id}/suggestions")
    assert "accept:" not in page.text and "can no longer be changed" in words(page.text)
    sent = web.client(web.people.lead).post(
        f"/cases/{done.case.id}/suggestions/decision",
        {"version": done.case.version, "source": "document", "document_id": 2,
         "choice": f"accept:{factor}:{level}"},
    )  # fmt: skip
    assert sent.status_code == 422 and "cannot change the factor decisions" in words(sent.text)
    assert count(web.db, t.FactorDecision) == 16


def test_another_organisations_case_and_document_are_not_found(web: Web) -> None:
    case = _case_with_jd(web, JD.encode())
    other = make_people(web.db, "trust-b")
    client = web.client(other.admin)
    assert client.get(f"/cases/{case.case.id}/suggestions").status_code == 404
    sent = client.post(
        f"/cases/{case.case.id}/suggestions/decision",
        {"version": 1, "source": "document", "document_id": 1, "choice": "ignore:1"},
    )
    assert sent.status_code == 404
    mine = draft(web.db, web.people, levels=None)
    assert (
        web.client(web.people.lead)
        .get(f"/cases/{mine.case.id}/suggestions?document=999")
        .status_code
        == 404
    )


@pytest.mark.parametrize("version", [None, "", "abc", "99999999999999999999"])
def test_accept_without_the_case_version_is_refused_and_saves_nothing(
    web: Web, version: str | None
) -> None:
    case = _case_with_jd(web, JD.encode())
    factor, level = _accept_choice(web)
    form = {"source": "document", "document_id": 1, "choice": f"accept:{factor}:{level}"}
    if version is not None:
        form["version"] = version
    sent = web.client(web.people.management).post(
        f"/cases/{case.case.id}/suggestions/decision", form
    )
    assert sent.status_code == 409
    assert "reload the page" in words(sent.text)
    after = cases.get_case(web.db, web.people.lead, case.case.id)
    assert after.decisions == () and after.case.version == case.case.version


def test_accepting_adds_no_sentence_to_the_evidence_unless_ticked(web: Web) -> None:
    """Accepting a suggestion used to copy every supporting sentence (unrelated ones too)
    into the evidence, and so word for word into the signed report: none by default."""
    case = _case_with_jd(web, JD.encode())
    factor, level = _accept_choice(web)
    client = web.client(web.people.management)
    page = client.get(f"/cases/{case.case.id}/suggestions")
    boxes = re.findall(
        rf'name="sentence_{factor}" type="checkbox" value="\d+"( checked)?', page.text
    )
    assert boxes and not any(boxes)  # offered, none ticked
    sent = client.post(
        f"/cases/{case.case.id}/suggestions/decision",
        {
            "version": case.case.version,
            "source": "document",
            "document_id": 1,
            "choice": f"accept:{factor}:{level}",
        },
    )
    assert sent.status_code == 303
    (decision,) = cases.get_case(web.db, web.people.lead, case.case.id).decisions
    assert (decision.levels, decision.evidence) == (str(level), "")
    assert audit_events(web.db)[-1].after["evidence_used"] == []  # type: ignore[index]


def test_the_page_says_why_the_profiles_are_in_their_order_and_what_band_the_jd_states(
    web: Web,
) -> None:
    case = draft(web.db, web.people, levels=None)
    page = web.client(web.people.lead).post(
        f"/cases/{case.case.id}/suggestions", {"text": "Band 8c\n" + JD}
    )
    assert page.status_code == 200
    text = words(page.text)
    assert "Why the profiles are in this order" in text and " is above " in text
    assert "The job description states Band 8c" in text
