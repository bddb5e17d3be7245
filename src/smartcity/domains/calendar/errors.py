"""Errors of the calendar domain."""

from __future__ import annotations

from smartcity.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PayloadTooLargeError,
)


class InvalidArrangementError(InvalidInputError):
    """The uploaded holiday arrangement file cannot be read or contradicts itself
    (not UTF-8, not JSON, unknown fields, a make-up day on a weekday, overlapping
    holidays …). ``detail`` names the offending entry; nothing was stored."""

    code = "calendar.invalid-arrangement"
    title = "节假日安排文件无效"


class ArrangementFileTooLargeError(PayloadTooLargeError):
    """A year's arrangement is a few kilobytes; a larger file is not one."""

    code = "calendar.file-too-large"
    title = "节假日安排文件过大"


class CalendarYearUnknownError(ConflictError):
    """A working-day computation needs a year whose arrangement is not loaded yet.

    The State Council publishes each year's arrangement in the autumn before;
    until an administrator loads it, strict deadlines touching that year are
    refused rather than guessed. ``year`` names the missing year; asking with
    ``provisional=true`` gives an estimate that counts only weekends as rest days.
    """

    code = "calendar.year-unknown"
    title = "尚未载入该年节假日安排"

    def __init__(self, detail: str, *, year: int) -> None:
        super().__init__(detail, year=year)


class CalendarYearNotFoundError(NotFoundError):
    """Neither shipped nor loaded: the platform has no arrangement for this year."""

    code = "calendar.year-not-found"
    title = "没有该年的节假日安排"

    def __init__(self, *, year: int) -> None:
        super().__init__(f"尚未载入{year}年节假日安排", year=year)
