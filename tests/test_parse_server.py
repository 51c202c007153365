"""The server parses documents within bounds: uploads and stored job documents are read in
a child process within the parsing limits of the app's settings (a hostile file is a 422
naming the limit and the file's own name, never a server path), the text of a stored job
document is parsed once and kept (``document_texts``, migration 0003), and the role is
checked before a suite upload is read. On SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import tempfile
import threading
from collections.abc import Callable
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient

import hostiledocs as hostile
from apikit import assert_error, make_app, token_client
from bandwise.documents.limits import ParseLimits
from bandwise.profiles.library import SEED_DOCUMENT
from bandwise.services import documents, parsing, suggestions
from bandwise.services.base import Database, InvalidInput
from bandwise.store import tables as t
from dbfixtures import People
from pagekit import Web
from workflowkit import draft

TOO_COMPLEX = "document too complex to read within the limits"
JD = (
    "The post holder provides arts therapy to patients with complex mental health needs. "
    "They assess patients, plan and deliver individual and group art therapy sessions, and "
    "keep clinical records. They supervise junior therapists and students on placement."
)
LOW = ParseLimits(max_paragraphs=1_000)


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the documents the server parsed (each parse still runs for real)."""
    seen: list[str] = []
    real = parsing.parse_in_child

    def counting(target: Callable[..., Any], args: tuple[Any, ...], limits: Any, name: str) -> Any:
        seen.append(name)
        return real(target, args, limits, name)

    monkeypatch.setattr(parsing, "parse_in_child", counting)
    return seen


def _stored(db: Database, people: People, data: bytes, filename: str) -> tuple[int, int]:
    """A draft case whose job has ``data`` as its job description: (case id, document id)."""
    case = draft(db, people, levels=None)
    view = documents.add_document(
        db, people.lead, case.case.job_id, "job-description", filename, data
    )
    return case.case.id, view.id


def test_the_document_texts_table_matches_its_model(db: Database) -> None:
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), t.Base.metadata)
    assert [d for d in differences if "document_texts" in repr(d)] == []


def test_a_stored_job_description_is_parsed_once_and_its_text_kept(
    db: Database, people: People, parses: list[str]
) -> None:
    _, document_id = _stored(db, people, JD.encode(), "jd.txt")
    first = suggestions.suggest_for_document(db, people.viewer, document_id)
    second = suggestions.suggest_for_document(db, people.lead, document_id)
    assert parses == ["jd.txt"]
    assert (
        first.to_json()
        == second.to_json()
        == suggestions.suggest_for_text(db, people.lead, JD).to_json()
    )
    with db.transaction() as session:
        kept = session.get(t.DocumentText, document_id)
        assert kept is not None and kept.text == JD and kept.error is None


def test_the_suggestions_page_does_not_parse_the_document_again_on_a_later_view(
    web: Web, parses: list[str]
) -> None:
    case_id, _ = _stored(web.db, web.people, JD.encode(), "jd.txt")
    client = web.client(web.people.lead)
    for _ in range(3):
        page = client.get(f"/cases/{case_id}/suggestions")
        assert page.status_code == 200 and "Closest profiles" in page.text
    assert parses == ["jd.txt"]


def test_a_stored_document_past_the_limits_keeps_its_error_until_the_limits_change(
    db: Database, people: People, parses: list[str]
) -> None:
    _, document_id = _stored(db, people, hostile.tiny_paragraphs_docx(5_000), "many.docx")
    for _ in range(2):
        with pytest.raises(InvalidInput) as info:
            suggestions.suggest_for_document(db, people.lead, document_id, limits=LOW)
        assert info.value.message.startswith(f"many.docx: {TOO_COMPLEX} (more than 1,000")
        assert info.value.field == "file"
    assert parses == ["many.docx"]
    with pytest.raises(InvalidInput, match="more than 2,000 paragraphs"):
        suggestions.suggest_for_document(
            db, people.lead, document_id, limits=ParseLimits(max_paragraphs=2_000)
        )
    assert parses == ["many.docx", "many.docx"]


def test_first_views_at_the_same_moment_keep_the_text_once(db: Database, people: People) -> None:
    _, document_id = _stored(db, people, JD.encode(), "jd.txt")
    texts: list[str] = []
    failures: list[BaseException] = []
    start = threading.Barrier(4)

    def view() -> None:
        start.wait()
        try:
            texts.append(parsing.document_text(db, people.lead, document_id))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=view) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == [] and texts == [JD] * 4
    with db.transaction() as session:
        assert session.query(t.DocumentText).filter_by(document_id=document_id).count() == 1


def test_another_organisations_document_text_is_not_found(
    db: Database, people: People, other_people: People
) -> None:
    _, document_id = _stored(db, people, JD.encode(), "jd.txt")
    with pytest.raises(Exception, match=f"no document {document_id}"):
        parsing.document_text(db, other_people.lead, document_id)


def test_an_uploaded_job_description_past_the_limits_is_a_422_naming_the_limit_and_the_file(
    db: Database, db_url: str, people: People
) -> None:
    app = make_app(db_url, parse_limits=LOW)
    viewer = token_client(app, db, people.viewer)
    files = {"file": ("many.docx", hostile.tiny_paragraphs_docx(5_000))}
    error = assert_error(
        viewer.client.post("/api/suggest/file", files=files, headers=viewer.headers),
        422,
        "invalid-input",
        "file",
    )
    assert error["message"].startswith(f"many.docx: {TOO_COMPLEX} (more than 1,000 paragraphs")
    assert tempfile.gettempdir() not in error["message"]


def test_a_suite_upload_that_cannot_be_read_names_the_upload_never_a_temporary_folder(
    db: Database, db_url: str, people: People
) -> None:
    lead = token_client(make_app(db_url, parse_limits=LOW), db, people.lead)
    for name, data in [
        ("profiles.pdf", b"not a pdf at all"),
        ("profiles.docx", hostile.tiny_paragraphs_docx(5_000)),
        ("profiles.txt", b"no profiles here\n"),
    ]:
        error = assert_error(
            lead.client.post(
                "/api/suites/preview", files={"file": (name, data)}, headers=lead.headers
            ),
            422,
        )
        assert error["message"].startswith(f"{name}: "), error
        assert tempfile.gettempdir() not in error["message"]
        assert "upload" not in error["message"]


class BodyReads:
    """The app, counting the request body messages it takes (ASGI ``http.request``)."""

    def __init__(self, app: Any) -> None:
        self.app, self.reads = app, 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def counted() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                self.reads += 1
            return message

        await self.app(scope, counted if scope["type"] == "http" else receive, send)


@pytest.mark.parametrize("path", ["/api/suites/preview", "/api/suites/import"])
def test_a_viewer_is_refused_a_suite_import_before_the_upload_is_read(
    path: str, db: Database, db_url: str, people: People, parses: list[str]
) -> None:
    app = BodyReads(make_app(db_url))
    files = {"file": ("seed.txt", SEED_DOCUMENT.read_bytes())}
    for actor, status in [(people.viewer, 403), (people.lead, None)]:
        signed = token_client(app.app, db, actor)
        client = TestClient(app, raise_server_exceptions=False)
        app.reads = 0
        response = client.post(path, files=files, data={"version": "1"}, headers=signed.headers)
        if status == 403:
            assert_error(response, 403, "forbidden")
            assert (app.reads, parses) == (0, [])
        else:
            assert response.status_code in (200, 201), response.text
            assert app.reads >= 1 and parses == ["seed.txt"]


def test_a_suite_upload_form_is_checked_as_before(
    db: Database, db_url: str, people: People
) -> None:
    lead = token_client(make_app(db_url), db, people.lead)
    seed = {"file": ("seed.txt", SEED_DOCUMENT.read_bytes())}

    def post(path: str, **kwargs: Any) -> Any:
        return lead.client.post(path, headers=lead.headers, **kwargs)

    assert_error(post("/api/suites/preview", data={"suite_id": "x"}), 422, "invalid-input", "file")
    error = assert_error(
        post("/api/suites/preview", files=seed, data={"suite_id": "Not An Id"}),
        422,
        "invalid-input",
        "suite_id",
    )
    assert "pattern" in error["message"]
    assert_error(post("/api/suites/import", files=seed), 422, "invalid-input", "version")
    assert_error(
        post("/api/suites/import", files=seed, data={"version": "-1"}), 422, field="version"
    )
    preview = post("/api/suites/preview", files=seed, data={"suite_id": "my-suite"})
    assert preview.status_code == 200 and preview.json()["suite_id"] == "my-suite"
    imported = post("/api/suites/import", files=seed, data={"version": "0", "suite_id": "my-suite"})
    assert imported.status_code == 201, imported.text
    assert imported.json()["suite_id"] == "my-suite"


def test_the_library_import_page_reads_the_upload_within_the_limits(
    web: Web, parses: list[str]
) -> None:
    web.app.state.settings = dataclasses.replace(web.app.state.settings, parse_limits=LOW)
    client = web.client(web.people.lead)
    page = client.post(
        "/library/import",
        files={"file": ("many.docx", hostile.tiny_paragraphs_docx(5_000))},
    )
    assert page.status_code == 422
    assert f"many.docx: {TOO_COMPLEX}" in page.text
    assert "bandwise-imports" not in page.text and tempfile.gettempdir() not in page.text
    assert parses == ["many.docx"]
    refused = web.client(web.people.viewer).post(
        "/library/import", files={"file": ("seed.txt", SEED_DOCUMENT.read_bytes())}
    )
    assert refused.status_code == 403
    assert parses == ["many.docx"]


@pytest.mark.parametrize("kind", ["job description", "profile document"])
def test_an_upload_over_the_readers_size_is_refused_413_before_any_parse(
    kind: str, parses: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bandwise.documents import reader as profile_reader
    from bandwise.suggest import reader as jd_reader

    monkeypatch.setattr(jd_reader, "MAX_BYTES", 1024 * 1024)
    monkeypatch.setattr(profile_reader, "MAX_BYTES", 1024 * 1024)
    data = b"Manages a team.\n" * 70_000  # 1.1 MB
    read = (
        parsing.job_description_upload if kind == "job description" else parsing.read_profile_upload
    )
    with pytest.raises(parsing.TooLarge) as info:
        read(data, "big.txt")
    assert info.value.message == f"big.txt: is 1.1 MiB; the limit is 1 MiB for a {kind}"
    assert info.value.status == 413 and info.value.field == "file"
    assert parses == []
