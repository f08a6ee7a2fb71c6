"""inbox leases and the SOPs in force

Updates are marked handled in the same transaction as their effects, under a lease, and set
aside after repeated failures; each SOP version that has cases records its content so that a
file changed under the same version is refused at start-up.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("received_updates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("error", sa.Text()))
        batch_op.add_column(sa.Column("set_aside_at", sa.DateTime(timezone=True)))
        batch_op.create_index(
            batch_op.f("ix_received_updates_handled_at"),
            ["handled_at", "set_aside_at"],
            unique=False,
        )
    op.create_table(
        "sop_versions",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", "version", name=op.f("pk_sop_versions")),
    )


def downgrade() -> None:
    op.drop_table("sop_versions")
    with op.batch_alter_table("received_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_received_updates_handled_at"))
        batch_op.drop_column("set_aside_at")
        batch_op.drop_column("error")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("attempts")
