"""The mail outbox becomes the outbox of every channel (mail, webhooks, remote services).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OLD_INDEXES = ("next_attempt_at", "sent_at", "ticket_id")


def upgrade() -> None:
    with op.batch_alter_table("outbox_mail") as batch:
        for column in OLD_INDEXES:
            batch.drop_index(f"ix_outbox_mail_{column}")
    op.rename_table("outbox_mail", "outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("channel", sa.String(length=16), nullable=False, server_default="mail"))
        batch.add_column(sa.Column("payload", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("abandoned_at", sa.DateTime(timezone=True), nullable=True))
        batch.alter_column("recipient", existing_type=sa.String(length=254), type_=sa.String(length=2048))
        for column in OLD_INDEXES:
            batch.create_index(f"ix_outbox_{column}", [column])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        for column in OLD_INDEXES:
            batch.drop_index(f"ix_outbox_{column}")
        batch.alter_column("recipient", existing_type=sa.String(length=2048), type_=sa.String(length=254))
        batch.drop_column("abandoned_at")
        batch.drop_column("payload")
        batch.drop_column("channel")
    op.rename_table("outbox", "outbox_mail")
    with op.batch_alter_table("outbox_mail") as batch:
        for column in OLD_INDEXES:
            batch.create_index(f"ix_outbox_mail_{column}", [column])
