"""Searches counted per language and query, found or not.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_count",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("query", sa.String(length=120), nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("lang", "query", "found", name="uq_search_count"),
    )
    op.create_index("ix_search_count_lang", "search_count", ["lang"])


def downgrade() -> None:
    op.drop_index("ix_search_count_lang", table_name="search_count")
    op.drop_table("search_count")
