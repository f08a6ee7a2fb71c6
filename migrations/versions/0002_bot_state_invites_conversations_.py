"""bot state: invites, conversations, received updates, outbox edits and leases

Also: one task per actor per step activation, enforced by the database; and the
events table made append-only by a trigger (the hash chain still tells if someone
with the rights to drop the trigger rewrites history).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 03:50:31.330076
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_conversations")),
    )
    op.create_table(
        "received_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_received_updates")),
    )
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=True),
        sa.Column("unit", sa.String(length=200), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["officials.id"], name=op.f("fk_invites_created_by_id_officials")
        ),
        sa.ForeignKeyConstraint(
            ["used_by_id"], ["officials.id"], name=op.f("fk_invites_used_by_id_officials")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invites_token_hash")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("task_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("kind", sa.String(length=8), nullable=False))
        batch_op.add_column(sa.Column("edit_of_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_outbox_chat_id"), ["chat_id", "telegram_message_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outbox_edit_of_id"), ["edit_of_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_task_id"), ["task_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_edit_of_id_outbox"), "outbox", ["edit_of_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_task_id_tasks"), "tasks", ["task_id"], ["id"]
        )

    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit", sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_tasks_proposal_id_step_key_activation_role"),
            ["proposal_id", "step_key", "activation", "role"],
        )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'events are append-only'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
            "FOR EACH ROW EXECUTE FUNCTION events_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER events_no_{verb.lower()} BEFORE {verb} ON events "
                "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS events_append_only ON events")
        op.execute("DROP FUNCTION IF EXISTS events_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS events_no_update")
        op.execute("DROP TRIGGER IF EXISTS events_no_delete")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_tasks_proposal_id_step_key_activation_role"), type_="unique"
        )
        batch_op.drop_column("unit")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_outbox_task_id_tasks"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_outbox_edit_of_id_outbox"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_outbox_task_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_edit_of_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_chat_id"))
        batch_op.drop_column("lease_until")
        batch_op.drop_column("edit_of_id")
        batch_op.drop_column("kind")
        batch_op.drop_column("task_id")

    op.drop_table("invites")
    op.drop_table("received_updates")
    op.drop_table("conversations")
