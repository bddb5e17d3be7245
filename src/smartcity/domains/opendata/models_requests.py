"""Requests to open a dataset (数据开放申请, Art. 31): anyone asks the platform authority to
open public information it does not yet publish; the coordinator answers or declines.

A request needs no account (Art. 31 encourages society's use of public information), so
it carries no user id unless the person was signed in; the name and contact are optional
and the source address is kept only as a salted digest, to limit how many requests one
source files per hour.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Enum, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from smartcity.core.db.base import Entity
from smartcity.domains.opendata.enums_requests import DataRequestState

__all__ = ["DataRequest", "DataRequestState"]


class DataRequest(Entity):
    """One request from the public to open a dataset, and the coordinator's answer."""

    __tablename__ = "opendata_data_request"

    number: Mapped[str] = mapped_column(String(32), unique=True, comment="KF-2026-000001")
    title: Mapped[str] = mapped_column(String(100), comment="The data asked for, in a few words.")
    description: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text, default="")
    provider_hint: Mapped[str] = mapped_column(
        String(100), default="", comment="The department the requester thinks holds the data."
    )
    requester_name: Mapped[str] = mapped_column(String(50), default="")
    contact: Mapped[str] = mapped_column(String(100), default="")
    requester_user_id: Mapped[UUID | None] = mapped_column(
        comment="The signed-in user who filed it, if any."
    )
    source_digest: Mapped[str] = mapped_column(
        String(64), default="", index=True, comment="Salted SHA-256 of the source address."
    )
    state: Mapped[DataRequestState] = mapped_column(
        Enum(DataRequestState, native_enum=False, length=16),
        default=DataRequestState.new,
        index=True,
    )
    reply: Mapped[str] = mapped_column(Text, default="", comment="The answer or the reason.")
    answered_at: Mapped[datetime | None]
    answered_by_name: Mapped[str] = mapped_column(String(100), default="")

    @property
    def audit_label(self) -> str:
        return f"{self.number} {self.title}"
