"""The organisation's own details: its name, postal address and logo, which an
administrator edits (the ``manage-organisation`` permission) and which reports and letters
print as a letterhead (:func:`letterhead`).

* The name is one line (at most 200 characters); the address is up to
  :data:`ADDRESS_LINES` lines of at most :data:`ADDRESS_LINE_MOST` characters each.
* A logo is a PNG or JPEG image of at most :data:`LOGO_MOST_BYTES` bytes and
  :data:`LOGO_MOST_PIXELS` pixels each way, recognised by its content (its signature
  and header bytes), never by a file name or a declared type: SVG is refused because it
  can carry script and PDF renderers read it unevenly.
* Every change checks the organisation's version (two administrators editing at once:
  the second is told to reload) and writes one audit event, ``organisation.updated``,
  with the fields before and after (a logo is recorded by type and size, not content).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..store import tables as t
from .base import (
    LOCK,
    Actor,
    Database,
    InvalidInput,
    NotFound,
    audit,
    check_version,
)
from .fields import check_line

#: The largest logo accepted, in bytes: a letterhead logo is small.
LOGO_MOST_BYTES = 512 * 1024
#: The largest logo accepted, in pixels each way: a bigger one could take the PDF
#: renderer's memory (a small file can declare a huge image).
LOGO_MOST_PIXELS = 4000
#: The address: lines and characters per line (a postal address fits easily).
ADDRESS_LINES = 8
ADDRESS_LINE_MOST = 100
#: The logo types accepted, by signature.
LOGO_TYPES = ("image/png", "image/jpeg")


@dataclass(frozen=True, slots=True)
class Letterhead:
    """What a report or a letter prints at its head: the organisation's name, its address
    one line per item (empty when none was given) and its logo, if any."""

    name: str
    address_lines: tuple[str, ...]
    logo: bytes | None
    logo_content_type: str | None

    @property
    def logo_data_uri(self) -> str | None:
        """The logo as a ``data:`` URI, for an HTML or PDF page that embeds it."""
        if self.logo is None or self.logo_content_type is None:
            return None
        encoded = base64.b64encode(self.logo).decode("ascii")
        return f"data:{self.logo_content_type};base64,{encoded}"


@dataclass(frozen=True, slots=True)
class OrganisationView:
    name: str
    slug: str
    address: str
    has_logo: bool
    logo_content_type: str | None
    logo_size: int
    version: int

    @property
    def address_lines(self) -> tuple[str, ...]:
        return address_lines(self.address)

    @classmethod
    def of(cls, row: t.Organisation) -> OrganisationView:
        logo = row.logo
        return cls(
            name=row.name,
            slug=row.slug,
            address=row.address or "",
            has_logo=logo is not None,
            logo_content_type=row.logo_content_type if logo is not None else None,
            logo_size=len(logo) if logo is not None else 0,
            version=row.version,
        )


def address_lines(address: str) -> tuple[str, ...]:
    """The address's non-empty lines, stripped."""
    return tuple(line.strip() for line in (address or "").splitlines() if line.strip())


def letterhead_of(session: Session, organisation_id: int) -> Letterhead:
    """:func:`letterhead` inside a unit of work the caller already has open."""
    row = session.get(t.Organisation, organisation_id)
    if row is None:
        raise NotFound(f"no organisation {organisation_id}")
    has_logo = row.logo is not None and row.logo_content_type is not None
    return Letterhead(
        name=row.name,
        address_lines=address_lines(row.address or ""),
        logo=bytes(row.logo) if has_logo and row.logo is not None else None,
        logo_content_type=row.logo_content_type if has_logo else None,
    )


def letterhead(db: Database, organisation_id: int) -> Letterhead:
    """The organisation's name, address lines and logo, for the head of a report or a
    letter. Reading it needs no permission beyond belonging to the organisation, which
    the caller has already established."""
    with db.reading() as session:
        return letterhead_of(session, organisation_id)


def details(db: Database, actor: Actor) -> OrganisationView:
    """The actor's organisation (anyone signed in may read it: it is on every report)."""
    actor.require("read")
    with db.reading() as session:
        return OrganisationView.of(_own(session, actor, lock=False))


def logo(db: Database, actor: Actor) -> tuple[bytes, str] | None:
    """The organisation's logo and its content type, or None."""
    actor.require("read")
    with db.reading() as session:
        row = _own(session, actor, lock=False)
        if row.logo is None or row.logo_content_type is None:
            return None
        return bytes(row.logo), row.logo_content_type


def _own(session: Session, actor: Actor, lock: bool) -> t.Organisation:
    row = session.get(t.Organisation, actor.organisation_id, with_for_update=LOCK if lock else None)
    if row is None:
        raise NotFound("no organisation")
    return row


def check_address(value: str) -> str:
    """The address as typed, normalised to its non-empty lines joined by newlines, or
    InvalidInput naming the ``address`` field."""
    lines = [line for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    kept = [
        check_line(line, "address", f"address line {n}", ADDRESS_LINE_MOST, required=False)
        for n, line in enumerate(lines, 1)
    ]
    kept = [line for line in kept if line]
    if len(kept) > ADDRESS_LINES:
        raise InvalidInput(f"the address has at most {ADDRESS_LINES} lines", "address")
    return "\n".join(kept)


def logo_type(data: bytes) -> str:
    """The content type of a logo judged by its bytes, or InvalidInput (``logo``)."""
    if not data:
        raise InvalidInput("the logo file is empty", "logo")
    if len(data) > LOGO_MOST_BYTES:
        raise InvalidInput(
            f"the logo is {len(data) // 1024} KB; at most {LOGO_MOST_BYTES // 1024} KB is "
            "accepted: save it smaller",
            "logo",
        )
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind, size = "image/png", _png_size(data)
    elif data.startswith(b"\xff\xd8\xff"):
        kind, size = "image/jpeg", _jpeg_size(data)
    else:
        raise InvalidInput("the logo must be a PNG or JPEG image", "logo")
    if size is None:
        raise InvalidInput(f"the logo is not a whole {kind[6:].upper()} image", "logo")
    width, height = size
    if not (0 < width <= LOGO_MOST_PIXELS and 0 < height <= LOGO_MOST_PIXELS):
        raise InvalidInput(
            f"the logo is {width}×{height} pixels; at most {LOGO_MOST_PIXELS} each way is "
            "accepted: save it smaller",
            "logo",
        )
    return kind


def _png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the PNG's header chunk (which must come first)."""
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the JPEG's first start-of-frame marker."""
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
            i += 2
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height = int.from_bytes(data[i + 5 : i + 7], "big")
            width = int.from_bytes(data[i + 7 : i + 9], "big")
            return width, height
        if length < 2:
            return None
        i += 2 + length
    return None


def _state(row: t.Organisation) -> dict[str, object]:
    return {
        "name": row.name,
        "address": row.address or "",
        "logo": (
            {"type": row.logo_content_type, "bytes": len(row.logo)}
            if row.logo is not None
            else None
        ),
        "version": row.version,
    }


def update_details(
    db: Database,
    actor: Actor,
    *,
    version: int | None,
    name: str | None = None,
    address: str | None = None,
) -> OrganisationView:
    """Change the name and/or the address (those given); ``version`` is the version the
    administrator read (None: no check, for scripts that mean to overwrite)."""
    actor.require("manage-organisation")
    new_name = (
        check_line(name, "name", "the organisation's name", 200) if name is not None else None
    )
    new_address = check_address(address) if address is not None else None
    with db.transaction() as session:
        row = _own(session, actor, lock=True)
        before = _state(row)
        check_version(row, version, "organisation")
        if new_name is not None:
            row.name = new_name
        if new_address is not None:
            row.address = new_address
        session.flush()
        audit(session, actor, "organisation.updated", "organisation", row.id, before, _state(row))
        return OrganisationView.of(row)


def set_logo(db: Database, actor: Actor, data: bytes, version: int | None) -> OrganisationView:
    """Store ``data`` as the organisation's logo (PNG or JPEG, judged by its bytes)."""
    actor.require("manage-organisation")
    return _store_logo(db, actor, data, logo_type(data), version)


def remove_logo(db: Database, actor: Actor, version: int | None) -> OrganisationView:
    """Take the logo off reports and letters."""
    actor.require("manage-organisation")
    return _store_logo(db, actor, None, None, version)


def _store_logo(
    db: Database, actor: Actor, data: bytes | None, content_type: str | None, version: int | None
) -> OrganisationView:
    with db.transaction() as session:
        row = _own(session, actor, lock=True)
        before = _state(row)
        check_version(row, version, "organisation")
        row.logo = data
        row.logo_content_type = content_type
        session.flush()
        audit(session, actor, "organisation.updated", "organisation", row.id, before, _state(row))
        return OrganisationView.of(row)
