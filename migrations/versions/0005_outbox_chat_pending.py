"""outbox: an index of each chat's pending rows

The sender's claim skips a row while an earlier row of its chat is held back (a 429); this
index finds a chat's pending rows without reading its whole history.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 09:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_chat_pending", ["chat_id", "status", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_chat_pending")
