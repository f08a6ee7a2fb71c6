"""Tasks: one per actor per step activation. The unit that officials act on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        Index(None, "assignee_id", "completed_at"),
        Index(None, "forwarded_to_id", "completed_at"),
        Index(None, "proposal_id", "step_key", "activation"),
        # The reminder sweep reads only the head of this index: its cost does not grow with
        # the number of open tasks. Finished tasks have no next reminder, so they stay out.
        Index(None, "next_reminder_at"),
        UniqueConstraint("proposal_id", "step_key", "activation", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"))
    step_key: Mapped[str] = mapped_column(String(64))
    activation: Mapped[int]  # 1 the first time the proposal enters this step, 2 after a loop…
    role: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str | None] = mapped_column(String(200))  # for a role held per agency
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    forwarded_to_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    forward_note: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime]
    target_due_at: Mapped[datetime | None]
    limit_due_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    action: Mapped[str | None] = mapped_column(String(16))  # approve, reject, decide, superseded
    option: Mapped[str | None] = mapped_column(String(64))  # the decision option chosen
    note: Mapped[str | None] = mapped_column(Text)  # reason for a rejection, note on a decision
    version: Mapped[int] = mapped_column(default=1)  # drawn into buttons; bumped on every change
    # The reminder schedule lives here, not in the scheduler, so a restart loses nothing.
    next_reminder_at: Mapped[datetime | None]  # None: finished, or reminders off for its SOP
    reminders_sent: Mapped[int] = mapped_column(default=0, server_default="0")
    escalated_at: Mapped[datetime | None]  # when the superior was told (once per task)

    @property
    def is_open(self) -> bool:
        return self.completed_at is None
