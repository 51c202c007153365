"""Accounts as the service enforces them, on SQLite and PostgreSQL: users and roles,
passwords (Argon2), sign-in throttling shared through the database, sessions and API
tokens stored only as hashes, and an audit event for every change."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from apikit import PASSWORD, audit_actions, set_password, user_view
from bandwise.services import accounts, sessions
from bandwise.services.accounts import TooManyAttempts, Unauthenticated
from bandwise.services.base import (
    Conflict,
    Database,
    Forbidden,
    InvalidInput,
    NotFound,
    RuleViolation,
    now,
)
from bandwise.services.sessions import Throttle
from bandwise.store import tables as t
from dbfixtures import People

HOUR = dt.timedelta(hours=1)


def _count(db: Database, model: type[object]) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


# -- users --------------------------------------------------------------------------------


def test_the_first_administrator_gets_a_one_time_password_they_must_change(db: Database) -> None:
    admin, password = accounts.create_admin(db, "Trust A", "Admin@Trust-A.nhs.example")
    assert admin.role == "admin" and admin.email == "admin@trust-a.nhs.example"
    assert admin.must_change_password and len(password) >= 16
    user = sessions.authenticate(db, "admin@trust-a.nhs.example", password, "127.0.0.1")
    assert user.id == admin.id and user.must_change_password
    with db.transaction() as session:
        row = session.get(t.User, admin.id)
        assert row is not None and row.password_hash.startswith("$argon2id$")
        assert password not in row.password_hash
        assert session.scalar(select(t.Organisation.slug)) == "trust-a"
    assert audit_actions(db)[:2] == ["organisation.created", "user.created"]


def test_an_organisation_is_created_once(db: Database) -> None:
    accounts.create_admin(db, "Trust A", "a@trust-a.nhs.example")
    with pytest.raises(Conflict, match="already exists") as err:
        accounts.create_admin(db, "Trust A", "b@trust-a.nhs.example")
    assert err.value.field == "organisation"


def test_only_administrators_create_users(db: Database, people: People) -> None:
    for actor in (people.lead, people.management, people.viewer):
        with pytest.raises(Forbidden):
            accounts.create_user(db, actor, "new@trust-a.nhs.example", "New", "viewer")
    user, password = accounts.create_user(
        db, people.admin, "new@trust-a.nhs.example", "New Person", "practitioner", "staff-side"
    )
    assert (user.role, user.side, user.organisation_id) == (
        "practitioner",
        "staff-side",
        people.organisation_id,
    )
    assert user.must_change_password and password
    assert audit_actions(db)[-1] == "user.created"


@pytest.mark.parametrize(
    ("email", "role", "side", "field", "message"),
    [
        ("x@trust-a.nhs.example", "practitioner", None, "side", "sits for one side"),
        ("x@trust-a.nhs.example", "practitioner", "both", "side", "side is one of"),
        ("x@trust-a.nhs.example", "superuser", None, "role", "role is one of"),
        ("not-an-email", "viewer", None, "email", "not an email address"),
        ("VIEWER@trust-a.nhs.example", "viewer", None, "email", "already an account"),
    ],
)
def test_a_user_needs_a_valid_email_role_and_side(
    db: Database,
    people: People,
    email: str,
    role: str,
    side: str | None,
    field: str,
    message: str,
) -> None:
    with pytest.raises((InvalidInput, Conflict), match=message) as err:
        accounts.create_user(db, people.admin, email, "Someone", role, side)
    assert err.value.field == field


def test_the_organisation_keeps_an_active_administrator(db: Database, people: People) -> None:
    admin = user_view(db, people.admin)
    with pytest.raises(RuleViolation, match="at least one active administrator"):
        accounts.update_user(db, people.admin, admin.id, admin.version, {"role": "viewer"})
    with pytest.raises(RuleViolation):
        accounts.update_user(db, people.admin, admin.id, admin.version, {"active": False})
    lead = user_view(db, people.lead)
    accounts.update_user(db, people.admin, lead.id, lead.version, {"role": "admin"})
    demoted = accounts.update_user(db, people.admin, admin.id, admin.version, {"role": "viewer"})
    assert demoted.role == "viewer" and demoted.version == admin.version + 1


def test_a_stale_user_update_is_refused(db: Database, people: People) -> None:
    viewer = user_view(db, people.viewer)
    accounts.update_user(db, people.admin, viewer.id, viewer.version, {"name": "First"})
    with pytest.raises(Conflict):
        accounts.update_user(db, people.admin, viewer.id, viewer.version, {"name": "Second"})
    assert user_view(db, people.viewer).name == "First"


def test_another_organisations_user_is_not_found(
    db: Database, people: People, other_people: People
) -> None:
    with pytest.raises(NotFound):
        accounts.get_user(db, people.admin, other_people.viewer.user_id)
    with pytest.raises(NotFound):
        accounts.update_user(db, people.admin, other_people.viewer.user_id, 1, {"name": "X"})
    with pytest.raises(NotFound):
        accounts.reset_password(db, people.admin, other_people.viewer.user_id)
    assert {u.organisation_id for u in accounts.list_users(db, people.viewer)} == {
        people.organisation_id
    }


# -- passwords ----------------------------------------------------------------------------


def test_changing_a_password_checks_the_current_one_and_ends_other_sessions(
    db: Database, people: People
) -> None:
    email = set_password(db, people.lead)
    keep = sessions.sign_in(db, email, PASSWORD, "c1", HOUR)
    other = sessions.sign_in(db, email, PASSWORD, "c2", HOUR)
    with pytest.raises(InvalidInput, match="current password is wrong"):
        sessions.change_password(db, people.lead, "not it at all", "a brand new password")
    with pytest.raises(InvalidInput, match="at least 12") as err:
        sessions.change_password(db, people.lead, PASSWORD, "short")
    assert err.value.field == "new_password"
    with pytest.raises(InvalidInput, match="differ"):
        sessions.change_password(db, people.lead, PASSWORD, PASSWORD)
    sessions.change_password(
        db,
        people.lead,
        PASSWORD,
        "a brand new password",
        keep_session=accounts.token_hash(keep.token),
    )
    assert sessions.resolve_session(db, keep.token) is not None
    assert sessions.resolve_session(db, other.token) is None
    assert sessions.authenticate(db, email, "a brand new password", "c1").id == people.lead.user_id
    assert "user.password-changed" in audit_actions(db)


def test_a_reset_password_must_be_changed_and_ends_the_users_sessions(
    db: Database, people: People
) -> None:
    email = set_password(db, people.viewer)
    started = sessions.sign_in(db, email, PASSWORD, "c", HOUR)
    with pytest.raises(Forbidden):
        accounts.reset_password(db, people.lead, people.viewer.user_id)
    password = accounts.reset_password(db, people.admin, people.viewer.user_id)
    assert sessions.resolve_session(db, started.token) is None
    user = sessions.authenticate(db, email, password, "c")
    assert user.must_change_password
    assert audit_actions(db)[-1] == "user.password-reset"


def test_a_deactivated_user_cannot_sign_in_and_their_tokens_stop_working(
    db: Database, people: People
) -> None:
    email = set_password(db, people.viewer)
    _, token = sessions.create_api_token(db, people.viewer, "script")
    started = sessions.sign_in(db, email, PASSWORD, "c", HOUR)
    viewer = user_view(db, people.viewer)
    accounts.update_user(db, people.admin, viewer.id, viewer.version, {"active": False})
    assert sessions.resolve_session(db, started.token) is None
    assert sessions.resolve_api_token(db, token) is None
    with pytest.raises(Unauthenticated, match="email address or password is wrong"):
        sessions.authenticate(db, email, PASSWORD, "c")


# -- throttling ---------------------------------------------------------------------------


def _fail(db: Database, email: str, client: str = "10.0.0.1", times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises((Unauthenticated, TooManyAttempts)):
            sessions.authenticate(db, email, "wrong password!", client)


def test_five_failures_lock_the_email_with_a_time_to_try_again(
    db: Database, people: People
) -> None:
    email = set_password(db, people.lead)
    _fail(db, email, times=4)
    with pytest.raises(TooManyAttempts, match=r"try again after \d\d:\d\d") as err:
        sessions.authenticate(db, email, "wrong password!", "10.0.0.1")
    assert err.value.status == 429
    assert dt.timedelta(minutes=14) < err.value.retry_at - now() <= dt.timedelta(minutes=15)
    # locked: even the right password is refused, from any client, without a new attempt
    attempts = _count(db, t.LoginAttempt)
    with pytest.raises(TooManyAttempts):
        sessions.authenticate(db, email, PASSWORD, "10.9.9.9")
    assert _count(db, t.LoginAttempt) == attempts
    assert audit_actions(db)[-1] == "user.locked-out"


def test_the_lock_ends_when_the_failures_leave_the_window(db: Database, people: People) -> None:
    email = set_password(db, people.lead)
    old = now() - dt.timedelta(minutes=16)
    with db.transaction() as session:
        for i in range(5):
            session.add(
                t.LoginAttempt(
                    email=email, client="x", at=old + dt.timedelta(seconds=i), success=False
                )
            )
    assert sessions.authenticate(db, email, PASSWORD, "x").id == people.lead.user_id


def test_a_successful_sign_in_clears_the_count(db: Database, people: People) -> None:
    email = set_password(db, people.lead)
    _fail(db, email, times=4)
    sessions.authenticate(db, email, PASSWORD, "10.0.0.1")
    _fail(db, email, times=4)  # four more: not locked
    assert sessions.authenticate(db, email, PASSWORD, "10.0.0.1").id == people.lead.user_id


def test_unknown_emails_are_throttled_like_known_ones(db: Database) -> None:
    _fail(db, "nobody@nowhere.example", times=4)
    with pytest.raises(TooManyAttempts):
        sessions.authenticate(db, "Nobody@nowhere.example", "anything", "10.0.0.1")


def test_one_client_trying_many_emails_is_locked_too(db: Database) -> None:
    throttle = Throttle(max_failures=5, max_client_failures=6)
    for i in range(5):
        with pytest.raises(Unauthenticated):
            sessions.authenticate(db, f"user{i}@x.example", "pw", "10.6.6.6", throttle)
    with pytest.raises(TooManyAttempts, match="from this address"):
        sessions.authenticate(db, "user9@x.example", "pw", "10.6.6.6", throttle)
    with pytest.raises(Unauthenticated):  # another client is not affected
        sessions.authenticate(db, "user9@x.example", "pw", "10.7.7.7", throttle)


def test_two_processes_share_the_lockout_through_the_database(
    db: Database, db_url: str, people: People
) -> None:
    email = set_password(db, people.lead)
    second = Database.connect(db_url)  # another process's engine and pool
    try:
        _fail(db, email, times=3)
        _fail(second, email, times=2)
        with pytest.raises(TooManyAttempts):
            sessions.authenticate(db, email, PASSWORD, "10.0.0.1")
        with pytest.raises(TooManyAttempts):
            sessions.authenticate(second, email, PASSWORD, "10.0.0.1")
    finally:
        second.engine.dispose()


def test_times_are_shown_in_the_configured_zone() -> None:
    at = dt.datetime(2026, 7, 1, 12, 30, tzinfo=dt.UTC)
    assert Throttle(timezone="Europe/London").clock(at) in ("13:30 BST", "12:30 UTC")
    assert Throttle(timezone="UTC").clock(at) == "12:30 UTC"


# -- sessions and tokens ------------------------------------------------------------------


def test_a_session_is_stored_only_as_a_hash_and_expires(db: Database, people: People) -> None:
    started = sessions.start_session(db, user_view(db, people.staff), HOUR)
    with db.transaction() as session:
        row = session.scalar(select(t.WebSession))
        assert row is not None
        assert row.token_hash == accounts.token_hash(started.token) != started.token
        assert row.csrf_token == started.csrf_token
    principal = sessions.resolve_session(db, started.token)
    assert principal is not None and principal.actor == people.staff
    assert principal.via == "session" and principal.csrf_token == started.csrf_token
    assert sessions.resolve_session(db, started.token + "x") is None
    with db.transaction() as session:
        row = session.scalar(select(t.WebSession))
        assert row is not None
        row.expires_at = now() - dt.timedelta(seconds=1)
    assert sessions.resolve_session(db, started.token) is None


def test_signing_out_ends_the_session(db: Database, people: People) -> None:
    started = sessions.start_session(db, user_view(db, people.staff), HOUR)
    sessions.end_session(db, started.token)
    assert sessions.resolve_session(db, started.token) is None
    assert audit_actions(db)[-2:] == ["session.started", "session.ended"]


def test_an_api_token_is_shown_once_stored_as_a_hash_and_revocable(
    db: Database, people: People
) -> None:
    view, token = sessions.create_api_token(db, people.lead, "nightly export")
    assert token.startswith("bw_") and len(token) > 40
    with db.transaction() as session:
        assert session.scalar(select(t.ApiToken.token_hash)) == accounts.token_hash(token)
    principal = sessions.resolve_api_token(db, token)
    assert principal is not None and principal.actor == people.lead and principal.via == "token"
    assert principal.csrf_token is None
    assert sessions.list_api_tokens(db, people.lead)[0].last_used_at is not None
    assert sessions.list_api_tokens(db, people.viewer) == ()
    with pytest.raises(NotFound):
        sessions.revoke_api_token(db, people.viewer, view.id)
    revoked = sessions.revoke_api_token(db, people.lead, view.id)
    assert revoked.revoked_at is not None
    assert sessions.resolve_api_token(db, token) is None
    assert audit_actions(db)[-2:] == ["api-token.created", "api-token.revoked"]


def test_an_administrator_may_revoke_any_token_of_the_organisation_only(
    db: Database, people: People, other_people: People
) -> None:
    view, _ = sessions.create_api_token(db, people.staff, "script")
    with pytest.raises(NotFound):
        sessions.revoke_api_token(db, other_people.admin, view.id)
    assert sessions.revoke_api_token(db, people.admin, view.id).revoked_at is not None


def test_operator_commands_create_and_list_users(db: Database) -> None:
    with pytest.raises(NotFound, match="no organisation yet"):
        accounts.create_user_as_operator(db, "a@x.example", "A", "viewer")
    accounts.create_admin(db, "Trust A", "admin@a.example")
    accounts.create_admin(db, "Trust B", "admin@b.example")
    with pytest.raises(InvalidInput, match="several organisations"):
        accounts.create_user_as_operator(db, "a@x.example", "A", "viewer")
    user, password = accounts.create_user_as_operator(
        db, "lead@b.example", "Lead", "je-lead", organisation="trust-b"
    )
    assert password and user.must_change_password
    listed = accounts.list_users_as_operator(db, "trust-b")
    assert [(o.slug, u.email) for o, u in listed] == [
        ("trust-b", "admin@b.example"),
        ("trust-b", "lead@b.example"),
    ]
