"""The SOPs in force: what each `(code, version)` said when its first case was registered.

Running cases refer to their SOP by `(code, version)` and never copy it, so the file must not
change under them: start-up compares each loaded file with what is recorded here and refuses
one that changed without a new version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class SopVersion(Base):
    __tablename__ = "sop_versions"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the SOP's parsed content
    content: Mapped[str] = mapped_column(Text)  # the file as it was, for the record
    recorded_at: Mapped[datetime]
