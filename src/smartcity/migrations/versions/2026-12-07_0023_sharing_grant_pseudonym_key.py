"""sharing: each grant's own secret for pseudonymous record keys and sealed cursors (issue #5)

``sharing_grant.pseudonym_key`` (64 hex characters, 32 random bytes): an answer under a
grant that masks the record key identifies its records by the key's HMAC-SM3 under
this secret (``ref``) and seals the keys in its paging cursors with it (SM4-GCM), so
a query or the change feed no longer gives away the ID numbers or credit codes the
grant masks (``core.pseudonyms``). Existing grants get a fresh random secret each.
Static: no application imports.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 15:00:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sharing_grant") as batch:
        batch.add_column(
            sa.Column(
                "pseudonym_key",
                sa.String(length=64),
                nullable=False,
                server_default="",
                comment="Secret (hex) of the grant's record pseudonyms and sealed cursors.",
            )
        )
    connection = op.get_bind()
    grant = sa.table("sharing_grant", sa.column("id"), sa.column("pseudonym_key"))
    for (grant_id,) in connection.execute(sa.select(grant.c.id)).all():
        connection.execute(
            grant.update().where(grant.c.id == grant_id).values(pseudonym_key=secrets.token_hex(32))
        )


def downgrade() -> None:
    with op.batch_alter_table("sharing_grant") as batch:
        batch.drop_column("pseudonym_key")
