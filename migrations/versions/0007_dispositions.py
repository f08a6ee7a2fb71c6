"""dispositions: a head's disposition to several officials, each with an instruction

A disposition step's recipients each get a task in the next step, several of them possibly in
one role: a task's uniqueness now counts its seat (the disposition row), 0 for every other task.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = "uq_tasks_proposal_id_step_key_activation_role"
_NEW = "uq_tasks_proposal_id_step_key_activation_role_seat"


def upgrade() -> None:
    op.create_table(
        "dispositions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("step_key", sa.String(length=64), nullable=False),
        sa.Column("given_task_id", sa.Integer(), nullable=False),
        sa.Column("given_by_id", sa.Integer(), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("official_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("instruction", sa.String(length=64), nullable=False),
        sa.Column("informs", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recalled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["given_by_id"], ["officials.id"], name=op.f("fk_dispositions_given_by_id_officials")
        ),
        sa.ForeignKeyConstraint(
            ["given_task_id"], ["tasks.id"], name=op.f("fk_dispositions_given_task_id_tasks")
        ),
        sa.ForeignKeyConstraint(
            ["official_id"], ["officials.id"], name=op.f("fk_dispositions_official_id_officials")
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposals.id"], name=op.f("fk_dispositions_proposal_id_proposals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispositions")),
    )
    with op.batch_alter_table("dispositions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dispositions_official_id"), ["official_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_dispositions_proposal_id"), ["proposal_id", "step_key"], unique=False
        )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seat", sa.Integer(), server_default="0", nullable=False))
        batch_op.drop_constraint(_OLD, type_="unique")
        batch_op.create_unique_constraint(
            _NEW, ["proposal_id", "step_key", "activation", "role", "seat"]
        )


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_constraint(_NEW, type_="unique")
        batch_op.create_unique_constraint(_OLD, ["proposal_id", "step_key", "activation", "role"])
        batch_op.drop_column("seat")
    with op.batch_alter_table("dispositions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispositions_proposal_id"))
        batch_op.drop_index(batch_op.f("ix_dispositions_official_id"))
    op.drop_table("dispositions")
