"""Schemas of the identity domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field

from smartcity.core.schemas import QueryFilter, Schema
from smartcity.domains.identity.permissions import Role

Username = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_.-]{2,63}$", description="小写字母开头，3–64 位字母、数字、_ . -"
    ),
]
Password = Annotated[str, Field(min_length=10, max_length=128)]


class UserCreate(Schema):
    username: Username
    display_name: Annotated[str, Field(min_length=1, max_length=100)]
    organization_id: UUID | None = None
    roles: list[Role] = Field(default_factory=lambda: [Role.org_staff], max_length=6)
    password: Password
    email: Annotated[str, Field(max_length=200)] = ""
    phone: Annotated[str, Field(max_length=32)] = ""


class UserUpdate(Schema):
    """PATCH body: only fields present change."""

    display_name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    roles: Annotated[list[Role], Field(max_length=6)] | None = None
    email: Annotated[str, Field(max_length=200)] | None = None
    phone: Annotated[str, Field(max_length=32)] | None = None
    is_active: bool | None = None


class PasswordChange(Schema):
    password: Password


class UserRead(Schema):
    id: UUID
    username: str
    display_name: str
    organization_id: UUID | None
    roles: list[str]
    email: str
    phone: str
    is_active: bool
    last_login_at: datetime | None
    created_at: datetime


class UserFilter(QueryFilter):
    organization_id: UUID | None = None
    q: Annotated[str, Field(max_length=64)] | None = None
    role: Role | None = None
    include_inactive: bool = False


class ApiClientCreate(Schema):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    description: Annotated[str, Field(max_length=500)] = ""
    organization_id: UUID | None = Field(default=None, description="默认为操作者所在单位")
    roles: list[Role] = Field(default_factory=lambda: [Role.org_staff], max_length=2)
    valid_days: int = Field(default=90, ge=1, le=3650)


class ApiClientRead(Schema):
    id: UUID
    name: str
    description: str
    organization_id: UUID
    roles: list[str]
    token_prefix: str
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime


class ApiClientIssued(ApiClientRead):
    """Returned once, when a token is issued or rotated: the token is never shown again."""

    token: str


class LoginForm(Schema):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=128)]


class Me(Schema):
    kind: str
    id: UUID | None
    name: str
    organization_id: UUID | None
    roles: list[str]
    permissions: list[str]
