"""The organisation's details (services/organisation.py and /api/organisation), on SQLite
and PostgreSQL: an administrator changes the name, address and logo (a PNG or JPEG judged
by its bytes), with a version check and an audit event; the letterhead reports and
letters print; the local rule sets through the API."""

from __future__ import annotations

import struct
import zlib

import pytest

from apikit import assert_error, audit_actions, make_app, session_client, token_client
from bandwise.services import organisation
from bandwise.services.base import Conflict, Database, Forbidden, InvalidInput
from bandwise.services.organisation import LOGO_MOST_BYTES, Letterhead, letterhead
from dbfixtures import People


def png(width: int = 4, height: int = 2) -> bytes:
    """A real (tiny, red) PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


#: The head of a JPEG image (64×32 pixels): its start, a JFIF segment, a frame header.
JPEG = (
    b"\xff\xd8"
    + b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\xff\xc0\x00\x11\x08\x00\x20\x00\x40\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    + b"\xff\xd9"
)


def test_the_letterhead_is_the_organisations_name_address_lines_and_logo(
    db: Database, people: People
) -> None:
    assert letterhead(db, people.organisation_id) == Letterhead("Trust A", (), None, None)
    view = organisation.update_details(
        db,
        people.admin,
        version=1,
        name="Northshire Community NHS Trust",
        address="Trust Headquarters\r\n\n  1 Hospital Road  \nNorthshire NS1 1AA\n",
    )
    organisation.set_logo(db, people.admin, png(), view.version)
    head = letterhead(db, people.organisation_id)
    assert head.name == "Northshire Community NHS Trust"
    assert head.address_lines == ("Trust Headquarters", "1 Hospital Road", "Northshire NS1 1AA")
    assert head.logo == png() and head.logo_content_type == "image/png"
    assert head.logo_data_uri is not None and head.logo_data_uri.startswith(
        "data:image/png;base64,"
    )


def test_a_logo_is_judged_by_its_bytes_not_its_name_or_declared_type(
    db: Database, people: People
) -> None:
    view = organisation.set_logo(db, people.admin, JPEG, 1)
    assert (view.has_logo, view.logo_content_type) == (True, "image/jpeg")
    refused = [
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"GIF89a" + b"\x00" * 20,
        b"%PDF-1.7",
        b"",
    ]
    for data in refused:
        with pytest.raises(InvalidInput) as err:
            organisation.set_logo(db, people.admin, data, view.version)
        assert err.value.field == "logo"
    with pytest.raises(InvalidInput) as err:
        organisation.set_logo(db, people.admin, png() + b"\x00" * LOGO_MOST_BYTES, view.version)
    assert "512 KB" in err.value.message


def test_a_logo_that_declares_a_huge_image_or_has_no_header_is_refused(
    db: Database, people: People
) -> None:
    """A small file can declare an image that would take the PDF renderer's memory."""
    cases = {
        png(5000, 1): "5000×1 pixels",
        JPEG.replace(b"\x00\x20\x00\x40", b"\x00\x20\x27\x10"): "10000×32 pixels",
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64: "not a whole PNG image",
        b"\xff\xd8\xff\xe0" + b"\x00" * 40: "not a whole JPEG image",
    }
    for data, words in cases.items():
        with pytest.raises(InvalidInput) as err:
            organisation.set_logo(db, people.admin, data, 1)
        assert err.value.field == "logo" and words in err.value.message, err.value.message
    assert organisation.details(db, people.viewer).has_logo is False


def test_a_removed_logo_is_no_longer_on_the_letterhead(db: Database, people: People) -> None:
    view = organisation.set_logo(db, people.admin, png(), 1)
    organisation.remove_logo(db, people.admin, view.version)
    assert letterhead(db, people.organisation_id).logo is None


def test_a_name_or_address_that_does_not_fit_is_refused_on_its_field(
    db: Database, people: People
) -> None:
    cases = [
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Trust\x1b[2J"}, "name"),
        ({"address": "\n".join(f"line {n}" for n in range(9))}, "address"),
        ({"address": "y" * 101}, "address"),
    ]
    for change, field in cases:
        with pytest.raises(InvalidInput) as err:
            organisation.update_details(db, people.admin, version=1, **change)
        assert err.value.field == field, change
    assert organisation.details(db, people.viewer).version == 1


def test_a_change_made_against_an_older_version_is_a_conflict(db: Database, people: People) -> None:
    organisation.update_details(db, people.admin, version=1, name="First")
    with pytest.raises(Conflict):
        organisation.update_details(db, people.admin, version=1, name="Second")
    with pytest.raises(Conflict):
        organisation.set_logo(db, people.admin, png(), 1)
    assert organisation.details(db, people.viewer).name == "First"


def test_only_an_administrator_may_change_the_organisations_details(
    db: Database, people: People
) -> None:
    for actor in (people.lead, people.management, people.viewer):
        with pytest.raises(Forbidden):
            organisation.update_details(db, actor, version=1, name="Mine")
        with pytest.raises(Forbidden):
            organisation.set_logo(db, actor, png(), 1)
    assert organisation.details(db, people.viewer).name == "Trust A"


def test_each_change_to_the_organisation_writes_one_audit_event_without_the_logos_bytes(
    db: Database, people: People
) -> None:
    view = organisation.update_details(db, people.admin, version=1, address="1 Road")
    organisation.set_logo(db, people.admin, png(), view.version)
    assert audit_actions(db)[-2:] == ["organisation.updated", "organisation.updated"]
    from sqlalchemy import select

    from bandwise.store import tables as t

    with db.reading() as session:
        last = session.scalars(select(t.AuditEvent).order_by(t.AuditEvent.id.desc())).first()
    assert last is not None and last.after is not None
    assert last.after["logo"] == {"type": "image/png", "bytes": len(png())}


def test_the_api_reads_and_changes_the_organisation_and_its_logo(
    db: Database, db_url: str, people: People
) -> None:
    app = make_app(db_url)
    admin = session_client(app, db, people.admin)
    viewer = token_client(app, db, people.viewer)
    body = viewer.client.get("/api/organisation", headers=viewer.headers).json()
    assert (body["name"], body["address_lines"], body["has_logo"]) == ("Trust A", [], False)
    changed = admin.client.patch(
        "/api/organisation",
        json={"version": 1, "address": "1 Road\nTown"},
        headers=admin.headers,
    )
    assert changed.status_code == 200 and changed.json()["address_lines"] == ["1 Road", "Town"]
    stale = admin.client.patch(
        "/api/organisation", json={"version": 1, "name": "Old"}, headers=admin.headers
    )
    assert_error(stale, 409, "conflict", "version")
    svg = admin.client.put(
        "/api/organisation/logo",
        files={"file": ("logo.png", b"<svg/>", "image/png")},
        data={"version": "2"},
        headers=admin.headers,
    )
    assert_error(svg, 422, "invalid-input", "logo")
    assert_error(viewer.client.get("/api/organisation/logo", headers=viewer.headers), 404)
    uploaded = admin.client.put(
        "/api/organisation/logo",
        files={"file": ("logo.bin", png(), "application/octet-stream")},
        data={"version": "2"},
        headers=admin.headers,
    )
    assert uploaded.status_code == 200 and uploaded.json()["logo_content_type"] == "image/png"
    logo = viewer.client.get("/api/organisation/logo", headers=viewer.headers)
    assert logo.content == png() and logo.headers["content-type"] == "image/png"
    removed = admin.client.delete("/api/organisation/logo?version=3", headers=admin.headers)
    assert removed.status_code == 200 and removed.json()["has_logo"] is False


def test_the_api_writes_a_rule_set_version_and_refuses_a_change_without_a_reason(
    db: Database, db_url: str, people: People
) -> None:
    app = make_app(db_url)
    admin = token_client(app, db, people.admin)
    current = admin.client.get("/api/rule-sets/current", headers=admin.headers).json()
    assert current["is_default"] and current["rule_set"]["id"] == "bandwise-default"
    no_reason = admin.client.post(
        "/api/rule-sets",
        json={"settings": {"protected_factors": {"value": [2]}}},
        headers=admin.headers,
    )
    assert_error(no_reason, 422, "invalid-input", "protected_factors.reason")
    made = admin.client.post(
        "/api/rule-sets",
        json={
            "based_on": 0,
            "settings": {"protected_factors": {"value": [2], "reason": "JCC minute 14"}},
        },
        headers=admin.headers,
    )
    assert made.status_code == 201, made.text
    assert made.headers["location"] == "/api/rule-sets/local-trust-a/1"
    version = made.json()
    assert version["in_force"] and version["changed"] == ["protected_factors"]
    setting = {s["name"]: s for s in version["rule_set"]["settings"]}["protected_factors"]
    assert (setting["value"], setting["default"], setting["reason"]) == (
        [2],
        [2, 12],
        "JCC minute 14",
    )
    assert setting["provenance"].endswith(": JCC minute 14")
    listed = admin.client.get("/api/rule-sets", headers=admin.headers).json()
    assert [v["rule_set"]["version"] for v in listed] == [1]
    back = admin.client.delete("/api/rule-sets/in-force", headers=admin.headers).json()
    assert back["is_default"]
    again = admin.client.post("/api/rule-sets/local-trust-a/1/in-force", headers=admin.headers)
    assert again.status_code == 200 and again.json()["in_force"]
    missing = admin.client.post("/api/rule-sets/local-trust-a/9/in-force", headers=admin.headers)
    assert_error(missing, 404)


def test_an_api_match_applies_the_organisations_rule_set_in_force(
    db: Database, db_url: str, people: People
) -> None:
    from bandwise.services import rule_sets
    from workflowkit import LEVELS

    app = make_app(db_url)
    viewer = token_client(app, db, people.viewer)
    body = {"profile_id": "arts-therapist", "levels": LEVELS}
    before = viewer.client.post("/api/match", json=body, headers=viewer.headers).json()
    assert before["rule_set"] == {"id": "bandwise-default", "version": 1}
    rule_sets.create_version(
        db, people.admin, {"max_varied_factors": rule_sets.SettingInput(3, "Stricter")}
    )
    after = viewer.client.post("/api/match", json=body, headers=viewer.headers).json()
    assert after["rule_set"] == {"id": "local-trust-a", "version": 1}
    ranked = viewer.client.post("/api/nearest", json={"levels": LEVELS}, headers=viewer.headers)
    assert ranked.json()[0]["rule_set"] == {"id": "local-trust-a", "version": 1}
