"""The Jira Service Management channel: a ticket's issue key, customers, comments and webhooks seen.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("jira_key", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_ticket_jira_key", ["jira_key"])
    op.create_table(
        "jira_customer",
        sa.Column("email", sa.String(length=254), primary_key=True),
        sa.Column("account_id", sa.String(length=128), nullable=False),
    )
    op.create_index("ix_jira_customer_account_id", "jira_customer", ["account_id"])
    op.create_table(
        "jira_comment",
        sa.Column("comment_id", sa.String(length=64), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("ticket.id", ondelete="CASCADE"), nullable=False),
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("ticket_message.id", ondelete="SET NULL"), nullable=True),
    )
    op.create_index("ix_jira_comment_ticket_id", "jira_comment", ["ticket_id"])
    op.create_table(
        "jira_delivery",
        sa.Column("identifier", sa.String(length=128), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_jira_delivery_received_at", "jira_delivery", ["received_at"])
    op.create_table(
        "jira_pending_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("issue_key", sa.String(length=64), nullable=False),
        sa.Column("event", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_jira_pending_event_issue_key", "jira_pending_event", ["issue_key"])
    op.create_table(
        "jira_state",
        sa.Column("name", sa.String(length=64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("jira_state")
    op.drop_index("ix_jira_pending_event_issue_key", table_name="jira_pending_event")
    op.drop_table("jira_pending_event")
    op.drop_index("ix_jira_delivery_received_at", table_name="jira_delivery")
    op.drop_table("jira_delivery")
    op.drop_index("ix_jira_comment_ticket_id", table_name="jira_comment")
    op.drop_table("jira_comment")
    op.drop_index("ix_jira_customer_account_id", table_name="jira_customer")
    op.drop_table("jira_customer")
    with op.batch_alter_table("ticket") as batch:
        batch.drop_constraint("uq_ticket_jira_key", type_="unique")
        batch.drop_column("jira_key")
