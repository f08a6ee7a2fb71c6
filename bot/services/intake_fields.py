"""The questions an SOP declares for intake (`intake.fields`), as rows of the wizard's table.

Each declared field becomes one `intake.Question`, asked after the built-in ones and before the
disposition note: a text or a date is typed, a choice or an official is one tap, a file is sent.
Answers are kept under `f:<key>` in the conversation, and stored with the case by key
(`Proposal.fields`): a date as ISO text, an official as {"id", "name", "role"} so that a step's
`actor_from` can give that person the task.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.render import MONTHS
from bot.core.sop.spec import IntakeField, SopSpec
from bot.services import roster
from bot.services.access import in_force
from bot.services.context import Context
from bot.services.errors import FieldRefused, InvalidInput
from bot.storage.db import read_session
from models import Official, RoleAssignment

GRADES = ("urgency", "classification")  # a case's sifat and klasifikasi, kept with its fields
_GRADE_WORDS = {"urgency": "Sifat", "classification": "Klasifikasi"}  # where the SOP names none
PREFIX = "f:"  # where a declared field's answer is kept among the intake's answers
FIELD_VERB = "if"  # the callback verb of a declared choice's buttons (one question at a time)

# What an official types for a date: 3-12-2026, 3/12/2026, 2026-12-03, 3 Des 2026, 3 Desember 2026.
_NUMERIC = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_WORDS = re.compile(r"(\d{1,2})\s+([a-z]+)\s+(\d{4})")


class BadDate(InvalidInput):
    code = "bad_date"


def answer_key(field: IntakeField) -> str:
    return f"{PREFIX}{field.key}"


def parse_date(text: str) -> str:
    """The date an official typed, as ISO text; BadDate (said with an example) otherwise."""
    written = " ".join(text.lower().split())
    found: tuple[int, int, int] | None = None
    if match := _ISO.fullmatch(written):
        found = (int(match[1]), int(match[2]), int(match[3]))
    elif match := _NUMERIC.fullmatch(written):
        found = (int(match[3]), int(match[2]), int(match[1]))
    elif match := _WORDS.fullmatch(written):
        month = next((i for i, m in enumerate(MONTHS, 1) if match[2].startswith(m.lower())), None)
        if month is not None:
            found = (int(match[3]), month, int(match[1]))
    try:
        if found is None:
            raise ValueError(written)
        return date(*found).isoformat()
    except ValueError:
        raise BadDate("not a date", text=text[:40]) from None


async def officials(ctx: Context, field: IntakeField) -> list[tuple[str, dict[str, Any]]]:
    """(button label, kept value) of each active official holding one of the field's roles,
    in the order the field names the roles, each official once."""
    now = ctx.clock.now()
    found: list[tuple[str, dict[str, Any]]] = []
    seen: set[int] = set()
    async with read_session(ctx.engine) as session:
        for role in field.roles:
            rows = await session.execute(
                select(Official.id, Official.name)
                .join(RoleAssignment, RoleAssignment.official_id == Official.id)
                .where(
                    RoleAssignment.role == role,
                    RoleAssignment.acting_for_id.is_(None),
                    in_force(now),
                    Official.active.is_(True),
                )
                .order_by(RoleAssignment.id)
            )
            for official_id, name in rows:
                if official_id in seen:
                    continue
                seen.add(official_id)
                found.append((name, {"id": official_id, "name": name, "role": role}))
    return found


def check_values(spec: SopSpec, fields: dict[str, Any]) -> None:
    """Each declared answer given is one its field can keep: a choice among its options, a date
    as ISO text, an official as the wizard keeps one (who they are is `check_officials`')."""
    for f in spec.intake.fields:
        value = fields.get(f.key)
        if value in (None, ""):
            continue  # a required field left out is refused apart
        if f.type == "choice" and value not in f.options:
            raise _refused(f, "choice", value)
        if f.type == "date" and not _iso_date(value):
            raise _refused(f, "date", value)
        if f.type == "official" and _named(f, value) is None:
            raise _refused(f, "official", value)


async def check_officials(
    session: AsyncSession, spec: SopSpec, fields: dict[str, Any], at: datetime
) -> None:
    """Each official named in a declared field is, at `at`, registered and active and holds the
    role they were chosen in (one of the field's `roles`) in their own right, as `officials`
    offers them: one deactivated or moved after being chosen is refused, to be chosen again."""
    for f in spec.intake.fields:
        value = fields.get(f.key)
        if f.type != "official" or value in (None, ""):
            continue
        named = _named(f, value)
        official = await session.get(Official, named[0]) if named else None
        if (
            named is None
            or official is None
            or not official.active
            or not await roster.holds_any(session, official.id, (named[1],), at)
        ):
            raise _refused(f, "official", value)


def _named(f: IntakeField, value: Any) -> tuple[int, str] | None:
    """(official id, role) of an official field's answer; None if it is not one."""
    if not isinstance(value, dict):
        return None
    official, role = value.get("id"), value.get("role")
    if isinstance(official, bool) or not isinstance(official, int) or role not in f.roles:
        return None
    return official, str(role)


def _iso_date(value: Any) -> bool:
    try:
        return isinstance(value, str) and date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


def _refused(f: IntakeField, reason: str, value: Any) -> FieldRefused:
    shown = value.get("name") if isinstance(value, dict) else value
    return FieldRefused(
        f"{f.key}: not a {f.type} it can keep",
        field=f.key,
        label=f.label,
        reason=reason,
        value=str(shown or "")[:40],
    )


def stored(spec: SopSpec, answers: dict[str, Any]) -> dict[str, Any]:
    """The declared fields' answers as kept with the case (files are documents instead)."""
    declared = {
        f.key: answers.get(answer_key(f))
        for f in spec.intake.fields
        if f.type != "file" and answers.get(answer_key(f)) is not None
    }
    graded = {k: answers[k] for k in GRADES if answers.get(k) is not None}
    return graded | declared


def shown(
    spec: SopSpec, values: dict[str, Any] | None, *, usual: bool = True
) -> list[dict[str, str]]:
    """(label, value) of each answered field, as a message shows it. Without `usual`, a sifat
    or klasifikasi at its first, usual level ("Biasa") is left out: on every task message of a
    case it says nothing an official acts on, and a phone screen is short."""
    values = values or {}
    rows = []
    for name in GRADES:
        grades = spec.urgency if name == "urgency" else spec.classification
        level = grades.level(values.get(name)) if grades else None
        if grades is None or level is None:
            continue
        if not usual and level.key == next(iter(grades.levels)):
            continue
        rows.append({"label": grades.label or _GRADE_WORDS[name], "value": level.title})
    rows += [{"label": f.label, "value": value} for f, value in answered(spec, values, _day)]
    return rows


def answered(
    spec: SopSpec, values: dict[str, Any], day: Callable[[str], str]
) -> Iterator[tuple[IntakeField, str]]:
    """Each declared field answered (files aside, they are documents) with its value as text:
    an official by name, a date as `day` writes it (kept as typed if it is no date)."""
    for f in spec.intake.fields:
        value = values.get(f.key)
        if value is None or f.type == "file":
            continue
        if f.type == "official" and isinstance(value, dict):
            value = value.get("name", "")
        elif f.type == "date":
            value = day(str(value))
        yield f, str(value)


def _day(iso: str) -> str:
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
