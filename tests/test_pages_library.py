"""The profile library pages: suites, a suite's profiles, one profile's factor table with
its findings, comparing profiles, and importing a profile document (preview, then save)."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from bandwise.profiles.library import SEED_DOCUMENT, builtin_library
from bandwise.services import suites
from bandwise.store import tables as t
from pagekit import PageClient, Web
from pagekit import text_of as _text_of
from workflowkit import audit_events

SEED = SEED_DOCUMENT.read_bytes()
#: The seed document with the Arts Therapist Entry Level's factor 15 lowered from 4(b) to 3(b).
LOWERED = SEED.replace(
    b"Child abuse, self-injury, family traumas\t4(b)\t25",
    b"Child abuse, self-injury, family traumas\t3(b)\t18",
    1,
)
assert LOWERED != SEED


@pytest.fixture(autouse=True)
def _pending_folder(web: Web, tmp_path: Path) -> None:
    web.app.state.pending_imports = str(tmp_path / "pending")


def text_of(html: str) -> str:
    """The visible text with entities decoded (``&amp;`` in factor names)."""
    return unescape(_text_of(html))


def _upload(
    client: PageClient, content: bytes, name: str = "profiles.txt", suite_id: str = ""
) -> Any:
    return client.post(
        "/library/import",
        {"suite_id": suite_id},
        files={"file": (name, content, "application/octet-stream")},
    )


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden field {name}"
    return found.group(1)


def _stored_versions(web: Web) -> int:
    with web.db.transaction() as session:
        return session.query(t.StoredSuite).count()


def _imports_audited(web: Web) -> list[Any]:
    return [e for e in audit_events(web.db) if e.action == "suite.imported"]


# -- browsing ------------------------------------------------------------------------------


def test_the_library_lists_the_built_in_suite_with_its_version_and_profiles(web: Web) -> None:
    page = web.client(web.people.viewer).get("/library")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "National Profiles for Art Therapy" in text
    assert "arts-therapies" in text
    assert "1 (built in)" in text
    assert "national-profiles-arts-therapy.txt" in text
    assert 'href="/library/suites/arts-therapies"' in page.text
    assert "Import a profile document" not in text  # a viewer may not import


def test_the_library_search_finds_profiles_across_suites(web: Web) -> None:
    page = web.client(web.people.viewer).get("/library", params={"q": "principal"})
    assert 'href="/library/profiles/arts-therapies/arts-therapist-principal"' in page.text
    assert "Head of Arts Therapies" not in text_of(page.text).split("Suites (")[0]


def test_a_suite_page_lists_profiles_versions_and_filters_by_title(web: Web) -> None:
    client = web.client(web.people.staff)
    page = client.get("/library/suites/arts-therapies")
    text = text_of(page.text)
    for profile in builtin_library().suites[0].profiles:
        assert profile.title in text
    assert "Profiles in this suite (5)" in text
    assert "544-595" in text  # the principal's total range
    assert "8a-b" in text
    assert "1 error" in text  # the principal's misprinted factor 2 score
    assert "Built in to bandwise" in text
    assert page.text.count('name="profile" type="checkbox"') == 5
    assert 'action="/library/compare"' in page.text

    filtered = client.get("/library/suites/arts-therapies", params={"q": "HEAD of"})
    text = text_of(filtered.text)
    assert "(1 of 5)" in text and "Head of Arts Therapies" in text
    assert "Arts Therapies Consultant" not in text


def test_an_unknown_suite_is_a_404_page(web: Web) -> None:
    page = web.client(web.people.viewer).get("/library/suites/no-such-suite")
    assert page.status_code == 404
    assert "no-such-suite" in text_of(page.text)


def test_a_profile_page_shows_all_16_factors_with_the_seed_wording_and_the_misprint(
    web: Web,
) -> None:
    client = web.client(web.people.viewer)
    page = client.get("/library/profiles/arts-therapist-principal")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Arts Therapist Principal (Art, Music, Drama, Dance Movement)" in text
    profile = builtin_library().get("arts-therapist-principal")
    assert len(profile.factors) == 16
    for entry in profile.factors:
        assert f'id="factor-{entry.number}"' in page.text
        assert f"{entry.number}. {entry.name}" in text
        assert entry.descriptor in text and entry.example in text
        assert entry.level_text in text
    assert profile.job_statement[0] in text
    assert "Undertakes research in specialist field" in text
    # the seed's real discrepancy: factor 2 printed as 156, the chart gives 196 for level 7
    assert "score-mismatch" in text
    assert "stated at level 7 with score 156; the weighting chart gives 196" in text
    assert "Error: score-mismatch , expected 196" in text
    assert "total-agrees-with-levels" in text
    assert "544-595" in text and "8a-b" in text
    assert 'href="/jobs"' in page.text and "Open a case with this profile" in text
    # suite-qualified ids reach the same profile
    same = client.get("/library/profiles/arts-therapies/arts-therapist-principal")
    assert same.status_code == 200 and "score-mismatch" in same.text


def test_a_profile_without_findings_says_so(web: Web) -> None:
    page = web.client(web.people.viewer).get("/library/profiles/arts-therapist")
    assert "No findings" in text_of(page.text)
    assert "score-mismatch" not in page.text


def test_an_unknown_profile_is_a_404_page(web: Web) -> None:
    page = web.client(web.people.viewer).get("/library/profiles/arts-therapies/nobody")
    assert page.status_code == 404
    assert "Page not found" in page.text and "nobody" in page.text


# -- compare -------------------------------------------------------------------------------


def test_comparing_two_profiles_marks_the_factors_that_differ_in_words(web: Web) -> None:
    page = web.client(web.people.viewer).get(
        "/library/compare",
        params=[
            ("profile", "arts-therapist"),
            ("profile", "arts-therapies/arts-therapist-principal"),
        ],
    )
    assert page.status_code == 200
    text = text_of(page.text)
    assert "2 profiles side by side" in text
    assert "Arts Therapist (Art, Music, Drama, Dance Movement)" in text
    assert "Differs" in text and "Same" in text
    rows = re.findall(r'<tr class="nhsuk-table__row[^"]*">(.*?)</tr>', page.text, re.S)
    factor_rows = [r for r in rows if '<th scope="row"' in r]
    assert len(factor_rows) == 18  # 16 factors, total range, band
    differing = [r for r in factor_rows[:16] if "Differs" in r]
    assert 0 < len(differing) < 16
    assert re.search(r"\d+ of 16 factors have different levels", text)
    assert "544-595" in text and "8a-b" in text
    # factor 2: both at level 7, but the principal's printed score is the misprint 156
    assert "Same level; the printed scores differ" in factor_rows[1]


def test_comparing_three_profiles(web: Web) -> None:
    ids = ["arts-therapist-entry-level", "arts-therapist", "head-of-arts-therapies"]
    page = web.client(web.people.viewer).get(
        "/library/compare", params=[("profile", p) for p in ids]
    )
    assert page.status_code == 200
    text = text_of(page.text)
    assert "3 profiles side by side" in text
    assert "Head of Arts Therapies" in text


@pytest.mark.parametrize(
    "ids",
    [
        [],
        ["arts-therapist"],
        [
            "arts-therapist-entry-level",
            "arts-therapist",
            "arts-therapist-principal",
            "head-of-arts-therapies",
        ],
        ["arts-therapist", "arts-therapist"],
    ],
)
def test_compare_refuses_other_than_two_or_three_different_profiles(
    web: Web, ids: list[str]
) -> None:
    page = web.client(web.people.viewer).get(
        "/library/compare", params=[("profile", p) for p in ids]
    )
    assert page.status_code == 422
    text = text_of(page.text)
    assert "There is a problem" in text
    assert "Choose 2 or 3 profiles" in text or "Choose different profiles" in text
    assert "comparison" not in page.text


def test_compare_with_an_unknown_profile_says_which(web: Web) -> None:
    page = web.client(web.people.viewer).get(
        "/library/compare", params=[("profile", "arts-therapist"), ("profile", "ghost")]
    )
    assert page.status_code == 404
    assert "There is no profile 'ghost' in your library" in text_of(page.text)


# -- import --------------------------------------------------------------------------------


def test_viewers_and_practitioners_cannot_import(web: Web) -> None:
    for actor in (web.people.viewer, web.people.staff):
        client = web.client(actor)
        assert client.get("/library/import").status_code == 403
        assert _upload(client, SEED).status_code == 403
        saved = client.post("/library/import/save", {"token": "x" * 32, "sha256": "0"})
        assert saved.status_code == 403
    assert _stored_versions(web) == 0


def test_the_import_form_is_a_multipart_upload(web: Web) -> None:
    page = web.client(web.people.lead).get("/library/import")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    assert 'type="file"' in page.text and 'name="csrf_token"' in page.text


def test_importing_the_unchanged_seed_shows_its_findings_and_offers_nothing_to_save(
    web: Web,
) -> None:
    page = _upload(web.client(web.people.lead), SEED)
    assert page.status_code == 200
    text = text_of(page.text)
    assert "National Profiles for Art Therapy" in text
    assert "nothing has been saved yet" in text
    assert "No changes" in text and "There is nothing to save" in text
    assert "Save as a new version" not in text
    # every finding, with its code, profile, factor, stated and expected figures and line
    assert "score-mismatch" in text and "arts-therapist-principal" in text
    assert (
        "Code score-mismatch Profile arts-therapist-principal Factor 2 Stated 156 "
        "Expected 196 Line 87 Message Factor 2 (Knowledge, training and experience)"
    ) in text
    assert _stored_versions(web) == 0


def test_a_changed_level_is_previewed_then_saved_only_when_confirmed(web: Web) -> None:
    client = web.client(web.people.lead)
    preview = _upload(client, LOWERED, "arts-2027.txt")
    assert preview.status_code == 200
    text = text_of(preview.text)
    assert "Version 1" in text and "Saving would store Version 2" in text
    assert "Factor 15 level" in text and "4(b)" in text and "3(b)" in text
    assert "arts-therapist-entry-level" in text
    assert "score-mismatch" in text  # the seed's misprint is still there
    assert "Save as a new version" in text
    assert "15. Emotional Effort 3(b) 18" in text  # what was read, factor by factor
    assert _stored_versions(web) == 0  # the preview saved nothing
    assert _imports_audited(web) == []
    assert "version 1" in text_of(client.get("/library/suites/arts-therapies").text)

    token, digest = _hidden(preview.text, "token"), _hidden(preview.text, "sha256")
    saved = client.post("/library/import/save", {"token": token, "sha256": digest})
    assert saved.status_code == 303
    assert saved.headers["location"] == "/library/suites/arts-therapies?imported=2"
    assert _stored_versions(web) == 1
    [event] = _imports_audited(web)
    assert (event.action, event.user_id) == ("suite.imported", web.people.lead.user_id)
    assert event.after is not None and event.after["version"] == 2
    assert event.after["source"] == "arts-2027.txt"
    [summary] = suites.list_suites(web.db, web.people.viewer)
    assert (summary.version, summary.builtin) == (2, False)
    suite_page = client.get(saved.headers["location"])
    text = text_of(suite_page.text)
    assert "Version 2 of this suite has been saved" in text
    assert "version 2" in text and "2 (shown) (current)" in text
    assert 'href="/library/suites/arts-therapies?version=1"' in suite_page.text
    assert "Read from arts-2027.txt" in text  # the upload's name is the recorded source
    library = text_of(client.get("/library").text)
    assert "2 (imported)" in library
    profile = text_of(client.get("/library/profiles/arts-therapist-entry-level").text)
    assert "15. Emotional Effort JE level 3(b) JE score 18" in profile

    # the earlier version stays readable, with its own wording and figures
    old = client.get("/library/suites/arts-therapies", params={"version": "1"})
    assert "You are looking at version 1" in text_of(old.text)
    assert 'href="/library/profiles/arts-therapies/arts-therapist-entry-level?version=1"' in (
        old.text
    )
    old_profile = client.get("/library/profiles/arts-therapist-entry-level?version=1")
    text = text_of(old_profile.text)
    assert "15. Emotional Effort JE level 4(b) JE score 25" in text
    assert "as it was in version 1" in text
    missing = client.get("/library/suites/arts-therapies", params={"version": "7"})
    assert missing.status_code == 404

    again = client.post("/library/import/save", {"token": token, "sha256": digest})
    assert again.status_code == 409  # the pending upload is gone once saved
    assert "expired or was already saved" in text_of(again.text)
    assert _stored_versions(web) == 1


def test_another_organisations_import_is_not_in_my_library(web: Web) -> None:
    from dbfixtures import make_people

    other = make_people(web.db, "trust-b")
    client = web.client(web.people.lead)
    preview = _upload(client, LOWERED)
    client.post(
        "/library/import/save",
        {"token": _hidden(preview.text, "token"), "sha256": _hidden(preview.text, "sha256")},
    )
    theirs = web.client(other.viewer)
    assert "1 (built in)" in text_of(theirs.get("/library").text)
    page = theirs.get("/library/profiles/arts-therapist-entry-level")
    assert "15. Emotional Effort JE level 4(b) JE score 25" in text_of(page.text)
    assert theirs.get("/library/suites/arts-therapies?version=2").status_code == 404


def test_a_tampered_digest_or_another_users_token_saves_nothing(web: Web) -> None:
    lead = web.client(web.people.lead)
    preview = _upload(lead, LOWERED)
    token, digest = _hidden(preview.text, "token"), _hidden(preview.text, "sha256")
    wrong = lead.post("/library/import/save", {"token": token, "sha256": "0" * 64})
    assert wrong.status_code == 409 and "changed after its preview" in text_of(wrong.text)
    other = web.client(web.people.admin).post(
        "/library/import/save", {"token": token, "sha256": digest}
    )
    assert other.status_code == 409
    bogus = lead.post("/library/import/save", {"token": "../../etc", "sha256": digest})
    assert bogus.status_code == 409
    accented = lead.post("/library/import/save", {"token": token, "sha256": "é" * 64})
    assert accented.status_code == 409
    assert _stored_versions(web) == 0
    assert lead.post("/library/import/save", {"token": token, "sha256": digest}).status_code == 303


def test_discarding_a_preview_forgets_the_upload(web: Web) -> None:
    client = web.client(web.people.lead)
    preview = _upload(client, LOWERED)
    token, digest = _hidden(preview.text, "token"), _hidden(preview.text, "sha256")
    discarded = client.post("/library/import/cancel", {"token": token})
    assert (discarded.status_code, discarded.headers["location"]) == (303, "/library")
    saved = client.post("/library/import/save", {"token": token, "sha256": digest})
    assert saved.status_code == 409
    assert _stored_versions(web) == 0


def test_a_renamed_suite_is_imported_as_a_new_suite(web: Web) -> None:
    client = web.client(web.people.admin)
    renamed = LOWERED.replace(
        b"National Profiles for Art Therapy", b"National Profiles for Music Therapy", 1
    )
    preview = _upload(client, renamed, "../../music <therapy>.txt", suite_id="music-therapies")
    text = text_of(preview.text)
    assert "Not in the library: this is a new suite" in text
    assert "music-therapies" in text
    saved = client.post(
        "/library/import/save",
        {"token": _hidden(preview.text, "token"), "sha256": _hidden(preview.text, "sha256")},
    )
    assert saved.headers["location"] == "/library/suites/music-therapies?imported=1"
    library = text_of(client.get("/library").text)
    assert "National Profiles for Music Therapy" in library
    assert "music _therapy_.txt" in library  # a plain file name, never a path
    assert "National Profiles for Art Therapy" in library


def test_an_import_made_meanwhile_is_a_conflict(web: Web) -> None:
    client = web.client(web.people.lead)
    first = _upload(client, LOWERED)
    second = _upload(client, LOWERED.replace(b"\t3(b)\t18", b"\t2(b)\t11", 1))
    for preview in (first, second):
        assert "Saving would store Version 2" in text_of(preview.text)
    ok = client.post(
        "/library/import/save",
        {"token": _hidden(first.text, "token"), "sha256": _hidden(first.text, "sha256")},
    )
    assert ok.status_code == 303
    stale = client.post(
        "/library/import/save",
        {"token": _hidden(second.text, "token"), "sha256": _hidden(second.text, "sha256")},
    )
    assert stale.status_code == 409
    assert "now at version 2" in text_of(stale.text)
    assert _stored_versions(web) == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nthis is not a pdf", "could not"),
        ("old.pdf", b"not really a pdf at all", "not a PDF file"),
        ("letter.txt", b"Dear colleague,\nplease find the rota attached.\n", "no national profile"),
        ("empty.txt", b"", "empty"),
        ("binary.txt", b"\x00\x01\x02" * 100, "NUL bytes"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "Word 97-2003"),
        ("notes.docx", b"PK\x05\x06" + b"\x00" * 18, "could not be read"),
    ],
)
def test_a_bad_file_gives_a_clear_error_summary(
    web: Web, name: str, content: bytes, message: str
) -> None:
    page = _upload(web.client(web.people.lead), content, name)
    assert page.status_code == 422
    text = text_of(page.text)
    assert "There is a problem" in text
    assert message in text
    assert "Traceback" not in page.text and "/tmp" not in text
    assert _stored_versions(web) == 0


def test_no_file_chosen_is_an_error_on_the_file_field(web: Web) -> None:
    page = web.client(web.people.lead).post("/library/import", {"suite_id": ""})
    assert page.status_code == 422
    assert 'href="#file"' in page.text and "Select a profile document" in page.text


def test_an_encrypted_pdf_gives_a_clear_error(web: Web, tmp_path: Path) -> None:
    from docfixtures import encrypt_pdf, render_pdf

    suite = builtin_library().suites[0]
    plain = render_pdf(suite, tmp_path / "suite.pdf")
    locked = encrypt_pdf(plain, tmp_path / "locked.pdf")
    page = _upload(web.client(web.people.lead), locked.read_bytes(), "locked.pdf")
    assert page.status_code == 422
    assert "There is a problem" in page.text
    assert "password" in text_of(page.text).lower() or "encrypt" in text_of(page.text).lower()


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_a_pdf_or_word_document_of_the_suite_is_previewed(
    web: Web, tmp_path: Path, kind: str
) -> None:
    from docfixtures import render_docx, render_pdf

    render = render_pdf if kind == "pdf" else render_docx
    document = render(builtin_library().suites[0], tmp_path / f"suite.{kind}")
    page = _upload(web.client(web.people.lead), document.read_bytes(), f"suite.{kind}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Arts Therapist Principal" in text and "Profiles read 5" in text
    assert "score-mismatch" in text
    assert _stored_versions(web) == 0
