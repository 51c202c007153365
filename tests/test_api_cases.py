"""The case workflow through the API on SQLite and PostgreSQL: open, decide, preview,
panel outcome, consistency check, notification, review request and decision, closing;
the services' rule refusals as 422 naming the field, stale versions 409, CSRF on cookie
sessions, other organisations' cases 404, strict inputs."""

from __future__ import annotations

from typing import Any

from apikit import Signed, assert_error, make_app, session_client, token_client
from bandwise.services.base import Database
from bandwise.services.jobs import create_job
from dbfixtures import People
from workflowkit import LEVELS, SAT_ON, audit_events, notified

DECISIONS = [{"factor": n, "levels": lv, "evidence": f"e{n}"} for n, lv in enumerate(LEVELS, 1)]


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    body: dict[str, Any] = response.json()
    return body


def _post(signed: Signed, path: str, body: dict[str, Any]) -> Any:
    return signed.client.post(path, json=body, headers=signed.headers)


def _open(signed: Signed, job_id: int) -> dict[str, Any]:
    body = {"job_id": job_id, "kind": "match", "profile_id": "arts-therapist"}
    response = _post(signed, "/api/cases", body)
    case = _ok(response, 201)
    assert response.headers["location"] == f"/api/cases/{case['case']['id']}"
    return case


def test_the_whole_case_workflow_through_the_api(db: Database, db_url: str, people: People) -> None:
    app = make_app(db_url)
    lead = session_client(app, db, people.lead)
    practitioner = token_client(app, db, people.management)
    checker = session_client(app, db, people.checker)
    job = create_job(db, people.lead, "Arts Therapist")

    case = _open(lead, job.id)
    cid, version = case["case"]["id"], case["case"]["version"]
    assert case["case"]["status"] == "draft" and case["case"]["suite_id"] == "arts-therapies"
    assert "change the factor decisions" in case["actions"]

    preview = _ok(lead.client.get(f"/api/cases/{cid}/preview"))
    assert preview["missing"] == list(range(1, 17)) and preview["result"] is None

    case = _ok(
        practitioner.client.put(
            f"/api/cases/{cid}/decisions",
            json={"version": version, "decisions": DECISIONS[:15]},
            headers=practitioner.headers,
        )
    )
    assert len(case["decisions"]) == 15
    case = _ok(
        practitioner.client.put(
            f"/api/cases/{cid}/decisions/16",
            json={"version": case["case"]["version"], "levels": LEVELS[15], "evidence": "x"},
            headers=practitioner.headers,
        )
    )
    preview = _ok(lead.client.get(f"/api/cases/{cid}/preview"))
    assert preview["missing"] == [] and preview["result"]["total"] == {"min": 475, "max": 475}

    members = [people.management.user_id, people.staff.user_id]
    case = _ok(
        _post(
            lead,
            f"/api/cases/{cid}/outcome",
            {"version": case["case"]["version"], "sat_on": SAT_ON.isoformat(), "members": members},
        )
    )
    assert case["case"]["status"] == "outcome-recorded"
    assert case["outcomes"][0]["band"] == "7" and case["outcomes"][0]["total_min"] == 475

    case = _ok(
        _post(
            checker,
            f"/api/cases/{cid}/check",
            {"version": case["case"]["version"], "decision": "approved"},
        )
    )
    assert case["case"]["status"] == "confirmed" and case["checks"][0]["decision"] == "approved"

    case = _ok(
        _post(
            lead,
            f"/api/cases/{cid}/notification",
            {"version": case["case"]["version"], "notified_on": "2026-10-05"},
        )
    )
    assert case["case"]["notified_at"].startswith("2026-10-05")

    review = _ok(
        _post(
            lead,
            f"/api/cases/{cid}/reviews",
            {
                "version": case["case"]["version"],
                "requested_by": "The jobholder",
                "requested_on": "2026-10-20",
                "disputed_factors": [2, 3],
                "grounds": "More responsibility for patient care",
            },
        ),
        201,
    )
    assert review["status"] == "open" and review["disputed_factors"] == [2, 3]
    assert _ok(lead.client.get(f"/api/reviews/{review['id']}"))["id"] == review["id"]
    listed = _ok(lead.client.get(f"/api/reviews?case_id={cid}"))
    assert [r["id"] for r in listed] == [review["id"]]  # type: ignore[index]
    case = _ok(lead.client.get(f"/api/cases/{cid}"))
    assert case["case"]["status"] == "review-requested"
    review_case = _ok(lead.client.get(f"/api/cases/{review['review_case_id']}"))
    assert review_case["case"]["kind"] == "review" and review_case["case"]["parent_case_id"] == cid

    withdrawn = _ok(
        _post(
            lead,
            f"/api/reviews/{review['id']}/withdrawal",
            {"version": case["case"]["version"], "reason": "the jobholder withdrew"},
        )
    )
    assert withdrawn["status"] == "withdrawn"
    case = _ok(lead.client.get(f"/api/cases/{cid}"))
    assert case["case"]["status"] == "confirmed"

    case = _ok(_post(lead, f"/api/cases/{cid}/close", {"version": case["case"]["version"]}))
    assert case["case"]["status"] == "closed" and case["actions"] == []
    page = _ok(lead.client.get("/api/cases?status=closed&kind=match"))
    assert [c["id"] for c in page["items"]] == [cid] and page["total"] == 1
    assert [e.action for e in audit_events(db) if e.entity in ("case", "review_request")] == [
        "case.opened",
        "case.decisions-changed",
        "case.decisions-changed",
        "case.outcome-recorded",
        "case.checked",
        "case.notified",
        "review.requested",
        "review.withdrawn",
        "case.closed",
    ]


def _recorded(db: Database, db_url: str, people: People) -> tuple[Signed, dict[str, Any]]:
    app = make_app(db_url)
    lead = token_client(app, db, people.lead)
    case = _open(lead, create_job(db, people.lead, "Arts Therapist").id)
    cid = case["case"]["id"]
    body = {"version": case["case"]["version"], "decisions": DECISIONS}
    case = _ok(lead.client.put(f"/api/cases/{cid}/decisions", json=body, headers=lead.headers))
    members = [people.management.user_id, people.staff.user_id]
    body = {"version": case["case"]["version"], "sat_on": SAT_ON.isoformat(), "members": members}
    return lead, _ok(_post(lead, f"/api/cases/{cid}/outcome", body))


def test_rule_refusals_are_422_with_the_services_message_and_field(
    db: Database, db_url: str, people: People
) -> None:
    app = make_app(db_url)
    lead, case = _recorded(db, db_url, people)
    cid, version = case["case"]["id"], case["case"]["version"]
    # a panel member may not check the outcome
    member = token_client(app, db, people.management)
    body = {"version": version, "decision": "approved"}
    error = assert_error(_post(member, f"/api/cases/{cid}/check", body), 422, "rule-violation")
    assert error["field"] == "checker" and "sat on the panel" in error["message"]
    # returned without reasons
    body = {"version": version, "decision": "returned"}
    assert_error(_post(lead, f"/api/cases/{cid}/check", body), 422, "invalid-input", "reasons")
    # a wrong transition names the status
    body = {"version": version, "decisions": DECISIONS[:1]}
    error = assert_error(
        lead.client.put(f"/api/cases/{cid}/decisions", json=body, headers=lead.headers),
        422,
        "rule-violation",
        "status",
    )
    assert "outcome-recorded" in error["message"]
    # a panel of one side
    job = create_job(db, people.lead, "Another")
    other = _open(lead, job.id)
    body = {
        "version": other["case"]["version"],
        "sat_on": SAT_ON.isoformat(),
        "members": [people.management.user_id],
    }
    oid = other["case"]["id"]
    error = assert_error(_post(lead, f"/api/cases/{oid}/outcome", body), 422, field="levels")
    assert "no decision on factor(s) 1, 2" in error["message"]
    decided = _ok(
        lead.client.put(
            f"/api/cases/{oid}/decisions",
            json={"version": body["version"], "decisions": DECISIONS},
            headers=lead.headers,
        )
    )
    body["version"] = decided["case"]["version"]
    error = assert_error(_post(lead, f"/api/cases/{oid}/outcome", body), 422, field="members")
    assert "staff-side" in error["message"] or "staff side" in error["message"]
    # a level that does not exist
    body = {"version": decided["case"]["version"], "levels": "99"}
    assert_error(
        lead.client.put(f"/api/cases/{oid}/decisions/1", json=body, headers=lead.headers),
        422,
        "invalid-input",
        "levels",
    )
    # an unknown profile
    body = {"job_id": job.id, "kind": "match", "profile_id": "no-such-profile"}
    assert_error(_post(lead, "/api/cases", body), 422, "invalid-input", "profile_id")
    # a viewer may not open cases
    viewer = token_client(app, db, people.viewer)
    body = {"job_id": job.id, "kind": "evaluation"}
    assert_error(_post(viewer, "/api/cases", body), 403, "forbidden")


def test_a_stale_version_is_409(db: Database, db_url: str, people: People) -> None:
    lead, case = _recorded(db, db_url, people)
    cid, version = case["case"]["id"], case["case"]["version"]
    body = {"version": version - 1, "decision": "approved"}
    checker = token_client(make_app(db_url), db, people.checker)
    assert_error(_post(checker, f"/api/cases/{cid}/check", body), 409, "conflict", "version")
    body = {"version": version - 1, "reason": "x"}
    assert_error(_post(lead, f"/api/cases/{cid}/close", body), 409, "conflict", "version")


def test_cookie_sessions_need_the_csrf_token(db: Database, db_url: str, people: People) -> None:
    app = make_app(db_url)
    lead = session_client(app, db, people.lead)
    job = create_job(db, people.lead, "Arts Therapist")
    body = {"job_id": job.id, "kind": "evaluation"}
    assert_error(lead.client.post("/api/cases", json=body), 403, "csrf-failed")
    case = _open(lead, job.id)
    body = {"version": case["case"]["version"], "reason": "not needed"}
    assert_error(
        lead.client.post(f"/api/cases/{case['case']['id']}/close", json=body), 403, "csrf-failed"
    )
    assert lead.client.get(f"/api/cases/{case['case']['id']}").json()["case"]["status"] == "draft"


def test_another_organisations_cases_and_reviews_are_404(
    db: Database, db_url: str, people: People, other_people: People
) -> None:
    app = make_app(db_url)
    _lead, case = _recorded(db, db_url, people)
    cid, version = case["case"]["id"], case["case"]["version"]
    stranger = token_client(app, db, other_people.lead)
    assert_error(stranger.client.get(f"/api/cases/{cid}", headers=stranger.headers), 404)
    assert_error(stranger.client.get(f"/api/cases/{cid}/preview", headers=stranger.headers), 404)
    body = {"version": version, "decision": "approved"}
    assert_error(_post(stranger, f"/api/cases/{cid}/check", body), 404, "not-found")
    assert_error(stranger.client.get("/api/reviews/1", headers=stranger.headers), 404)
    page = stranger.client.get("/api/cases", headers=stranger.headers).json()
    assert page["items"] == [] and page["total"] == 0
    # opening a case on another organisation's job
    job = create_job(db, people.lead, "Ours")
    body = {"job_id": job.id, "kind": "evaluation"}
    assert_error(_post(stranger, "/api/cases", body), 404, "not-found")


def test_case_inputs_are_strict(db: Database, db_url: str, people: People) -> None:
    lead = token_client(make_app(db_url), db, people.lead)
    job = create_job(db, people.lead, "Arts Therapist")
    for body, field in [
        ({"job_id": str(job.id), "kind": "evaluation"}, "job_id"),
        ({"job_id": job.id, "kind": "review"}, "kind"),
        ({"job_id": job.id, "kind": "evaluation", "extra": 1}, "extra"),
    ]:
        assert_error(_post(lead, "/api/cases", body), 422, "invalid-input", field)
    case = _open(lead, job.id)
    cid = case["case"]["id"]
    for body, field in [
        ({"version": 1, "sat_on": 20261001, "members": [1]}, "sat_on"),
        ({"version": 1, "sat_on": "1 October", "members": [1]}, "sat_on"),
        ({"sat_on": "2026-10-01", "members": [1]}, "version"),
        ({"version": True, "sat_on": "2026-10-01", "members": [1]}, "version"),
    ]:
        assert_error(_post(lead, f"/api/cases/{cid}/outcome", body), 422, "invalid-input", field)
    body = {"version": 1, "decisions": [{"factor": 17, "levels": "1"}]}
    response = lead.client.put(f"/api/cases/{cid}/decisions", json=body, headers=lead.headers)
    assert_error(response, 422, "invalid-input", "decisions.0.factor")
    assert_error(lead.client.get("/api/cases?limit=0", headers=lead.headers), 422, field="limit")
    assert_error(
        lead.client.get("/api/cases?status=nonsense", headers=lead.headers), 422, field="status"
    )


def test_a_review_is_decided_through_the_api(db: Database, db_url: str, people: People) -> None:
    app = make_app(db_url)
    lead = token_client(app, db, people.lead)
    checker = token_client(app, db, people.checker)
    original = notified(db, people)
    cid = original.case.id
    body = {
        "version": original.case.version,
        "requested_by": "Jobholder",
        "requested_on": "2026-10-20",
        "disputed_factors": [3],
        "grounds": "More responsibility",
    }
    review = _ok(_post(lead, f"/api/cases/{cid}/reviews", body), 201)
    rid, review_case = review["id"], review["review_case_id"]
    version = _ok(lead.client.get(f"/api/cases/{cid}", headers=lead.headers))["case"]["version"]
    early = _post(lead, f"/api/reviews/{rid}/decision", {"version": version, "decision": "upheld"})
    error = assert_error(early, 422, "rule-violation", "status")
    assert "must first be recorded and confirmed" in error["message"]

    case = _ok(lead.client.get(f"/api/cases/{review_case}", headers=lead.headers))
    levels = [*LEVELS[:2], "5", *LEVELS[3:]]
    decisions = [{"factor": n, "levels": lv} for n, lv in enumerate(levels, 1)]
    body = {"version": case["case"]["version"], "decisions": decisions}
    case = _ok(
        lead.client.put(f"/api/cases/{review_case}/decisions", json=body, headers=lead.headers)
    )
    same_panel = [people.management.user_id, people.staff.user_id]
    body = {"version": case["case"]["version"], "sat_on": "2026-11-02", "members": same_panel}
    error = assert_error(
        _post(lead, f"/api/cases/{review_case}/outcome", body), 422, "rule-violation", "members"
    )
    body["members"] = [people.management2.user_id, people.staff2.user_id]
    case = _ok(_post(lead, f"/api/cases/{review_case}/outcome", body))
    body = {"version": case["case"]["version"], "decision": "approved"}
    _ok(_post(checker, f"/api/cases/{review_case}/check", body))
    stale = _post(lead, f"/api/reviews/{rid}/decision", {"version": 1, "decision": "upheld"})
    assert_error(stale, 409, "conflict", "version")
    decided = _ok(
        _post(lead, f"/api/reviews/{rid}/decision", {"version": version, "decision": "upheld"})
    )
    assert decided["status"] == "upheld"
    assert _ok(lead.client.get(f"/api/cases/{cid}", headers=lead.headers))["case"]["status"] == (
        "closed"
    )
    trail = _ok(lead.client.get(f"/api/cases/{cid}/audit", headers=lead.headers))
    assert [e["action"] for e in trail["items"]][-2:] == ["review.requested", "review.decided"]
