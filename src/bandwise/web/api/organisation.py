"""The organisation's details (name, postal address, logo), printed on reports and
letters: everyone signed in reads them; administrators change them (``version``: the
version read, so a change saved by someone else first is a conflict)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from pydantic import BaseModel

from ...services import organisation as service
from ...services.base import NotFound
from ...services.organisation import LOGO_MOST_BYTES, OrganisationView
from ..auth import DB, CurrentActor
from ..errors import ERROR_RESPONSES, ErrorBody, Responses
from ..models import MAX_INT, Storable, StrictInput, Version, optional

router = APIRouter(tags=["organisation"], responses=ERROR_RESPONSES)

CHANGE: Responses = {
    409: {"model": ErrorBody, "description": "The organisation changed since you read it"}
}


class OrganisationOut(BaseModel):
    name: str
    slug: str
    address: str
    address_lines: list[str]
    has_logo: bool
    logo_content_type: str | None
    logo_size: int
    version: int

    @classmethod
    def of(cls, view: OrganisationView) -> OrganisationOut:
        return cls(
            name=view.name,
            slug=view.slug,
            address=view.address,
            address_lines=list(view.address_lines),
            has_logo=view.has_logo,
            logo_content_type=view.logo_content_type,
            logo_size=view.logo_size,
            version=view.version,
        )


class OrganisationPatch(StrictInput):
    version: Version
    name: Annotated[str, Storable] = optional(200, 1)
    address: Annotated[str, Storable] = optional(2_000)


@router.get("/organisation", response_model=OrganisationOut)
def get_organisation(actor: CurrentActor, db: DB) -> OrganisationOut:
    """Your organisation's name, address and whether it has a logo."""
    return OrganisationOut.of(service.details(db, actor))


@router.patch("/organisation", response_model=OrganisationOut, responses=CHANGE)
def update_organisation(body: OrganisationPatch, actor: CurrentActor, db: DB) -> OrganisationOut:
    """Change the name and/or the address (administrators). The address is lines of plain
    text separated by newlines (at most 8 lines of 100 characters)."""
    return OrganisationOut.of(
        service.update_details(
            db, actor, version=body.version, name=body.name, address=body.address
        )
    )


@router.get(
    "/organisation/logo",
    response_class=Response,
    responses={
        404: {"model": ErrorBody, "description": "The organisation has no logo"},
        200: {"content": {t: {} for t in service.LOGO_TYPES}, "description": "The logo"},
    },
)
def get_logo(actor: CurrentActor, db: DB) -> Response:
    found = service.logo(db, actor)
    if found is None:
        raise NotFound("the organisation has no logo", "logo")
    data, content_type = found
    return Response(
        data,
        media_type=content_type,
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"},
    )


@router.put("/organisation/logo", response_model=OrganisationOut, responses=CHANGE)
def upload_logo(
    file: Annotated[UploadFile, File(description="A PNG or JPEG image of at most 512 KB")],
    version: Annotated[int, Form(ge=1, le=MAX_INT, description="The version you read")],
    actor: CurrentActor,
    db: DB,
) -> OrganisationOut:
    """Set the logo (administrators): a PNG or JPEG image, recognised by its content."""
    data = file.file.read(LOGO_MOST_BYTES + 1)
    return OrganisationOut.of(service.set_logo(db, actor, data, version))


@router.delete("/organisation/logo", response_model=OrganisationOut, responses=CHANGE)
def remove_logo(
    actor: CurrentActor,
    db: DB,
    version: Annotated[int, Query(ge=1, le=MAX_INT, description="The version you read")],
) -> OrganisationOut:
    """Take the logo off reports and letters (administrators)."""
    return OrganisationOut.of(service.remove_logo(db, actor, version))
