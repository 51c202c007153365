"""Time in one place: aware UTC from the database, one UK zone, one date formatter."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from bandwise.clock import UK, as_utc, uk_date, uk_datetime, uk_day
from bandwise.services.base import Database
from bandwise.store import tables as t
from dbfixtures import People

SRC = Path(__file__).resolve().parents[1] / "src" / "bandwise"


def test_an_instant_read_from_the_database_is_aware_utc(db: Database, people: People) -> None:
    with db.reading() as session:
        created = session.scalars(select(t.User.created_at)).all()
    assert created  # a server default, written by the database itself
    for value in created:
        assert value.tzinfo is not None and value.utcoffset() == dt.timedelta(0)


def test_an_aware_instant_outside_utc_is_stored_as_the_same_instant(
    db: Database, people: People
) -> None:
    bst = dt.datetime(2026, 7, 1, 14, 5, tzinfo=UK)
    with db.transaction() as session:
        user = session.get(t.User, people.lead.user_id)
        assert user is not None
        user.created_at = bst
    with db.reading() as session:
        user = session.get(t.User, people.lead.user_id)
        assert user is not None
        assert user.created_at == bst and user.created_at.hour == 13


def test_the_migrated_database_matches_the_table_models_with_the_utc_column_type(
    db: Database,
) -> None:
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), t.Base.metadata)
    assert differences == []


def test_a_naive_value_is_taken_as_utc_and_an_aware_one_converted() -> None:
    naive = dt.datetime(2026, 11, 27, 14, 5)
    assert as_utc(naive) == naive.replace(tzinfo=dt.UTC)
    assert as_utc(dt.datetime(2026, 7, 1, 15, 0, tzinfo=UK)).hour == 14
    assert as_utc(None) is None


def test_dates_read_the_nhs_way_on_their_uk_day() -> None:
    late_summer_evening = dt.datetime(2026, 8, 31, 23, 30, tzinfo=dt.UTC)  # 00:30 BST
    assert uk_date(dt.date(2026, 11, 27)) == "27 November 2026"
    assert uk_date(late_summer_evening) == "1 September 2026"
    assert uk_day(late_summer_evening) == dt.date(2026, 9, 1)
    assert uk_datetime(late_summer_evening) == "1 September 2026, 00:30"
    assert uk_date(None) == uk_datetime(None) == ""


def test_no_module_but_the_clock_sets_the_uk_zone_or_mends_naive_times() -> None:
    patterns = re.compile(
        r'"Europe/London"|replace\(tzinfo=dt\.UTC\)|def (_?utc|_aware)\b|:%B %Y\}"'
    )
    found = [
        f"{path.relative_to(SRC)}:{number}"
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "clock.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if patterns.search(line)
    ]
    assert found == [], "use bandwise.clock (UK, as_utc, uk_date, uk_datetime, uk_day)"
