"""What the bot remembers between two messages, kept in the database so that a restart or a
second instance loses nothing: invitations, half-finished conversations, received updates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Invite(Base):
    """A one-time registration link. Only the token's SHA-256 is stored."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str | None] = mapped_column(String(64))  # None: an admin without an SOP role
    unit: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))


class Conversation(Base):
    """The one thing the bot is waiting for from a user: a reason, a file, an instruction…"""

    __tablename__ = "conversations"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class ReceivedUpdate(Base):
    """The inbox: every update taken in, by Telegram's update id, stored before it is
    acknowledged (a webhook's 200, a polling offset) and marked handled in the same transaction
    as its effects, so none is lost across a crash and none is handled twice.

    An instance handling an update holds a lease on it; an update whose lease ran out unhandled
    (its instance died) is taken up again, and one that failed `attempts` times is set aside
    with its error for the admins, never retried forever."""

    __tablename__ = "received_updates"
    __table_args__ = (Index(None, "handled_at", "set_aside_at"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    received_at: Mapped[datetime]
    handled_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    lease_until: Mapped[datetime | None]  # an instance is handling it until then
    error: Mapped[str | None] = mapped_column(Text)  # the last failure, secrets redacted
    set_aside_at: Mapped[datetime | None]  # given up on after too many failures
