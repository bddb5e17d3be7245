"""What the pages need around the registry: the form picker of the "asked again" report
and the field editor's mapping text (``资源代码 资源名称：信息项``). Nothing here commits.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartcity.core.security import Actor, ensure_permission
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.onceonly.errors import UnknownInformationItemError
from smartcity.domains.onceonly.models import ServiceForm
from smartcity.domains.onceonly.permissions import OnceOnlyPermission
from smartcity.domains.onceonly.schemas import FormChoice
from smartcity.domains.onceonly.service.forms import loaded


def form_choices(session: Session, *, actor: Actor) -> list[FormChoice]:
    """Every form with its field labels, for the "asked again" report (any signed-in
    person: which services exist and what they ask is public information).

    Raises:
        AuthenticationRequiredError; PermissionDeniedError: no ``onceonly.report``.
    """
    ensure_permission(actor, OnceOnlyPermission.report)
    forms = session.scalars(loaded(select(ServiceForm)).order_by(ServiceForm.name)).all()
    return [
        FormChoice(
            id=f.id,
            code=f.code,
            name=f.name,
            organization_name=f.organization.name,
            fields=[(field.id, field.label) for field in f.fields],
        )
        for f in forms
    ]


def mapping_text(resource_code: str, entry_name: str, item_name: str) -> str:
    """How a page writes a mapping: ``B.01.01/000001 人口基础信息：姓名``."""
    return f"{resource_code} {entry_name}：{item_name}"


def mapping_choices(session: Session, *, actor: Actor) -> list[str]:
    """Every information item of the published catalog as mapping text (the field
    editor's suggestions).

    Raises:
        AuthenticationRequiredError; PermissionDeniedError: no ``onceonly.read_forms``.
    """
    ensure_permission(actor, OnceOnlyPermission.read_forms)
    return [
        mapping_text(code, name, item)
        for _id, code, name, item in catalog_service.published_items(session)
    ]


def parse_mapping_text(session: Session, text: str, *, index: int = 0) -> tuple[UUID | None, str]:
    """The entry id and item name a mapping text names: the resource code before the
    first space, the item after the last ``：``; empty text gives ``(None, "")``.

    Raises:
        UnknownInformationItemError: no entry has that resource code, or no item is named
            (``field_index`` is ``index``).
    """
    text = text.strip()
    if not text:
        return None, ""
    code = text.split(" ", 1)[0]
    item = text.rsplit("：", 1)[1].strip() if "：" in text else ""
    entry = catalog_service.find_entry_by_code(session, code)
    if entry is None or not item:
        raise UnknownInformationItemError(
            f"第 {index + 1} 项：找不到“{text}”，请从建议中选择“资源代码 资源名称：信息项”",
            reason="unknown-item",
            field_index=index,
        )
    return entry.id, item
