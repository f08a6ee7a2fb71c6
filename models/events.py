"""The audit trail: append-only events, each carrying the hash of the one before it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

# SQLite only auto-increments an INTEGER PRIMARY KEY.
EventId = BigInteger().with_variant(Integer(), "sqlite")


class Event(Base):
    __tablename__ = "events"
    # A disposition sheet is found again by its code among the `record_issued` events.
    __table_args__ = (Index(None, "type"),)

    # Ids are given by the writer holding the chain head lock: gap-free, so a removal shows.
    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime]
    type: Mapped[str] = mapped_column(String(48))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    step_key: Mapped[str | None] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The chain's head, one row: writers lock it, so the chain never forks between instances,
    and removing the newest events is detected because the head still names them."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_event_id: Mapped[int] = mapped_column(EventId, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(EventId, default=0)
