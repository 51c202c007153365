"""The organisation's local matching rule sets: every version, the one in force (or the
built-in default), a new version (administrators; a reason for every setting that
differs from the default), putting a version in force and going back to the default."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from ...scheme.rules import SETTING_NAMES, RuleSet, default_rule_set
from ...services import rule_sets as service
from ...services.rule_sets import Current, SettingInput, VersionView
from ..auth import DB, CurrentActor
from ..errors import ERROR_RESPONSES, ErrorBody, Responses
from ..models import MAX_INT, Storable, StrictInput, text

router = APIRouter(tags=["rule sets"], responses=ERROR_RESPONSES)

RuleSetId = Annotated[str, PathParam(max_length=100, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
RuleSetVersion = Annotated[int, PathParam(ge=1, le=MAX_INT)]
NOT_FOUND: Responses = {
    404: {"model": ErrorBody, "description": "No such rule set version in your organisation"}
}


class SettingOut(BaseModel):
    name: str
    value: Any
    reliability: str
    provenance: str
    default: Any
    reason: str | None


class RuleSetOut(BaseModel):
    id: str
    version: int
    title: str
    effective_from: dt.date
    settings: list[SettingOut]


class VersionOut(BaseModel):
    rule_set: RuleSetOut
    in_force: bool
    created_by: str
    created_at: dt.datetime | None
    reasons: dict[str, str]
    changed: list[str]


class CurrentOut(BaseModel):
    is_default: bool
    rule_set: RuleSetOut
    version: VersionOut | None


class SettingIn(StrictInput):
    value: int | bool | Annotated[list[Annotated[int, Field(ge=0, le=99)]], Field(max_length=16)]
    reason: Annotated[str, text(2_000), Storable] = ""
    reliability: Annotated[str, Field(pattern=r"^[VCU]$")] | None = None


class RuleSetIn(StrictInput):
    settings: Annotated[
        dict[str, SettingIn],
        Field(
            max_length=len(SETTING_NAMES),
            description="By setting name; a setting left out keeps its value in force",
        ),
    ]
    based_on: Annotated[int, Field(ge=0, le=MAX_INT)] | None = Field(
        default=None,
        description="The latest version you read (0: none yet); another saved since: 409",
    )
    in_force: bool = True


def _rule_set(rules: RuleSet, reasons: dict[str, str]) -> RuleSetOut:
    default = default_rule_set()
    return RuleSetOut(
        id=rules.id,
        version=rules.version,
        title=rules.title,
        effective_from=rules.effective_from,
        settings=[
            SettingOut(
                name=s.name,
                value=sorted(s.value) if isinstance(s.value, frozenset) else s.value,
                reliability=s.reliability,
                provenance=s.provenance,
                default=_plain(default.setting(s.name).value),
                reason=reasons.get(s.name),
            )
            for s in rules.settings
        ],
    )


def _plain(value: Any) -> Any:
    return sorted(value) if isinstance(value, frozenset) else value


def _version(view: VersionView) -> VersionOut:
    return VersionOut(
        rule_set=_rule_set(view.rules, view.reasons),
        in_force=view.in_force,
        created_by=view.created_by,
        created_at=view.created_at,
        reasons=view.reasons,
        changed=[c.name for c in view.changes],
    )


def _current(current: Current) -> CurrentOut:
    local = current.local
    return CurrentOut(
        is_default=local is None,
        rule_set=_rule_set(current.rules, local.reasons if local else {}),
        version=_version(local) if local else None,
    )


@router.get("/rule-sets", response_model=list[VersionOut])
def list_rule_sets(actor: CurrentActor, db: DB) -> list[VersionOut]:
    """Every version of your organisation's local rule set, newest first."""
    return [_version(v) for v in service.versions(db, actor)]


@router.get("/rule-sets/current", response_model=CurrentOut)
def current_rule_set(actor: CurrentActor, db: DB) -> CurrentOut:
    """The rule set in force: a local version, or the built-in default."""
    return _current(service.current(db, actor))


@router.post(
    "/rule-sets",
    status_code=201,
    response_model=VersionOut,
    responses={409: {"model": ErrorBody, "description": "A version was saved since"}},
)
def create_rule_set(body: RuleSetIn, actor: CurrentActor, db: DB, response: Response) -> VersionOut:
    """A new version (administrators), put in force unless ``in_force`` is false. A value
    that differs from the default needs a ``reason`` (422 on ``<setting>.reason``)."""
    settings = {
        name: SettingInput(s.value, s.reason, s.reliability) for name, s in body.settings.items()
    }
    view = service.create_version(
        db, actor, settings, based_on=body.based_on, in_force=body.in_force
    )
    response.headers["Location"] = f"/api/rule-sets/{view.rule_set_id}/{view.version}"
    return _version(view)


@router.get("/rule-sets/{rule_set_id}/{version}", response_model=VersionOut, responses=NOT_FOUND)
def get_rule_set(
    rule_set_id: RuleSetId, version: RuleSetVersion, actor: CurrentActor, db: DB
) -> VersionOut:
    return _version(service.get_version(db, actor, rule_set_id, version))


@router.post(
    "/rule-sets/{rule_set_id}/{version}/in-force", response_model=VersionOut, responses=NOT_FOUND
)
def put_in_force(
    rule_set_id: RuleSetId, version: RuleSetVersion, actor: CurrentActor, db: DB
) -> VersionOut:
    """Put this version in force (administrators); the one before stops being in force."""
    return _version(service.put_in_force(db, actor, rule_set_id, version))


@router.delete("/rule-sets/in-force", response_model=CurrentOut)
def return_to_default(actor: CurrentActor, db: DB) -> CurrentOut:
    """No local version in force: the built-in default applies again (administrators)."""
    return _current(service.return_to_default(db, actor))
