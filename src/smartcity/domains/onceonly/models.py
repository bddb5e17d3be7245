"""Service forms, their fields and the citizens' "asked again" cases (Art. 28).

A **service form** (事项) is a government service a department runs, e.g. 新生儿入户,
with its fields in order. Each **field** is either mapped to a catalog information
item (the entry and the item's name, the way grants name items, so a new catalog
version that keeps the name keeps the mapping) or marked "only the applicant can
supply" (仅申请人提供) with a reason; and it records how the form gets the value today
(typed, prefilled from the platform, or an attached copy). Field ids are stable
across edits of the form, so prefill consents can name them.

An **"asked again" case** (我被重复索要材料) is a signed-in person's report that a
department asked again for data the platform already holds; the coordinator handles
it (new → handling → resolved with a reply, or dismissed with a reason).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcity.core.db.base import Entity
from smartcity.domains.onceonly.enums import CaseState, FieldCollection, FormChannel
from smartcity.domains.onceonly.prefill_enums import PrefillBasis, PrefillState
from smartcity.domains.registry.models import Organization


def _enum(kind: type[Any], length: int = 16) -> Enum:
    return Enum(kind, native_enum=False, length=length)


class ServiceForm(Entity):
    """A government service form (事项) run by one department.

    The department's administrators maintain it, the coordinator maintains every
    department's. Deleting is not offered: cases and consents cite forms.
    """

    __tablename__ = "onceonly_form"

    code: Mapped[str] = mapped_column(
        String(64), unique=True, comment="Matter code of the government-services catalog."
    )
    name: Mapped[str] = mapped_column(String(200))
    organization_id: Mapped[UUID] = mapped_column(
        ForeignKey("registry_organization.id"), index=True, comment="The department running it."
    )
    channel: Mapped[FormChannel] = mapped_column(_enum(FormChannel))
    description: Mapped[str] = mapped_column(Text, default="")

    organization: Mapped[Organization] = relationship(lazy="raise")
    fields: Mapped[list[FormField]] = relationship(
        back_populates="form",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="FormField.position",
    )

    @property
    def audit_label(self) -> str:
        return f"{self.code} {self.name}"


class FormField(Entity):
    """One field of a service form, in order.

    Mapped (``entry_id`` and ``item_name`` set, ``applicant_only`` false) or
    "only the applicant can supply" (``applicant_only`` with ``applicant_only_reason``,
    no mapping); the service enforces that exactly one holds.
    """

    __tablename__ = "onceonly_form_field"

    form_id: Mapped[UUID] = mapped_column(ForeignKey("onceonly_form.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(100), comment="The label the form shows.")
    entry_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("catalog_entry.id"), index=True, comment="Catalog entry of the mapped item."
    )
    item_name: Mapped[str] = mapped_column(
        String(100), default="", comment="Name of the mapped information item of the entry."
    )
    applicant_only: Mapped[bool] = mapped_column(
        default=False, comment="仅申请人提供: no platform source can exist."
    )
    applicant_only_reason: Mapped[str] = mapped_column(Text, default="")
    collection: Mapped[FieldCollection] = mapped_column(
        _enum(FieldCollection), comment="How the form gets the value today."
    )

    form: Mapped[ServiceForm] = relationship(back_populates="fields", lazy="raise")

    @property
    def is_mapped(self) -> bool:
        return self.entry_id is not None and not self.applicant_only


class AskedAgainCase(Entity):
    """A report that a department asked again for data the platform already holds.

    The form (and field) when the reporter picked them, else free text naming the
    department and the matter. ``organization_id`` is the form's department, copied
    at filing so that department sees the case.
    """

    __tablename__ = "onceonly_case"

    number: Mapped[str] = mapped_column(String(32), unique=True, comment="CF-2026-000001")
    reporter_id: Mapped[UUID] = mapped_column(ForeignKey("identity_user.id"), index=True)
    reporter_name: Mapped[str] = mapped_column(String(100), default="")
    form_id: Mapped[UUID | None] = mapped_column(ForeignKey("onceonly_form.id"), index=True)
    field_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("onceonly_form_field.id", ondelete="SET NULL"),
        comment="The field asked again, when known.",
    )
    field_label: Mapped[str] = mapped_column(String(100), default="")
    organization_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("registry_organization.id"), index=True
    )
    department_text: Mapped[str] = mapped_column(
        String(200), default="", comment="Free text when no form was picked."
    )
    matter_text: Mapped[str] = mapped_column(String(200), default="")
    data_text: Mapped[str] = mapped_column(String(500), comment="Which data was asked again.")
    description: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[CaseState] = mapped_column(_enum(CaseState), default=CaseState.new, index=True)
    submitted_at: Mapped[datetime]
    handling_at: Mapped[datetime | None]
    handled_by_name: Mapped[str] = mapped_column(String(100), default="")
    closed_at: Mapped[datetime | None]
    reply: Mapped[str] = mapped_column(
        Text, default="", comment="The reply when resolved, the reason when dismissed."
    )

    form: Mapped[ServiceForm | None] = relationship(lazy="raise")
    organization: Mapped[Organization | None] = relationship(lazy="raise")

    @property
    def audit_label(self) -> str:
        return self.number


class PrefillRequest(Entity):
    """A service's request to prefill a form for a citizen, and the citizen's consent
    (Art. 28, on Myinfo's consent flow).

    Made by the form's department (an API client) with the citizen's ID number and a
    case reference; its items are the form's fields the department may obtain, fixed
    when the request is made. The citizen bound to ``subject_key`` approves all or some
    of them (possibly editing values), or declines; the department fetches the approved
    values once. States in :class:`PrefillState`; a pending or approved request past
    ``expires_at`` is expired. Kept after the end (values cleared) as the consent record.
    """

    __tablename__ = "onceonly_prefill_request"

    form_id: Mapped[UUID] = mapped_column(ForeignKey("onceonly_form.id"), index=True)
    organization_id: Mapped[UUID] = mapped_column(
        ForeignKey("registry_organization.id"), index=True, comment="The requesting department."
    )
    requested_by_id: Mapped[UUID | None] = mapped_column(
        comment="The API client (or user) that asked."
    )
    requested_by_name: Mapped[str] = mapped_column(String(100), default="")
    subject_key: Mapped[str] = mapped_column(
        String(32), index=True, comment="公民身份号码 of the citizen asked for consent."
    )
    case_reference: Mapped[str] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[PrefillState] = mapped_column(
        _enum(PrefillState), default=PrefillState.pending, index=True
    )
    expires_at: Mapped[datetime] = mapped_column(
        comment="Pending: answer by then; approved: fetched by then."
    )
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("identity_user.id"))
    delivered_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    form: Mapped[ServiceForm] = relationship(lazy="raise")
    organization: Mapped[Organization] = relationship(lazy="raise")
    items: Mapped[list[PrefillItem]] = relationship(
        back_populates="request",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="PrefillItem.position",
    )

    @property
    def audit_label(self) -> str:
        return f"回填 {self.case_reference}"


class PrefillItem(Entity):
    """One field a prefill request offers: where its value comes from (the base-data
    table and item, the source department) and why the department may obtain it
    (``basis``, the grant when granted). After consent: whether the citizen approved it,
    whether he edited it (申请人提供，未经核验), and the approved ``value`` until it is
    delivered or the consent ends, when it is cleared."""

    __tablename__ = "onceonly_prefill_item"

    request_id: Mapped[UUID] = mapped_column(ForeignKey("onceonly_prefill_request.id"), index=True)
    field_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("onceonly_form_field.id", ondelete="SET NULL")
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(100))
    entry_id: Mapped[UUID] = mapped_column(ForeignKey("catalog_entry.id"))
    resource_code: Mapped[str] = mapped_column(String(64), default="")
    item_name: Mapped[str] = mapped_column(String(100))
    base_table: Mapped[str] = mapped_column(String(63), comment="bd_* table read by key.")
    source_organization_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("registry_organization.id")
    )
    source_name: Mapped[str] = mapped_column(String(200), default="")
    basis: Mapped[PrefillBasis] = mapped_column(_enum(PrefillBasis))
    grant_id: Mapped[UUID | None] = mapped_column(ForeignKey("sharing_grant.id"))
    is_approved: Mapped[bool] = mapped_column(default=False)
    is_edited: Mapped[bool] = mapped_column(
        default=False, comment="The citizen typed the value: user-provided, not verified."
    )
    value: Mapped[Any] = mapped_column(
        JSON(none_as_null=True), nullable=True, comment="Approved value until delivered."
    )
    source_updated_at: Mapped[datetime | None] = mapped_column(
        comment="Last update of the platform value approved (None when edited)."
    )

    request: Mapped[PrefillRequest] = relationship(back_populates="items", lazy="raise")
