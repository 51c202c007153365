"""Writers racing on one record, on SQLite and PostgreSQL: real threads, each with its own
connection, released together by a barrier, for several rounds.

Every same-version race has exactly one winner; the others get a Conflict (never an
IntegrityError or another error a caller would see as a 500), the record holds the
winner's change and the audit trail gains exactly one event per change made.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bandwise.services import accounts, cases
from bandwise.services.base import Actor, Conflict, Database, RuleViolation
from bandwise.services.jobs import create_job, get_job, update_job
from bandwise.services.rematch import rematch
from bandwise.store import tables as t
from dbfixtures import People
from recordfixtures import SUITE, add_job, add_outcome, builtin_suite, change_profile, store_suite
from workflowkit import recorded

WRITERS = 8
ROUNDS = 6
DECISIONS = ("approved", "returned")


def race(workers: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(0..workers-1)`` in threads released together; each result or exception."""
    barrier = threading.Barrier(workers)
    results: list[Any] = [None] * workers

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            results[i] = work(i)
        except BaseException as exc:  # the test inspects every outcome
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer never finished"
    return results


def one_winner(results: list[Any], refused: type[Exception] = Conflict) -> int:
    """The index of the only writer that succeeded; every other one was ``refused``."""
    winners = [i for i, r in enumerate(results) if not isinstance(r, BaseException)]
    unexpected = [r for r in results if isinstance(r, BaseException) and type(r) is not refused]
    assert not unexpected, f"writers failed with {unexpected!r}"
    assert len(winners) == 1, f"{len(winners)} writers succeeded with the same version"
    return winners[0]


def events(db: Database, action: str, entity_id: int) -> int:
    with db.transaction() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(t.AuditEvent)
                .where(t.AuditEvent.action == action, t.AuditEvent.entity_id == entity_id)
            )
            or 0
        )


def test_same_version_writers_of_an_existing_decision_have_one_winner(
    db: Database, people: People
) -> None:
    job = create_job(db, people.lead, "Arts Therapist")
    case = cases.open_case(db, people.lead, job.id, "evaluation")
    case = cases.set_factor_decision(db, people.management, case.case.id, case.case.version, 1, "2")
    for round_ in range(ROUNDS):
        version = case.case.version
        before = events(db, "case.decisions-changed", case.case.id)
        write = partial(cases.set_factor_decision, db, people.management, case.case.id, version)
        results = race(
            WRITERS, lambda i, write=write, r=round_: write(1, "3", f"round {r} writer {i}")
        )
        winner = one_winner(results)
        case = cases.get_case(db, people.viewer, case.case.id)
        assert case.case.version == version + 1
        assert case.decisions[0].evidence == f"round {round_} writer {winner}"
        assert events(db, "case.decisions-changed", case.case.id) == before + 1


def test_the_first_decision_on_a_factor_races_to_a_conflict_never_a_duplicate(
    db: Database, people: People
) -> None:
    job = create_job(db, people.lead, "Arts Therapist")
    for round_ in range(ROUNDS):
        case = cases.open_case(db, people.lead, job.id, "evaluation")
        write = partial(cases.set_factor_decision, db, people.management, case.case.id, 1, 1)
        results = race(WRITERS, lambda i, write=write: write(str(1 + i % 4), f"writer {i}"))
        winner = one_winner(results)
        after = cases.get_case(db, people.viewer, case.case.id)
        assert [(d.factor, d.evidence) for d in after.decisions] == [(1, f"writer {winner}")]
        assert after.case.version == 2, f"round {round_}"
        assert events(db, "case.decisions-changed", case.case.id) == 1


def test_people_checking_one_outcome_at_once_leave_one_check(db: Database, people: People) -> None:
    checkers = [people.checker, people.management2, people.staff2, people.admin]
    for round_ in range(max(2, ROUNDS // 2)):
        case = recorded(db, people)
        version = case.case.version
        check = partial(cases.consistency_check, db, case_id=case.case.id, version=version)
        results = race(
            len(checkers),
            lambda i, check=check: check(
                actor=checkers[i], decision=DECISIONS[i % 2], reasons=f"checker {i}"
            ),
        )
        winner = one_winner(results)
        after = cases.get_case(db, people.viewer, case.case.id)
        assert [c.checker_id for c in after.checks] == [checkers[winner].user_id], f"round {round_}"
        assert (
            after.case.status
            == {"approved": "confirmed", "returned": "returned"}[DECISIONS[winner % 2]]
        )
        assert events(db, "case.checked", case.case.id) == 1


def test_same_version_job_updates_have_one_winner(db: Database, people: People) -> None:
    job = create_job(db, people.lead, "Arts Therapist")
    for round_ in range(ROUNDS):
        version = job.version
        before = events(db, "job.updated", job.id)
        write = partial(update_job, db, people.lead, job.id, version)
        results = race(
            WRITERS, lambda i, write=write, r=round_: write({"title": f"Round {r} writer {i}"})
        )
        winner = one_winner(results)
        job = get_job(db, people.viewer, job.id)
        assert (job.title, job.version) == (f"Round {round_} writer {winner}", version + 1)
        assert events(db, "job.updated", job.id) == before + 1


def _admin_count(db: Database, organisation_id: int) -> int:
    with db.transaction() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(t.User)
                .where(
                    t.User.organisation_id == organisation_id,
                    t.User.role == "admin",
                    t.User.active.is_(True),
                )
            )
            or 0
        )


@pytest.mark.parametrize("change", [{"role": "je-lead"}, {"active": False}])
def test_two_administrators_demoting_each_other_at_once_leave_one_administrator(
    db: Database, people: People, change: dict[str, Any]
) -> None:
    second, _ = accounts.create_user(
        db, people.admin, "second-admin@trust-a.nhs.example", "Second Admin", "admin"
    )
    admins = [people.admin, Actor(second.id, people.organisation_id, "admin", None, second.name)]
    for round_ in range(ROUNDS):
        targets = [accounts.get_user(db, people.admin, a.user_id) for a in reversed(admins)]
        results = race(
            2,
            lambda i, targets=targets: accounts.update_user(
                db, admins[i], targets[i].id, targets[i].version, change
            ),
        )
        winner = one_winner(results, RuleViolation)
        assert _admin_count(db, people.organisation_id) == 1, f"round {round_}"
        demoted = targets[winner]
        current = accounts.get_user(db, admins[winner], demoted.id)
        accounts.update_user(
            db, admins[winner], demoted.id, current.version, {"role": "admin", "active": True}
        )
        assert _admin_count(db, people.organisation_id) == 2


def test_a_duplicate_saved_at_the_same_moment_is_a_conflict_naming_what_collided(
    db: Database, people: People
) -> None:
    job = create_job(db, people.lead, "Arts Therapist")
    case = cases.open_case(db, people.lead, job.id, "evaluation")
    cases.set_factor_decision(db, people.management, case.case.id, 1, 1, "2")
    duplicate = t.FactorDecision(
        case_id=case.case.id, factor=1, levels="3", evidence="", updated_by=people.staff.user_id
    )
    with pytest.raises(Conflict, match="factor_decisions") as raised, db.transaction() as session:
        session.add(duplicate)
    assert raised.value.status == 409 and "reload" in raised.value.message
    with pytest.raises(IntegrityError), db.transaction() as session:  # not a race: a bug
        session.add(
            t.FactorDecision(
                case_id=case.case.id + 99, factor=2, levels="3", updated_by=people.staff.user_id
            )
        )


def test_readers_see_the_last_commit_while_a_writer_holds_its_lock(
    db: Database, people: People
) -> None:
    job = create_job(db, people.lead, "Arts Therapist")
    with db.transaction() as session:
        row = session.get(t.Job, job.id)
        assert row is not None
        row.title = "Not yet committed"
        session.flush()  # the writer holds SQLite's write lock and the row's lock now
        assert get_job(db, people.viewer, job.id).title == "Arts Therapist"
        assert cases.list_cases(db, people.viewer).total == 0
    assert get_job(db, people.viewer, job.id).title == "Not yet committed"


def test_a_read_only_unit_of_work_refuses_to_write(db: Database, people: People) -> None:
    job = create_job(db, people.lead, "Arts Therapist")
    with pytest.raises(RuntimeError, match="read-only"), db.reading() as session:
        row = session.get(t.Job, job.id)
        assert row is not None
        row.title = "Changed by a reader"
        session.flush()
    assert get_job(db, people.viewer, job.id).title == "Arts Therapist"


def test_applying_a_rematch_twice_at_once_opens_each_case_once(
    db: Database, people: People
) -> None:
    jobs = [add_job(db, people, f"Arts therapist {n}", f"AT-{n}") for n in range(2)]
    for job in jobs:
        add_outcome(db, people, job)
    store_suite(db, people.lead, change_profile(builtin_suite(), "arts-therapist", {3: "5"}), 2)
    results = race(4, lambda i: rematch(db, people.lead, SUITE, apply=True))
    assert not [r for r in results if isinstance(r, BaseException)]
    assert sorted(len(r.opened) for r in results) == [0, 0, 0, 2]
    with db.transaction() as session:
        drafts = session.scalars(select(t.Case.job_id).where(t.Case.status == "draft")).all()
    assert sorted(drafts) == sorted(jobs)
