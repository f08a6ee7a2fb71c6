"""Proposals: instances of an SOP. They name the SOP by code and version, never copy it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

OPEN = "berjalan"
CLOSED = "selesai"


class Proposal(Base):
    __tablename__ = "proposals"
    __table_args__ = (
        UniqueConstraint("sop_code", "year", "seq"),
        Index(None, "status", "registered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)  # registration number
    year: Mapped[int]
    seq: Mapped[int]
    title: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str | None] = mapped_column(String(32))
    origin: Mapped[str] = mapped_column(String(300))  # who proposes: an agency or a third party
    agency_unit: Mapped[str | None] = mapped_column(String(200))  # the regional agency concerned
    disposition_note: Mapped[str | None] = mapped_column(Text)
    # The SOP's own intake fields, by key: text, a choice, a date (ISO), or an official
    # ({"id", "name", "role"}); a file field is a document of the case instead.
    fields: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    sop_code: Mapped[str] = mapped_column(String(64))
    sop_version: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    outcome: Mapped[str | None] = mapped_column(String(64))
    verdict: Mapped[str | None] = mapped_column(String(64))  # decision of record, from the SOP
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("officials.id"))
    registered_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]

    def close(self, outcome: str, at: datetime) -> None:
        """It has reached one of its SOP's outcomes."""
        self.status, self.outcome, self.closed_at = CLOSED, outcome, at


class RegistrationCounter(Base):
    """The last sequence number given per SOP and year; one row, updated under a lock."""

    __tablename__ = "registration_counters"

    sop_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)
