"""Time in one place: instants are aware UTC, days are UK days, dates read the NHS way.

The database keeps instants in UTC (:class:`bandwise.store.types.UTCDateTime` returns
them aware, SQLite included); users see them in UK time (:data:`UK`); a date is written
``27 November 2026`` (:func:`uk_date`) in pages, reports and messages alike. Pure: the
scheme layer may use it.
"""

from __future__ import annotations

import datetime as dt
from typing import overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The name of the UK's zone (also the default of ``BANDWISE_TIMEZONE``).
UK_ZONE_NAME = "Europe/London"


def _uk_zone() -> dt.tzinfo:
    try:
        return ZoneInfo(UK_ZONE_NAME)
    except ZoneInfoNotFoundError:  # no time-zone data on this system: UTC, never a crash
        return dt.UTC


#: The UK's time zone (GMT/BST): workflow days (notification, review deadline), shown times.
UK: dt.tzinfo = _uk_zone()


@overload
def as_utc(value: dt.datetime) -> dt.datetime: ...
@overload
def as_utc(value: None) -> None: ...
def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """``value`` as aware UTC; a naive value is taken to be UTC already (how SQLite
    returned what was stored in UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def uk_day(value: dt.datetime) -> dt.date:
    """The UK calendar day of an instant."""
    return as_utc(value).astimezone(UK).date()


def uk_date(value: dt.date | dt.datetime | None) -> str:
    """``27 November 2026`` (NHS style); an instant is shown on its UK day."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = as_utc(value).astimezone(UK)
    return f"{value.day} {value:%B %Y}"


def uk_datetime(value: dt.datetime | None) -> str:
    """``27 November 2026, 14:05`` in UK time."""
    if value is None:
        return ""
    local = as_utc(value).astimezone(UK)
    return f"{uk_date(local)}, {local:%H:%M}"
