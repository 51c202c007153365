"""Accounts: users, passwords, sign-in with throttling, browser sessions and API tokens.

Passwords are stored as Argon2id hashes. Browser sessions and API tokens are random
secrets handed to the client once; the database keeps only their SHA-256, so a copy
of the database cannot be used to sign in. Failed sign-ins are counted in the
``login_attempts`` table, which every server process shares, so a lockout holds
whichever process the next attempt reaches.

Every change (accounts, passwords, sessions, tokens) writes an audit event in the
same transaction as the change.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ..clock import UK_ZONE_NAME
from ..clock import as_utc as _aware
from ..errors import TooManyAttempts as TooManyAttempts  # re-exported
from ..errors import Unauthenticated as Unauthenticated  # re-exported
from ..errors import shown
from ..plaintext import unsafe_char
from ..store import tables as t
from .base import (
    LOCK,
    PERMISSIONS,
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
    now,
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
_WRONG = "the email address or password is wrong"
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


def change_password(
    db: Database,
    actor: Actor,
    current_password: str,
    new_password: str,
    keep_session: str | None = None,
    *,
    client: str = "unknown",
    throttle: Throttle | None = None,
) -> UserView:
    """The user's own password. Every other session of theirs ends (``keep_session``, the
    hash of the session making the change, stays signed in).

    A wrong current password counts as a failed sign-in of the account (and of
    ``client``), so a session or token cannot guess it beyond the sign-in limit: once
    sign-in would be locked out, the change is refused (:class:`TooManyAttempts`) for as
    long, and so is sign-in; the right password clears the count as a sign-in does."""
    check_password_rules(new_password, "new_password")
    if new_password == current_password:
        raise InvalidInput("the new password must differ from the current one", "new_password")
    throttle = throttle or Throttle()
    client = client[:100]
    with db.transaction() as session:
        row = session.get(t.User, actor.user_id)
        if row is None or not row.active:
            raise Unauthenticated("the account is not active")
        stored, key = row.password_hash, row.email[:254]
        locked = _lock(session, key, client, throttle)
    if locked is None and not verify_password(stored, current_password[:MAX_PASSWORD_LENGTH]):
        with db.transaction() as session:
            session.add(t.LoginAttempt(email=key, client=client, at=now(), success=False))
            session.flush()
            locked = _lock(session, key, client, throttle)
            if locked is not None:
                after = {"client": client, "during": "password-change"}
                audit(session, actor, "user.locked-out", "user", actor.user_id, None, after)
        if locked is None:
            raise InvalidInput("the current password is wrong", "current_password")
    if locked is not None:
        locked.field = "current_password"
        raise locked
    new_hash = hash_password(new_password)
    with db.transaction() as session:
        row = session.get(t.User, actor.user_id, with_for_update=LOCK)  # its version moves
        assert row is not None
        row.password_hash = new_hash
        row.must_change_password = False
        row.version += 1
        query = delete(t.WebSession).where(t.WebSession.user_id == row.id)
        if keep_session is not None:
            query = query.where(t.WebSession.token_hash != keep_session)
        session.execute(query)
        session.add(t.LoginAttempt(email=key, client=client, at=now(), success=True))
        audit(session, actor, "user.password-changed", "user", row.id, None, None)
        return UserView.of(row)


# -- sign-in and throttling -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Throttle:
    """Sign-in limits: ``max_failures`` per email address, and ``max_client_failures`` per
    client address across all emails, within ``window``."""

    max_failures: int = 5
    max_client_failures: int = 50
    window: dt.timedelta = dt.timedelta(minutes=15)
    timezone: str = UK_ZONE_NAME

    def clock(self, at: dt.datetime) -> str:
        """``at`` as HH:MM in the organisation's time zone, with the zone's abbreviation."""
        try:
            from zoneinfo import ZoneInfo

            local = at.astimezone(ZoneInfo(self.timezone))
        except Exception:  # no time zone data on this system: say UTC
            local = at.astimezone(dt.UTC)
        return f"{local:%H:%M} {local.tzname()}"


def _locked_until(
    session: Session,
    column: Any,
    value: str,
    limit: int,
    throttle: Throttle,
    at: dt.datetime,
    reset_by_success: bool,
) -> dt.datetime | None:
    """When the ``limit``-th most recent failure leaves the window, or None if not locked."""
    since = at - throttle.window
    if reset_by_success:
        last_ok = session.scalar(
            select(func.max(t.LoginAttempt.at)).where(
                column == value, t.LoginAttempt.success.is_(True), t.LoginAttempt.at > since
            )
        )
        if last_ok is not None:
            since = max(since, _aware(last_ok))
    times = list(
        session.scalars(
            select(t.LoginAttempt.at)
            .where(column == value, t.LoginAttempt.success.is_(False), t.LoginAttempt.at > since)
            .order_by(t.LoginAttempt.at.desc())
            .limit(limit)
        )
    )
    if len(times) < limit:
        return None
    return _aware(times[limit - 1]) + throttle.window


def _lock(session: Session, email: str, client: str, throttle: Throttle) -> TooManyAttempts | None:
    at = now()
    until = _locked_until(
        session, t.LoginAttempt.email, email, throttle.max_failures, throttle, at, True
    )
    if until is not None and until > at:
        return TooManyAttempts(
            f"too many failed sign-ins for this account: try again after {throttle.clock(until)}",
            until,
        )
    until = _locked_until(
        session, t.LoginAttempt.client, client, throttle.max_client_failures, throttle, at, False
    )
    if until is not None and until > at:
        return TooManyAttempts(
            f"too many failed sign-ins from this address: try again after {throttle.clock(until)}",
            until,
        )
    return None


def authenticate(
    db: Database, email: str, password: str, client: str, throttle: Throttle | None = None
) -> UserView:
    """The user whose email and password these are, or :class:`Unauthenticated`.

    Refused without checking the password (:class:`TooManyAttempts`) while the email or
    the client address is locked out. Unknown emails cost the same hash check as known
    ones and are throttled alike, so neither timing nor lockout tells them apart.
    """
    throttle = throttle or Throttle()
    key = email_key(email)[:254]
    legacy = email.strip().lower()[:254]  # how addresses were stored before email_key
    client = client[:100]
    stored: str | None = None
    user: UserView | None = None
    with db.transaction() as session:
        locked = _lock(session, key, client, throttle)
        if locked is None:
            rows = session.scalars(select(t.User).where(t.User.email.in_({key, legacy})))
            found = {r.email: r for r in rows}
            row = found.get(key) or found.get(legacy)
            if row is not None:
                stored, user = row.password_hash, UserView.of(row)
    if locked is not None:
        raise locked
    ok = verify_password(stored or _dummy_hash(), password[:MAX_PASSWORD_LENGTH])
    ok = ok and stored is not None and user is not None and user.active
    with db.transaction() as session:
        at = now()
        session.add(t.LoginAttempt(email=key, client=client, at=at, success=ok))
        session.execute(
            delete(t.LoginAttempt).where(
                t.LoginAttempt.at < at - max(throttle.window, dt.timedelta(days=1))
            )
        )
        if ok:
            assert user is not None and stored is not None
            if _hasher().check_needs_rehash(stored):
                row = session.get(t.User, user.id)
                assert row is not None
                row.password_hash = hash_password(password)
            return user
        session.flush()
        locked = _lock(session, key, client, throttle)
        if user is not None:
            audit(
                session,
                None,
                "user.locked-out" if locked else "user.sign-in-failed",
                "user",
                user.id,
                None,
                {"client": client},
                organisation_id=user.organisation_id,
            )
    raise locked or Unauthenticated(_WRONG, "password")


# -- sessions -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionStart:
    """A new browser session: ``token`` goes in the cookie and is never stored."""

    token: str
    csrf_token: str
    expires_at: dt.datetime
    user: UserView


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request is from and how it proved it."""

    actor: Actor
    via: Literal["session", "token"]
    must_change_password: bool
    credential: str = field(repr=False)  # the session's or token's hash
    csrf_token: str | None = field(default=None, repr=False)  # sessions only
    expires_at: dt.datetime | None = None


def start_session(db: Database, user: UserView, lifetime: dt.timedelta) -> SessionStart:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    at = now()
    expires = at + lifetime
    with db.transaction() as session:
        session.execute(delete(t.WebSession).where(t.WebSession.expires_at < at))
        row = t.WebSession(
            token_hash=token_hash(token), user_id=user.id, csrf_token=csrf, expires_at=expires
        )
        session.add(row)
        session.flush()
        audit(
            session,
            user.actor(),
            "session.started",
            "user",
            user.id,
            None,
            {"session": row.id, "expires_at": expires.isoformat()},
        )
    return SessionStart(token, csrf, expires, user)


def sign_in(
    db: Database,
    email: str,
    password: str,
    client: str,
    lifetime: dt.timedelta,
    throttle: Throttle | None = None,
) -> SessionStart:
    """Check the password (throttled) and start a browser session."""
    return start_session(db, authenticate(db, email, password, client, throttle), lifetime)


def resolve_session(db: Database, token: str) -> Principal | None:
    """The signed-in user of a live session, or None."""
    digest = token_hash(token)
    with db.reading() as session:
        found = session.execute(
            select(t.WebSession, t.User)
            .join(t.User, t.User.id == t.WebSession.user_id)
            .where(t.WebSession.token_hash == digest)
        ).first()
        if found is None:
            return None
        row, user = found
        expires = _aware(row.expires_at)
        if expires <= now() or not user.active:
            return None
        return Principal(
            UserView.of(user).actor(),
            "session",
            user.must_change_password,
            digest,
            row.csrf_token,
            expires,
        )


def end_session(db: Database, token_or_hash: str, hashed: bool = False) -> None:
    """Sign out: the session is deleted, whichever process served it."""
    digest = token_or_hash if hashed else token_hash(token_or_hash)
    with db.transaction() as session:
        found = session.execute(
            select(t.WebSession, t.User)
            .join(t.User, t.User.id == t.WebSession.user_id)
            .where(t.WebSession.token_hash == digest)
        ).first()
        if found is None:
            return
        row, user = found
        audit(
            session,
            UserView.of(user).actor(),
            "session.ended",
            "user",
            user.id,
            {"session": row.id},
            None,
        )
        session.delete(row)


# -- API tokens ---------------------------------------------------------------------------

TOKEN_PREFIX = "bw_"


@dataclass(frozen=True, slots=True)
class TokenView:
    id: int
    user_id: int
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @classmethod
    def of(cls, row: t.ApiToken) -> TokenView:
        return cls(
            row.id,
            row.user_id,
            row.name,
            _aware(row.created_at) if row.created_at else now(),
            _aware(row.last_used_at) if row.last_used_at else None,
            _aware(row.revoked_at) if row.revoked_at else None,
        )


def create_api_token(db: Database, actor: Actor, name: str) -> tuple[TokenView, str]:
    """A token for scripts, acting as the actor; the token itself is returned only here."""
    actor.require("read")
    label = name.strip()
    if not label or len(label) > 100:
        raise InvalidInput("a token needs a name of at most 100 characters", "name")
    check_line(label, "name", "a token's name", 100)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.transaction() as session:
        row = t.ApiToken(user_id=actor.user_id, name=label, token_hash=token_hash(token))
        row.created_at = now()
        session.add(row)
        session.flush()
        audit(session, actor, "api-token.created", "api-token", row.id, None, {"name": label})
        return TokenView.of(row), token


def list_api_tokens(db: Database, actor: Actor) -> tuple[TokenView, ...]:
    """The actor's own tokens, revoked ones included."""
    actor.require("read")
    with db.reading() as session:
        rows = session.scalars(
            select(t.ApiToken).where(t.ApiToken.user_id == actor.user_id).order_by(t.ApiToken.id)
        )
        return tuple(TokenView.of(r) for r in rows)


def revoke_api_token(db: Database, actor: Actor, token_id: int) -> TokenView:
    """Revoke one of the actor's tokens; an administrator may revoke any in the organisation."""
    actor.require("read")
    with db.transaction() as session:
        found = session.execute(
            select(t.ApiToken, t.User)
            .join(t.User, t.User.id == t.ApiToken.user_id)
            .where(t.ApiToken.id == token_id)
        ).first()
        allowed = found is not None and (
            found[1].id == actor.user_id
            or (
                "manage-users" in PERMISSIONS.get(actor.role, frozenset())
                and found[1].organisation_id == actor.organisation_id
            )
        )
        if found is None or not allowed:
            raise NotFound(f"no API token {token_id}")
        row = found[0]
        if row.revoked_at is None:
            row.revoked_at = now()
            audit(
                session,
                actor,
                "api-token.revoked",
                "api-token",
                row.id,
                {"name": row.name, "user_id": row.user_id},
                None,
            )
        return TokenView.of(row)


_LAST_USED_GRANULARITY = dt.timedelta(minutes=1)


def resolve_api_token(db: Database, token: str) -> Principal | None:
    """The user an unrevoked token acts for, or None (the token's last use is recorded)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    digest = token_hash(token)
    at = now()
    with db.reading() as session:  # every API request: no write lock unless needed
        found = session.execute(
            select(t.ApiToken, t.User)
            .join(t.User, t.User.id == t.ApiToken.user_id)
            .where(t.ApiToken.token_hash == digest)
        ).first()
        if found is None:
            return None
        row, user = found
        if row.revoked_at is not None or not user.active:
            return None
        token_id, last_used = row.id, row.last_used_at
        principal = Principal(UserView.of(user).actor(), "token", user.must_change_password, digest)
    if last_used is None or at - _aware(last_used) > _LAST_USED_GRANULARITY:
        with db.transaction() as session:
            session.execute(
                update(t.ApiToken).where(t.ApiToken.id == token_id).values(last_used_at=at)
            )
    return principal
