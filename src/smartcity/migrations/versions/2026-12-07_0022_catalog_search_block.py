"""catalog: packed posting lists per term and block of documents (issue #3)

``catalog_search_block`` holds the postings of ``catalog_search_term`` packed: one row
per term and block of 4,096 document ids, its postings as 9-byte records (document id,
facet id: little-endian uint32; weight: uint8) sorted by document id. Searches read
it instead of probing the postings one by one (``catalog.search_blocks``). The table
is filled here from the postings. On PostgreSQL the blobs are stored uncompressed
(``STORAGE EXTERNAL``: they are integers, and a query reads them whole), and the
covering index of 0007/0021 goes: no query reads the postings by term any more.
Static: no application imports.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 04:00:00
"""

import struct
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "catalog_search_block"
POSTINGS = "catalog_search_term"
COVERING_INDEX = "ix_catalog_search_term_covering"  # PostgreSQL only
BLOCK_SHIFT = 12
_RECORD = struct.Struct("<IIB")
_BATCH = 2_000


def _fill() -> None:
    """Pack the postings, term by term (read in key order, sorted by document here)."""
    connection = op.get_bind()
    insert = sa.text(f"INSERT INTO {TABLE} (term, block, postings) VALUES (:t, :b, :p)")
    rows: list[dict[str, object]] = []
    term: str | None = None
    postings: list[tuple[int, int, int]] = []

    def flush_term() -> None:
        postings.sort()
        blocks: dict[int, list[bytes]] = {}
        for document_id, facet_id, weight in postings:
            blocks.setdefault(document_id >> BLOCK_SHIFT, []).append(
                _RECORD.pack(document_id, facet_id, weight)
            )
        rows.extend(
            {"t": term, "b": block, "p": b"".join(records)} for block, records in blocks.items()
        )
        postings.clear()

    result = connection.execute(
        sa.text(f"SELECT term, document_id, facet_id, weight FROM {POSTINGS} ORDER BY term"),
        execution_options={"stream_results": True, "yield_per": 50_000},
    )
    for row_term, document_id, facet_id, weight in result:
        if row_term != term:
            if term is not None:
                flush_term()
                if len(rows) >= _BATCH:
                    connection.execute(insert, rows)
                    rows.clear()
            term = row_term
        postings.append((document_id, facet_id, weight))
    if term is not None:
        flush_term()
    if rows:
        connection.execute(insert, rows)


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        TABLE,
        sa.Column(
            "term",
            sa.String(length=32).with_variant(sa.String(length=32, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("block", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("postings", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("term", "block", name=op.f("pk_catalog_search_block")),
        sqlite_with_rowid=False,
    )
    if postgresql:
        op.execute(f"ALTER TABLE {TABLE} ALTER COLUMN postings SET STORAGE EXTERNAL")
        op.execute(f"DROP INDEX IF EXISTS {COVERING_INDEX}")
    _fill()


def downgrade() -> None:
    op.drop_table(TABLE)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE INDEX {COVERING_INDEX} ON {POSTINGS} (term, facet_id, document_id)"
            " INCLUDE (weight)"
        )
