"""Tickets get an assignee; on-call pages, their acknowledgement and SLA warnings are recorded once each.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket") as batch:
        batch.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch.create_index("ix_ticket_assignee_id", ["assignee_id"])
        batch.create_foreign_key(
            "fk_ticket_assignee_id_staff_user", "staff_user", ["assignee_id"], ["id"], ondelete="SET NULL"
        )
    op.create_table(
        "oncall_page",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("ticket.id", ondelete="CASCADE"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("paged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channels", sa.String(length=40), nullable=False),
        sa.UniqueConstraint("ticket_id", "number", name="uq_oncall_page_ticket_number"),
    )
    op.create_index("ix_oncall_page_ticket_id", "oncall_page", ["ticket_id"])
    op.create_table(
        "oncall_acknowledgement",
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff_user.id", ondelete="SET NULL"), nullable=True),
        sa.Column("staff_email", sa.String(length=254), nullable=False),
    )
    op.create_table(
        "sla_notice",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("ticket.id", ondelete="CASCADE"), nullable=False),
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("threshold", sa.String(length=10), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.UniqueConstraint("ticket_id", "target", "started_at", "threshold", name="uq_sla_notice_target_threshold"),
    )
    op.create_index("ix_sla_notice_ticket_id", "sla_notice", ["ticket_id"])


def downgrade() -> None:
    op.drop_index("ix_sla_notice_ticket_id", table_name="sla_notice")
    op.drop_table("sla_notice")
    op.drop_table("oncall_acknowledgement")
    op.drop_index("ix_oncall_page_ticket_id", table_name="oncall_page")
    op.drop_table("oncall_page")
    with op.batch_alter_table("ticket") as batch:
        batch.drop_constraint("fk_ticket_assignee_id_staff_user", type_="foreignkey")
        batch.drop_index("ix_ticket_assignee_id")
        batch.drop_column("assignee_id")
