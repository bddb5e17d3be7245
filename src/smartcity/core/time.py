"""The one clock of the platform.

Code asks ``utcnow()`` rather than ``datetime.now()`` so tests can freeze time
by replacing one function (``freeze_time``) instead of patching ``datetime``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")

_clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return _clock()


def today_in_china() -> date:
    """Today's date in Asia/Shanghai: the calendar the regulation's deadlines run on."""
    return utcnow().astimezone(CHINA).date()


def to_china(moment: datetime) -> datetime:
    """An aware datetime shown in Asia/Shanghai."""
    return moment.astimezone(CHINA)


@contextmanager
def freeze_time(moment: datetime) -> Iterator[None]:
    """Make ``utcnow()`` return ``moment`` inside the block (tests only)."""
    global _clock
    if moment.tzinfo is None:
        raise ValueError("freeze_time needs an aware datetime")
    previous = _clock
    _clock = lambda: moment  # noqa: E731
    try:
        yield
    finally:
        _clock = previous
