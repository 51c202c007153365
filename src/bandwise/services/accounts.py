"""Accounts: organisations' users, their roles, sides and capabilities, and passwords.

Passwords are stored as Argon2id hashes. Signing in, the user's own password change,
browser sessions and API tokens are in :mod:`.sessions`. Every change writes an audit
event in the same transaction as the change.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..errors import TooManyAttempts as TooManyAttempts  # re-exported
from ..errors import Unauthenticated as Unauthenticated  # re-exported
from ..errors import shown
from ..plaintext import unsafe_char
from ..store import tables as t
from .base import (
    Actor,
    Conflict,
    Database,
    InvalidInput,
    NotFound,
    RuleViolation,
    audit,
    check_version,
    get_owned,
    lock_organisation,
    snapshot,
)
from .fields import check_line

ROLES = t.ROLES
SIDES = t.SIDES
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
USER_FIELDS = (
    "email",
    "name",
    "role",
    "side",
    "active",
    "must_change_password",
    "consistency_checker",
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WRONG_CREDENTIALS = "the email address or password is wrong"
#: An address another organisation's account uses: one account per address on a server
#: (sign-in asks only for the address), and the refusal names neither the account nor
#: the organisation.
ADDRESS_IN_USE = (
    "{email} cannot be used for a new account here: ask the person for another address, "
    "or the server operator"
)

# -- passwords ----------------------------------------------------------------------------


@functools.cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # Argon2id, RFC 9106 low-memory profile


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against for unknown emails, so they take as long as known ones."""
    return _hasher().hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def one_time_password() -> str:
    """A random password to hand over once; the user must change it at first sign-in."""
    return secrets.token_urlsafe(15)  # 20 characters, 120 bits


def check_password_rules(password: str, field_name: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters", field_name
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"a password has at most {MAX_PASSWORD_LENGTH} characters", field_name)


def token_hash(token: str) -> str:
    """What the database keeps of a session or API token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# -- users --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserView:
    id: int
    organisation_id: int
    email: str
    name: str
    role: str
    side: str | None
    active: bool
    must_change_password: bool
    version: int
    consistency_checker: bool = False  # granted by an administrator: may check outcomes

    @classmethod
    def of(cls, row: t.User) -> UserView:
        return cls(
            row.id,
            row.organisation_id,
            row.email,
            row.name,
            row.role,
            row.side,
            row.active,
            row.must_change_password,
            row.version,
            bool(row.consistency_checker),
        )

    @property
    def may_sit_on_panels(self) -> bool:
        """Anyone with a side and a role that may decide sits on panels (practitioners,
        and administrators or JE leads who also sit for a side)."""
        return self.active and self.side in SIDES and self.role != "viewer"

    def actor(self) -> Actor:
        return Actor(self.id, self.organisation_id, self.role, self.side, self.name)


@dataclass(frozen=True, slots=True)
class OrganisationView:
    id: int
    slug: str
    name: str


def email_key(email: str) -> str:
    """The one spelling of an address that accounts are stored and found under: NFKC
    (full-width ``ａ`` is ``a``), case-folded, trimmed; so look-alikes are one account."""
    return unicodedata.normalize("NFKC", email).casefold().strip()


def normalise_email(email: str) -> str:
    value = email_key(email)
    if len(value) > 254 or not _EMAIL.match(value) or any(unsafe_char(c) for c in value):
        raise InvalidInput(f"{shown(email.strip(), 80)} is not an email address", "email")
    return value


def _check_role(role: str, side: str | None, checker: bool = False) -> None:
    if role not in ROLES:
        raise InvalidInput(f"role is one of {', '.join(ROLES)}", "role")
    if side is not None and side not in SIDES:
        raise InvalidInput(f"side is one of {', '.join(SIDES)}", "side")
    if role == "practitioner" and side is None:
        raise InvalidInput(
            "a practitioner sits for one side: choose management side or staff side", "side"
        )
    if checker and role == "viewer":
        raise InvalidInput(
            "a viewer cannot check outcomes: give another role to make them a consistency checker",
            "consistency_checker",
        )


def _clean_name(name: str) -> str:
    if not name.strip():
        raise InvalidInput("a user needs a name", "name")
    return check_line(name, "name", "a name", 200)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64].strip("-")


def _add_user(
    session: Session,
    organisation_id: int,
    actor: Actor | None,
    email: str,
    name: str,
    role: str,
    side: str | None,
    checker: bool = False,
) -> tuple[t.User, str]:
    email = normalise_email(email)
    name = _clean_name(name)
    _check_role(role, side, checker)
    holder = session.scalar(select(t.User.organisation_id).where(t.User.email == email))
    if holder is not None:
        if actor is None or holder == organisation_id:  # the operator, or the same organisation
            raise Conflict(f"there is already an account for {email}", "email")
        raise Conflict(ADDRESS_IN_USE.format(email=email), "email")  # says nothing of where
    password = one_time_password()
    row = t.User(
        organisation_id=organisation_id,
        email=email,
        name=name,
        role=role,
        side=side,
        consistency_checker=checker,
        password_hash=hash_password(password),
        active=True,
        must_change_password=True,
        version=1,
    )
    session.add(row)
    session.flush()
    audit(
        session,
        actor,
        "user.created",
        "user",
        row.id,
        None,
        snapshot(row, USER_FIELDS),
        organisation_id=organisation_id,
    )
    return row, password


def user_count(db: Database) -> int:
    """How many user accounts the database holds (0 on a fresh install)."""
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(t.User)) or 0


#: The organisation's name when ``bandwise serve --setup`` makes it: the admin page asks
#: for the real one while it is still this.
SETUP_ORGANISATION_NAME = "My NHS Trust"


def create_admin(
    db: Database,
    organisation_name: str,
    email: str,
    name: str = "Administrator",
    slug: str | None = None,
) -> tuple[UserView, str]:
    """A new organisation and its first administrator; returns the one-time password.

    Run from the command line on the server (no actor): the administrator then adds
    everyone else. An organisation that already exists is refused.
    """
    org_name = organisation_name.strip()
    if not org_name or len(org_name) > 200:
        raise InvalidInput("an organisation needs a name (at most 200 characters)", "organisation")
    check_line(org_name, "organisation", "the organisation's name", 200)
    org_slug = _slug(slug or org_name)
    if not org_slug:
        raise InvalidInput("the organisation name needs letters or digits", "organisation")
    with db.transaction() as session:
        if session.scalar(select(t.Organisation.id).where(t.Organisation.slug == org_slug)):
            raise Conflict(
                f"organisation {org_slug!r} already exists; its administrators add users",
                "organisation",
            )
        org = t.Organisation(slug=org_slug, name=org_name)
        session.add(org)
        session.flush()
        audit(
            session,
            None,
            "organisation.created",
            "organisation",
            org.id,
            None,
            {"slug": org.slug, "name": org.name},
            organisation_id=org.id,
        )
        row, password = _add_user(session, org.id, None, email, name, "admin", None)
        return UserView.of(row), password


def create_user(
    db: Database,
    actor: Actor,
    email: str,
    name: str,
    role: str,
    side: str | None = None,
    checker: bool = False,
) -> tuple[UserView, str]:
    """An account in the actor's organisation (administrators only), with a one-time
    password the user must change at first sign-in; ``checker``: a consistency checker."""
    actor.require("manage-users")
    with db.transaction() as session:
        row, password = _add_user(
            session, actor.organisation_id, actor, email, name, role, side, checker
        )
        return UserView.of(row), password


def _organisation(session: Session, slug: str | None) -> t.Organisation:
    orgs = list(session.scalars(select(t.Organisation).order_by(t.Organisation.id)))
    if slug is not None:
        for org in orgs:
            if org.slug == slug:
                return org
        raise NotFound(f"no organisation {slug!r}", "organisation")
    if len(orgs) == 1:
        return orgs[0]
    if not orgs:
        raise NotFound("no organisation yet: create one with `bandwise users create-admin`")
    raise InvalidInput(
        "there are several organisations: name one (" + ", ".join(o.slug for o in orgs) + ")",
        "organisation",
    )


def create_user_as_operator(
    db: Database,
    email: str,
    name: str,
    role: str,
    side: str | None = None,
    organisation: str | None = None,
    checker: bool = False,
) -> tuple[UserView, str]:
    """:func:`create_user` for the server operator (command line): no signed-in actor,
    audited as a system event of the organisation."""
    with db.transaction() as session:
        org = _organisation(session, organisation)
        row, password = _add_user(session, org.id, None, email, name, role, side, checker)
        return UserView.of(row), password


def list_users_as_operator(
    db: Database, organisation: str | None = None
) -> list[tuple[OrganisationView, UserView]]:
    """Every account (of one organisation when named), for the command line."""
    with db.reading() as session:
        query = select(t.User, t.Organisation).join(
            t.Organisation, t.Organisation.id == t.User.organisation_id
        )
        if organisation is not None:
            org = _organisation(session, organisation)
            query = query.where(t.User.organisation_id == org.id)
        rows = session.execute(query.order_by(t.Organisation.slug, t.User.email)).all()
        return [(OrganisationView(o.id, o.slug, o.name), UserView.of(u)) for u, o in rows]


def list_users(db: Database, actor: Actor) -> tuple[UserView, ...]:
    """The actor's organisation's accounts (everyone may see who is who, e.g. for panels)."""
    actor.require("read")
    with db.reading() as session:
        rows = session.scalars(
            select(t.User)
            .where(t.User.organisation_id == actor.organisation_id)
            .order_by(t.User.id)
        )
        return tuple(UserView.of(r) for r in rows)


def get_organisation(db: Database, actor: Actor) -> OrganisationView:
    """The actor's own organisation (one row, never a scan of everyone's)."""
    actor.require("read")
    with db.reading() as session:
        org = session.get(t.Organisation, actor.organisation_id)
        if org is None:
            raise NotFound("no such organisation", "organisation")
        return OrganisationView(org.id, org.slug, org.name)


def user_names(db: Database, actor: Actor) -> dict[int, str]:
    """Who is who in the actor's organisation, by user id (for names beside records)."""
    return {u.id: u.name for u in list_users(db, actor)}


def get_user(db: Database, actor: Actor, user_id: int) -> UserView:
    actor.require("read")
    with db.reading() as session:
        return UserView.of(get_owned(session, t.User, user_id, actor, "user"))


def _other_active_admins(session: Session, row: t.User) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(t.User)
            .where(
                t.User.organisation_id == row.organisation_id,
                t.User.role == "admin",
                t.User.active.is_(True),
                t.User.id != row.id,
            )
        )
        or 0
    )


def update_user(
    db: Database, actor: Actor, user_id: int, version: int, changes: dict[str, Any]
) -> UserView:
    """Change a user's name, role, side, whether they are a consistency checker or
    whether the account is active (administrators).

    The organisation always keeps one active administrator. Deactivating an account
    ends its sessions; its API tokens stop working while it is inactive. A viewer is
    not a consistency checker: making someone a viewer takes the capability away.
    """
    actor.require("manage-users")
    allowed = {"name", "role", "side", "active", "consistency_checker"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(f"unknown field(s): {', '.join(sorted(unknown))}", sorted(unknown)[0])
    with db.transaction() as session:
        lock_organisation(session, actor.organisation_id)  # one admin-count check at a time
        row = get_owned(session, t.User, user_id, actor, "user", lock=True)
        before = snapshot(row, USER_FIELDS)
        name = _clean_name(changes["name"]) if "name" in changes else row.name
        role = changes.get("role", row.role)
        side = changes.get("side", row.side)
        active = changes.get("active", row.active)
        checker = bool(changes.get("consistency_checker", row.consistency_checker))
        if role == "viewer" and "consistency_checker" not in changes:
            checker = False
        _check_role(role, side, checker)
        if (
            row.role == "admin"
            and row.active
            and (role != "admin" or not active)
            and not _other_active_admins(session, row)
        ):
            raise RuleViolation(
                "the organisation must keep at least one active administrator", "role"
            )
        check_version(row, version, "user")
        row.name, row.role, row.side, row.active = name, role, side, active
        row.consistency_checker = checker
        if not active:
            session.execute(delete(t.WebSession).where(t.WebSession.user_id == row.id))
        audit(session, actor, "user.updated", "user", row.id, before, snapshot(row, USER_FIELDS))
        return UserView.of(row)


def reset_password(db: Database, actor: Actor, user_id: int) -> str:
    """A new one-time password for a user (administrators); their sessions end."""
    actor.require("manage-users")
    password = one_time_password()
    password_hash = hash_password(password)
    with db.transaction() as session:
        row = get_owned(session, t.User, user_id, actor, "user", lock=True)
        row.password_hash = password_hash
        row.must_change_password = True
        row.version += 1
        session.execute(delete(t.WebSession).where(t.WebSession.user_id == row.id))
        audit(session, actor, "user.password-reset", "user", row.id, None, None)
    return password
