"""Sign-in with throttling, the user's own password change, browser sessions and API
tokens: what proves who is asking (:class:`Principal`), apart from the accounts
themselves (:mod:`.accounts`).

Browser sessions and API tokens are random secrets handed to the client once; the
database keeps only their SHA-256, so a copy of the database cannot be used to sign in.
Failed sign-ins are counted in the ``login_attempts`` table, which every server process
shares, so a lockout holds whichever process the next attempt reaches. Every change
writes an audit event in the same transaction as the change.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ..clock import UK_ZONE_NAME
from ..clock import as_utc as _aware
from ..errors import TooManyAttempts as TooManyAttempts  # re-exported
from ..errors import Unauthenticated as Unauthenticated  # re-exported
from ..store import tables as t
from . import accounts
from .accounts import (
    MAX_PASSWORD_LENGTH,
    UserView,
    check_password_rules,
    email_key,
    hash_password,
    token_hash,
    verify_password,
)
from .base import (
    LOCK,
    PERMISSIONS,
    Actor,
    Database,
    InvalidInput,
    NotFound,
    audit,
    now,
)
from .fields import check_line


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
    ok = verify_password(stored or accounts._dummy_hash(), password[:MAX_PASSWORD_LENGTH])
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
            if accounts._hasher().check_needs_rehash(stored):
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
    raise locked or Unauthenticated(accounts.WRONG_CREDENTIALS, "password")


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
