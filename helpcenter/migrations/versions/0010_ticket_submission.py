"""Tickets: the form's filling-in that filed each, so that one sent twice files one ticket.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ticket", sa.Column("submission_hash", sa.String(length=64), nullable=True))
    op.create_index("ix_ticket_submission_hash", "ticket", ["submission_hash"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_ticket_submission_hash", table_name="ticket")
    with op.batch_alter_table("ticket") as batch:
        batch.drop_column("submission_hash")
