"""Suggestions through the API on SQLite and PostgreSQL: from text and from an uploaded
file, the same JSON as the engine's (``bandwise suggest --json``) against the
organisation's library, strict inputs, refusals naming the field, reading permission."""

from __future__ import annotations

from apikit import anonymous, assert_error, make_app, session_client, token_client
from bandwise.profiles.library import builtin_library
from bandwise.scheme.loader import load_scheme
from bandwise.services.base import Database
from bandwise.suggest import suggest
from dbfixtures import People

JD = (
    "The post holder provides arts therapy to patients with complex mental health needs. "
    "They assess patients, plan and deliver individual and group art therapy sessions, and "
    "keep clinical records. They supervise junior therapists and students on placement."
)


def test_suggestions_from_text_are_the_engines(db: Database, db_url: str, people: People) -> None:
    viewer = token_client(make_app(db_url), db, people.viewer)
    response = viewer.client.post(
        "/api/suggest", json={"text": JD, "top": 3}, headers=viewer.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == suggest(JD, builtin_library(), load_scheme(), 3).to_json()
    assert len(body["profiles"]) == 3 and len(body["factors"]) == 16
    assert body["backend"] == "bm25" and "panel decides" in body["disclaimer"]


def test_suggestions_from_an_uploaded_file(db: Database, db_url: str, people: People) -> None:
    app = make_app(db_url)
    practitioner = session_client(app, db, people.management)
    from_text = practitioner.client.post(
        "/api/suggest", json={"text": JD}, headers=practitioner.headers
    ).json()
    response = practitioner.client.post(
        "/api/suggest/file",
        files={"file": ("jd.txt", JD.encode("utf-8"), "text/plain")},
        headers=practitioner.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["profiles"] == from_text["profiles"]
    top = practitioner.client.post(
        "/api/suggest/file",
        files={"file": ("jd.txt", JD.encode("utf-8"))},
        data={"top": "1"},
        headers=practitioner.headers,
    )
    assert len(top.json()["profiles"]) == 1
    assert_error(
        practitioner.client.post("/api/suggest/file", files={"file": ("jd.txt", JD.encode())}),
        403,
        "csrf-failed",
    )
    binary = {"file": ("jd.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64)}
    error = assert_error(
        practitioner.client.post("/api/suggest/file", files=binary, headers=practitioner.headers),
        422,
        "invalid-input",
        "file",
    )
    assert ".docx" in error["message"]
    fake_pdf = {"file": ("jd.pdf", b"plain text", "application/pdf")}
    assert_error(
        practitioner.client.post("/api/suggest/file", files=fake_pdf, headers=practitioner.headers),
        422,
        field="file",
    )


def test_suggestion_inputs_are_checked(db: Database, db_url: str, people: People) -> None:
    app = make_app(db_url)
    lead = token_client(app, db, people.lead)

    def post(body: object):  # type: ignore[no-untyped-def]
        return lead.client.post("/api/suggest", json=body, headers=lead.headers)

    assert_error(post({"text": ""}), 422, "invalid-input", "text")
    error = assert_error(post({"text": "12345 678"}), 422, "invalid-input", "text")
    assert "no text" in error["message"]
    assert_error(post({"text": JD, "top": 0}), 422, "invalid-input", "top")
    assert_error(post({"text": JD, "top": "3"}), 422, "invalid-input", "top")
    assert_error(post({"text": JD, "backend": "gpt"}), 422, "invalid-input", "backend")
    assert_error(post({"text": JD, "extra": True}), 422, "invalid-input", "extra")
    assert_error(post({"text": "a\x00b"}), 422, "invalid-input", "text")
    assert_error(anonymous(app).client.post("/api/suggest", json={"text": JD}), 401)
