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
        UniqueConstraint("proposal_id", "step_key", "activation", "role", "seat"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"))
    step_key: Mapped[str] = mapped_column(String(64))
    activation: Mapped[int]  # 1 the first time the proposal enters this step, 2 after a loop…
    role: Mapped[str] = mapped_column(String(64))
    # 0, or for the task of an official a disposition asked to act, that disposition row's id:
    # several recipients may hold one role, and each has a task of their own.
    seat: Mapped[int] = mapped_column(default=0, server_default="0")
    unit: Mapped[str | None] = mapped_column(String(200))  # for a role held per agency
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    forwarded_to_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    forward_note: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime]
    target_due_at: Mapped[datetime | None]
    limit_due_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    # approve, reject, decide, dispose; superseded, recalled (its disposition taken back)
    action: Mapped[str | None] = mapped_column(String(16))
    option: Mapped[str | None] = mapped_column(String(64))  # the decision option chosen
    note: Mapped[str | None] = mapped_column(Text)  # reason for a rejection, note on a decision
    version: Mapped[int] = mapped_column(default=1)  # drawn into buttons; bumped on every change
    # The reminder schedule lives here, not in the scheduler, so a restart loses nothing.
    next_reminder_at: Mapped[datetime | None]  # None: finished, or reminders off for its SOP
    reminders_sent: Mapped[int] = mapped_column(default=0, server_default="0")
    escalated_at: Mapped[datetime | None]  # when the superior was told (once per task)

    # The changes a task goes through, each with what it implies, so that no caller sets these
    # fields by hand: any change makes the buttons drawn before it stale (the version), and a
    # finished task is reminded no more.

    def complete(
        self,
        at: datetime,
        by: int | None,
        action: str,
        option: str | None = None,
        note: str | None = None,
    ) -> None:
        """Done by `by` with `action` (approve, reject, decide)."""
        self.completed_at, self.completed_by_id, self.action = at, by, action
        self.option, self.note = option, note
        self._finished()

    def supersede(self, at: datetime) -> None:
        """Its step was settled by another actor's task (a rejection, a decision)."""
        self.completed_at, self.action = at, "superseded"
        self._finished()

    def recall(self, at: datetime) -> None:
        """The disposition that gave it was recalled before anyone acted on it."""
        self.completed_at, self.action = at, "recalled"
        self._finished()

    def forward_to(self, official_id: int | None, instruction: str | None) -> None:
        """Passed to a colleague (a disposition), or, with None, back from one."""
        self.forwarded_to_id, self.forward_note = official_id, instruction
        self._changed()

    def assign(self, official_id: int | None) -> None:
        """Given to (another) holder of its role, or, with None, to nobody yet."""
        self.assignee_id = official_id
        self._changed()

    def hand_over(self, leaver_id: int, successor_id: int | None) -> None:
        """`leaver_id` leaves the role or the office: a forward to them ends, and if the task
        is theirs it goes to `successor_id`. Someone new: the superior may be told again."""
        if self.forwarded_to_id == leaver_id:
            self.forwarded_to_id, self.forward_note = None, None
        if self.assignee_id == leaver_id:
            self.assignee_id = successor_id
        self.escalated_at = None
        self._changed()

    def escalate(self, at: datetime) -> None:
        """Its actor's superior has been told (once per holder)."""
        self.escalated_at = at

    def restart_reminders(self, at: datetime, grace_until: datetime) -> None:
        """Someone new holds it: no reminders counted against them, and, if it is already
        overdue, a grace interval before the first."""
        self.reminders_sent = 0
        due, overdue = self.next_reminder_at, self.target_due_at
        if due is not None and overdue is not None and at >= overdue:
            self.next_reminder_at = max(due, grace_until)

    def _finished(self) -> None:
        self.next_reminder_at = None
        self._changed()

    def _changed(self) -> None:
        self.version += 1
