"""Who acts: officials and the roles they hold, including acting (Plh/Plt) delegations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Official(Base):
    __tablename__ = "officials"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    nip: Mapped[str | None] = mapped_column(String(32))  # Nomor Induk Pegawai
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class RoleAssignment(Base):
    """An official holds a role (of any SOP) in a unit for a period.

    With `acting_for_id` set it is a delegation: the official acts (Plh/Plt) for the holder
    `acting_for_id` in that role between `valid_from` and `valid_until`.
    """

    __tablename__ = "role_assignments"
    __table_args__ = (Index(None, "role", "unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id"), index=True)
    role: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str | None] = mapped_column(String(200))
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    acting_for_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"), index=True)
    acting_kind: Mapped[str | None] = mapped_column(String(8))  # "plh" or "plt"
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    def in_force(self, at: datetime) -> bool:
        return (
            self.revoked_at is None
            and (self.valid_from is None or self.valid_from <= at)
            and (self.valid_until is None or at < self.valid_until)
        )
