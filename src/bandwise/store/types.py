"""Column types: instants are stored as UTC and always come back aware UTC.

PostgreSQL's ``timestamptz`` returns aware values; SQLite has no time zones and returns
naive ones, which every reader once had to mend with its own helper. :class:`UTCDateTime`
does it once, for both: a naive value bound is taken as UTC, an aware one is converted to
UTC (so SQLite, which drops the offset, stores the right instant), and what is read is
aware UTC. The database type stays ``DateTime(timezone=True)``: migrations are unchanged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from ..clock import as_utc


class UTCDateTime(TypeDecorator[dt.datetime]):
    """``DateTime(timezone=True)`` that reads and writes aware UTC datetimes."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        return as_utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        return as_utc(value) if isinstance(value, dt.datetime) else value
