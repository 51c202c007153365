"""Users of the organisation: everyone may list them; administrators add and change them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from ...services import accounts
from ...services.accounts import UserView
from ..auth import DB, CurrentActor
from ..errors import ERROR_RESPONSES, ErrorBody, Responses
from ..models import MAX_INT, Storable, StrictInput, Version, optional, text

router = APIRouter(tags=["users"], responses=ERROR_RESPONSES)

UserId = Annotated[int, PathParam(ge=1, le=MAX_INT)]
NOT_FOUND: Responses = {
    404: {"model": ErrorBody, "description": "No such user in your organisation"}
}
Role = Literal["admin", "je-lead", "practitioner", "viewer"]
Side = Literal["management", "staff-side"]


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    role: str
    side: str | None
    active: bool
    must_change_password: bool
    version: int
    consistency_checker: bool = Field(
        description="An administrator made them a consistency checker: they may check "
        "outcomes of panels they did not sit on, record or decide"
    )

    @classmethod
    def of(cls, view: UserView) -> UserOut:
        return cls(
            id=view.id,
            email=view.email,
            name=view.name,
            role=view.role,
            side=view.side,
            active=view.active,
            must_change_password=view.must_change_password,
            version=view.version,
            consistency_checker=view.consistency_checker,
        )


class UserIn(StrictInput):
    email: Annotated[str, text(254, 3), Storable]
    name: Annotated[str, text(200, 1), Storable]
    role: Role
    side: Side | None = None
    consistency_checker: bool = Field(
        default=False, description="Make them a consistency checker (not for a viewer)"
    )


class UserPatch(StrictInput):
    version: Version
    name: Annotated[str, Storable] = optional(200, 1)
    role: Role = optional()
    side: Side | None = optional()
    active: bool = optional()
    consistency_checker: bool = optional()


class UserCreated(BaseModel):
    user: UserOut
    one_time_password: str


class PasswordReset(BaseModel):
    one_time_password: str


@router.get("/users", response_model=list[UserOut])
def list_users(actor: CurrentActor, db: DB) -> list[UserOut]:
    return [UserOut.of(u) for u in accounts.list_users(db, actor)]


@router.post("/users", status_code=201, response_model=UserCreated)
def create_user(body: UserIn, actor: CurrentActor, db: DB, response: Response) -> UserCreated:
    """Add an account (administrators). Hand the one-time password to the user: they
    must change it when they first sign in. It is shown only in this response."""
    user, password = accounts.create_user(
        db, actor, body.email, body.name, body.role, body.side, body.consistency_checker
    )
    response.headers["Location"] = f"/api/users/{user.id}"
    return UserCreated(user=UserOut.of(user), one_time_password=password)


@router.get("/users/{user_id}", response_model=UserOut, responses=NOT_FOUND)
def get_user(user_id: UserId, actor: CurrentActor, db: DB) -> UserOut:
    return UserOut.of(accounts.get_user(db, actor, user_id))


@router.patch(
    "/users/{user_id}",
    response_model=UserOut,
    responses={**NOT_FOUND, 409: {"model": ErrorBody, "description": "Stale version"}},
)
def update_user(user_id: UserId, body: UserPatch, actor: CurrentActor, db: DB) -> UserOut:
    """Change name, role, side, ``consistency_checker`` (grant or take away the
    capability to check outcomes) or ``active`` (administrators), made against
    ``version``."""
    return UserOut.of(
        accounts.update_user(db, actor, user_id, body.version, body.changes("version"))
    )


@router.post("/users/{user_id}/password-reset", response_model=PasswordReset, responses=NOT_FOUND)
def reset_password(user_id: UserId, actor: CurrentActor, db: DB) -> PasswordReset:
    """A new one-time password (administrators); the user's sessions end."""
    return PasswordReset(one_time_password=accounts.reset_password(db, actor, user_id))
