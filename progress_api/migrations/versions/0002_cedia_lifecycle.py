"""CEDIA: versioned milestones and blockers, archived projects, data relays flagged in the roster.

Revision ID: 0002_cedia_lifecycle
Revises: 0001_cedia
Create Date: 2026-11-24 08:00:00

Existing milestones and blockers start at version 1; no project is archived.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import progress_api.models.common

revision: str = "0002_cedia_lifecycle"
down_revision: str | Sequence[str] | None = "0001_cedia"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cedia_projects", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("archived_at", progress_api.models.common.UTCTimestamp(timezone=True), nullable=True)
        )
    for table in ("cedia_milestones", "cedia_blockers"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "cedia_relays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("designated_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", progress_api.models.common.UTCTimestamp(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id"),
    )
    with op.batch_alter_table("cedia_relays", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cedia_relays_unit"), ["unit"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cedia_relays", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cedia_relays_unit"))
    op.drop_table("cedia_relays")
    for table in ("cedia_blockers", "cedia_milestones"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
    with op.batch_alter_table("cedia_projects", schema=None) as batch_op:
        batch_op.drop_column("archived_at")
