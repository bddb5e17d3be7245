"""Identity tables: users, web login sessions, login attempts, API clients."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartcity.core.db.base import Base, Entity
from smartcity.core.ids import new_id
from smartcity.core.time import utcnow

if TYPE_CHECKING:
    from smartcity.domains.registry.models import Organization


class User(Entity):
    """A person who signs in: staff of an organization, an expert, an auditor or a citizen.

    Passwords are stored only as argon2id hashes. A deactivated user keeps its row
    so audit records still name who acted. Citizens and experts may belong to no
    organization.
    """

    __tablename__ = "identity_user"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    organization_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("registry_organization.id"), index=True
    )
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    password_hash: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization | None] = relationship(lazy="raise")

    @property
    def audit_label(self) -> str:
        return f"{self.display_name}（{self.username}）"


class LoginSession(Base):
    """A signed-in browser. The cookie carries a random token; only its SHA-256 is stored,
    so a copy of the database cannot be used to sign in. Logout revokes the row."""

    __tablename__ = "identity_login_session"

    id: Mapped[UUID] = mapped_column(primary_key=True, default=new_id)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("identity_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship(lazy="raise")


class LoginAttempt(Base):
    """One login attempt, for throttling repeated failures by user name and by address.

    The user name is stored as typed, also when no such user exists, so that
    unknown names are throttled exactly like known ones and reveal nothing.
    """

    __tablename__ = "identity_login_attempt"
    __table_args__ = (
        Index("ix_identity_login_attempt_username_at", "username", "attempted_at"),
        Index("ix_identity_login_attempt_ip_at", "ip", "attempted_at"),
    )

    id: Mapped[UUID] = mapped_column(primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64), default="")
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    succeeded: Mapped[bool] = mapped_column(default=False)


class ApiClient(Entity):
    """A service account of an organization: a system that calls the platform's API.

    Authenticates with a bearer token ``sc_<prefix>_<secret>``; only the prefix (to
    find the row) and the SHA-256 of the whole token are stored. Tokens expire and
    can be revoked; rotating issues a new token and invalidates the old one.
    """

    __tablename__ = "identity_api_client"

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    organization_id: Mapped[UUID] = mapped_column(
        ForeignKey("registry_organization.id"), index=True
    )
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    token_prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    created_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("identity_user.id"))

    organization: Mapped[Organization] = relationship(lazy="raise")

    @property
    def audit_label(self) -> str:
        return self.name
