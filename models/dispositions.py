"""A head's disposition: one row per official it goes to, with the standard instruction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Disposition(Base):
    """One line of a disposition sheet: to `official_id`, "Tindak lanjuti" or "Untuk diketahui".

    The rows of one disposition share the head's task (`given_task_id`). A recipient asked to act
    gets a task in the next step whose `seat` is this row's id; one only informed gets none and
    may confirm having read it. A recalled disposition keeps its rows, marked `recalled_at`."""

    __tablename__ = "dispositions"
    __table_args__ = (
        Index(None, "proposal_id", "step_key"),
        Index(None, "official_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"))
    step_key: Mapped[str] = mapped_column(String(64))  # the disposition step
    given_task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    given_by_id: Mapped[int] = mapped_column(ForeignKey("officials.id"))
    given_at: Mapped[datetime]
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id"))
    role: Mapped[str] = mapped_column(String(64))  # the role they receive it in
    instruction: Mapped[str] = mapped_column(String(64))  # the instruction's key in the SOP
    informs: Mapped[bool] = mapped_column(default=False)  # told only: no task
    note: Mapped[str | None] = mapped_column(Text)  # the head's note, the same on every row
    read_at: Mapped[datetime | None]  # an informed recipient confirmed having read it
    recalled_at: Mapped[datetime | None]
