"""progress: written answers graded by trainers, and per-cohort cache versions

- `grades.score` becomes nullable (NULL: a written answer awaiting a trainer's grade) and gains the trainer's
  grade (`manual_score`, `manual_comment`, `manual_by_id`, `manual_at`);
- `written_answers` (the learner's Markdown answer, one per grade) and `manual_grades` (audit trail);
- `scope_versions`: cache counters per cohort / learner, so a write in one cohort keeps the others' caches.

Revision ID: 0002_progress_written_answers
Revises: 0001_progress_core
Create Date: 2026-12-01 07:55:07.537800
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import progress_api.models.common

revision: str = "0002_progress_written_answers"
down_revision: str | Sequence[str] | None = "0001_progress_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MANUAL_BY_FK = "fk_grades_manual_by_id_users"


def upgrade() -> None:
    # On SQLite this recreates `grades` ("move and copy"); env.py turns foreign keys off meanwhile, else dropping
    # the old table would cascade-delete the overrides that reference it.
    with op.batch_alter_table("grades", schema=None) as batch_op:
        batch_op.alter_column("score", existing_type=sa.Float(), nullable=True)
        batch_op.add_column(sa.Column("manual_score", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("manual_comment", sa.String(length=4000), nullable=True))
        batch_op.add_column(sa.Column("manual_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("manual_at", progress_api.models.common.UTCTimestamp(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(MANUAL_BY_FK, "users", ["manual_by_id"], ["id"], ondelete="SET NULL")

    op.create_table(
        "written_answers",
        sa.Column("grade_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("received_at", progress_api.models.common.UTCTimestamp(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["grade_id"], ["grades.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("grade_id"),
    )
    op.create_table(
        "manual_grades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grade_id", sa.Integer(), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("at", progress_api.models.common.UTCTimestamp(timezone=True), nullable=False),
        sa.Column("old_score", sa.Float(), nullable=True),
        sa.Column("new_score", sa.Float(), nullable=False),
        sa.Column("comment", sa.String(length=4000), nullable=True),
        sa.ForeignKeyConstraint(["by_user_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["grade_id"], ["grades.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("manual_grades", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_manual_grades_grade_id"), ["grade_id"], unique=False)

    op.create_table(
        "scope_versions",
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("ref", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "ref"),
    )


def downgrade() -> None:
    op.drop_table("scope_versions")
    with op.batch_alter_table("manual_grades", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_manual_grades_grade_id"))
    op.drop_table("manual_grades")
    op.drop_table("written_answers")
    # The old schema cannot hold an ungraded answer: keep the trainers' grades as the score, drop what is pending.
    op.execute("UPDATE grades SET score = manual_score WHERE score IS NULL AND manual_score IS NOT NULL")
    op.execute("DELETE FROM grade_overrides WHERE grade_id IN (SELECT id FROM grades WHERE score IS NULL)")
    op.execute("DELETE FROM grades WHERE score IS NULL")
    with op.batch_alter_table("grades", schema=None) as batch_op:
        batch_op.drop_constraint(MANUAL_BY_FK, type_="foreignkey")
        batch_op.drop_column("manual_at")
        batch_op.drop_column("manual_by_id")
        batch_op.drop_column("manual_comment")
        batch_op.drop_column("manual_score")
        batch_op.alter_column("score", existing_type=sa.Float(), nullable=False)
