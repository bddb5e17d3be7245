"""The holiday arrangements an administrator loaded, one row per year."""

from __future__ import annotations

import json
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.core.db.base import Base
from smartcity.core.time import utcnow
from smartcity.core.workdays import Holiday, YearArrangement


class CalendarYear(Base):
    """One year's holiday arrangement (节假日安排) loaded from a notice file.

    Years 2024–2026 ship with the package (``core/data/holidays``); a row here
    adds a later year or, for a shipped year, replaces it as a correction. A new
    load of a stored year overwrites the row, and the audit log keeps what
    changed. ``arrangement`` holds the canonical form
    (``YearArrangement.to_json()``), so every stored row is a valid arrangement;
    the notice columns repeat it for listing without parsing.
    """

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    arrangement: Mapped[str] = mapped_column(
        Text, comment="Canonical JSON of the arrangement (YearArrangement.to_json())."
    )
    notice_title: Mapped[str] = mapped_column(String(200))
    notice_doc_no: Mapped[str] = mapped_column(String(100), comment="Document number (文号).")
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    loaded_by_name: Mapped[str] = mapped_column(String(100), default="")
    loaded_by_id: Mapped[UUID | None] = mapped_column(comment="User or API client that loaded it.")
    source_filename: Mapped[str] = mapped_column(
        String(255), default="", comment="Name of the uploaded file, for the record."
    )

    def parsed(self) -> YearArrangement:
        """The stored arrangement, validated again on the way out.

        Raises:
            ArrangementError: the row was altered outside the platform.
        """
        data = json.loads(self.arrangement)
        return YearArrangement.from_json(data)

    @property
    def holidays(self) -> tuple[Holiday, ...]:
        return self.parsed().holidays

    @property
    def makeup_workdays(self) -> tuple[date, ...]:
        return self.parsed().makeup_workdays
