"""The Customer Area: customers' addresses, sign-in links, organisations, attachments, ratings.

Tickets filed before it got the contract policy they typed: they keep it, as verified.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachment_blob",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "customer_address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("share_tickets", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "sign_in_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("sign_in_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_link_email"), ["email"], unique=False)

    op.create_table(
        "organisation_contract",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("organisation_contract", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisation_contract_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "organisation_domain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("domain"),
    )
    with op.batch_alter_table("organisation_domain", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisation_domain_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "organisation_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organisation_id", "email", name="uq_organisation_member"),
    )
    with op.batch_alter_table("organisation_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisation_member_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_organisation_member_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "organisation_product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organisation_id", "product", name="uq_organisation_product"),
    )
    with op.batch_alter_table("organisation_product", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisation_product_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "ticket_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_by", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id"),
    )
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["ticket_message.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachment_message_id"), ["message_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachment_ticket_id"), ["ticket_id"], unique=False)

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contract_verified", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("follow_up_of", sa.String(length=32), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("mail_opt_out", sa.Boolean(), nullable=False, server_default=sa.false()))
    ticket = sa.table("ticket", sa.column("policy_code", sa.String), sa.column("contract_verified", sa.Boolean))
    op.execute(ticket.update().where(ticket.c.policy_code != "default").values(contract_verified=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_column("mail_opt_out")
        batch_op.drop_column("follow_up_of")
        batch_op.drop_column("resolved_at")
        batch_op.drop_column("contract_verified")

    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_attachment_message_id"))

    op.drop_table("attachment")
    op.drop_table("ticket_rating")
    with op.batch_alter_table("organisation_product", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_product_organisation_id"))

    op.drop_table("organisation_product")
    with op.batch_alter_table("organisation_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_member_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_organisation_member_email"))

    op.drop_table("organisation_member")
    with op.batch_alter_table("organisation_domain", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_domain_organisation_id"))

    op.drop_table("organisation_domain")
    with op.batch_alter_table("organisation_contract", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_contract_organisation_id"))

    op.drop_table("organisation_contract")
    with op.batch_alter_table("sign_in_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_link_email"))

    op.drop_table("sign_in_link")
    op.drop_table("organisation")
    op.drop_table("customer_address")
    op.drop_table("attachment_blob")
