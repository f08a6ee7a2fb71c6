"""Messages to send, written in the same transaction as the change that causes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

PENDING = "pending"
SENT = "sent"
FAILED = "failed"  # every attempt failed; the admins were told
DEAD = "dead"  # Telegram will never take it (blocked by the user, chat gone)
SUPERSEDED = "superseded"  # an edit overtaken by a newer edit of the same message

SEND = "send"
EDIT = "edit"
DOCUMENT = "document"  # a file from the archive, with its caption (a letter draft)


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index(None, "status", "next_attempt_at"),
        Index(None, "task_id"),
        Index(None, "chat_id", "telegram_message_id"),
        Index(None, "proposal_id", "chat_id"),  # a group's card for a proposal
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    template: Mapped[str] = mapped_column(String(64))
    context: Mapped[dict[str, Any]] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    kind: Mapped[str] = mapped_column(String(8), default=SEND)
    edit_of_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), index=True)
    lease_until: Mapped[datetime | None]  # a sender holds the row until then
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)


class GroupSubscription(Base):
    """A team group chat that follows the proposals of one SOP (or all, when sop_code is None)."""

    __tablename__ = "group_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    title: Mapped[str] = mapped_column(String(255))
    sop_code: Mapped[str | None] = mapped_column(String(64))
    subscribed_by_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    subscribed_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(default=True)
