"""task reminders: each open task carries its next reminder time

The sweep claims tasks whose `next_reminder_at` has passed, through an index, so the schedule
survives restarts and its cost does not grow with the number of open tasks. Open tasks that
exist before this revision are scheduled from their target due time.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_reminder_at", sa.DateTime(timezone=True)))
        batch_op.add_column(
            sa.Column("reminders_sent", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True)))
        batch_op.create_index(
            batch_op.f("ix_tasks_next_reminder_at"), ["next_reminder_at"], unique=False
        )
    op.execute(
        "UPDATE tasks SET next_reminder_at = target_due_at "
        "WHERE completed_at IS NULL AND target_due_at IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tasks_next_reminder_at"))
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("reminders_sent")
        batch_op.drop_column("next_reminder_at")
