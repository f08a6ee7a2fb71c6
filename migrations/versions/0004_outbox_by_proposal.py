"""outbox: an index by proposal and chat

Each change to a proposal looks up its card in each subscribed group; without this index the
lookup read every message ever sent to the group (bench/RESULTS.md).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 07:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_proposal_id"), ["proposal_id", "chat_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_proposal_id"))
