"""The disposition sheet (lembar disposisi) of one case, and the code that proves it was issued.

A sheet is the case's header and every step's actor, instruction, decision, note and time, as of
the moment it is made (`timeline.step_times`, the one measure), with the dispositions given. It
carries a verification code, printed and in a QR code, that ties it to the audit chain at that
moment: issuing records `record_issued` with the code, the case's newest event and the chain's
head (its hash). `check` finds the sheet by its code and says for which case, at which state,
and whether the case has moved since; a code that was altered, forged or whose record was
tampered with is refused, and the refusal recorded.

The code is not drawn from the case's number: it is a digest of the chain's head hash (which no
one outside the database knows, and which changes with every event), the case, its newest event
and a random salt kept in the issuing event, in 9 letters and digits no one misreads (no 0/O,
1/I/L) and a check character that catches a mistyped or swapped character.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.core.sop.spec import SopSpec
from bot.records import cek_throttle
from bot.records.cases import CaseRecord, cases
from bot.records.issued import issued
from bot.records.timeline import StepTime
from bot.services import access
from bot.services.context import Context
from bot.services.errors import NotVisible, RestrictedInGroup
from bot.services.uow import UnitOfWork
from bot.storage import audit
from bot.storage.db import read_session
from models import AuditHead, Disposition, Event, Official, Proposal, Task

KIND = "lembar"
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 signs: no 0/O, no 1/I/L
BODY = 9  # signs drawn from the digest (44 bits); one more checks them
GROUP = 5  # shown as two groups: "ABCDE-FGHJK"
HELD = "ditahan"  # `Checked.refused` for an official held back (`cek_throttle`)

# Events after a sheet that do not change what it shows: the case has not moved for them.
STILL = frozenset(
    {
        "record_issued",
        "record_check_refused",
        "record_check_throttled",
        "action_refused",
        "input_refused",
        "task_nudged",
        "task_escalated",
        "message_failed",
        "update_set_aside",
    }
)


# -- the code --------------------------------------------------------------------------------


def _check_sign(body: str) -> str:
    """The sum of each sign's value times its place (1–9), modulo 31, a prime: any one sign
    changed, or any two swapped, changes it (ISO 7064's idea, in this alphabet)."""
    total = sum(place * ALPHABET.index(sign) for place, sign in enumerate(body, start=1))
    return ALPHABET[total % len(ALPHABET)]


def derive(*, proposal_id: int, last_event_id: int, last_hash: str, salt: str) -> str:
    """The code of a sheet issued for `proposal_id` when its newest event was `last_event_id`
    and the chain's head hash `last_hash` (10 signs, without the dash)."""
    source = f"{KIND}|{proposal_id}|{last_event_id}|{last_hash}|{salt}"
    value = int.from_bytes(hashlib.sha256(source.encode()).digest(), "big")
    signs = []
    for _ in range(BODY):
        value, index = divmod(value, len(ALPHABET))
        signs.append(ALPHABET[index])
    body = "".join(signs)
    return body + _check_sign(body)


def shown(code: str) -> str:
    """As printed and typed: "ABCDE-FGHJK"."""
    return f"{code[:GROUP]}-{code[GROUP:]}"


def normalized(typed: str) -> str | None:
    """The code as stored, from what someone typed (any case, spaces or dashes between); None
    when it cannot be one: a wrong length or a sign not in the alphabet."""
    code = "".join(typed.split()).replace("-", "").upper()
    if len(code) != BODY + 1 or any(sign not in ALPHABET for sign in code):
        return None
    return code


def typed_text(typed: str) -> str:
    """What was typed, as text the database and the audit chain can hold: bytes that were not
    UTF-8 (given at the console, Python keeps them as lone surrogates) become "?"."""
    return typed.encode("utf-8", "replace").decode("utf-8")


def well_formed(code: str) -> bool:
    return _check_sign(code[:-1]) == code[-1]


# -- what a sheet shows ----------------------------------------------------------------------


@dataclass
class SheetStep:
    """One step activation, as the sheet lists it."""

    time: StepTime
    decision: str | None = None  # the option chosen, as the SOP words it
    reasons: list[str] = field(default_factory=list)  # a return's reason, a decision's note
    # forwards, in order: (who passed it on, "to X: instruction")
    instructions: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (who, what they noted)
    received: list[str] = field(default_factory=list)  # a disposition's instruction to its actor


@dataclass
class SheetLine:
    """One recipient of a disposition."""

    name: str
    role: str
    instruction: str
    informs: bool
    read_at: datetime | None
    recalled_at: datetime | None


@dataclass
class SheetDisposition:
    step: int
    step_title: str
    given_by: str
    given_at: datetime
    note: str | None
    lines: list[SheetLine]


@dataclass
class Sheet:
    record: CaseRecord
    spec: SopSpec
    registration_note: str | None  # the registrar's note for the first to act
    steps: list[SheetStep]
    dispositions: list[SheetDisposition]
    last_event_id: int  # the case's newest event when the sheet was made
    head_id: int  # the chain's head then
    last_hash: str
    made_at: datetime
    made_by: str | None  # None: the operator at the console
    code: str = ""

    @property
    def state(self) -> dict[str, Any]:
        """Where the case stood: its open step, or its outcome (kept with the issuing event)."""
        current = self.record.current
        return {
            "status": self.record.status,
            "step": current.number if current else None,
            "step_title": current.title if current else None,
            "outcome": self.record.outcome,
            "outcome_title": self.record.outcome_title,
        }


async def gather(
    ctx: Context, number: str, *, viewer: access.Viewer | None, by: int | None = None
) -> Sheet:
    """Everything the sheet of case `number` shows, as of now, if `viewer` may see it (None:
    the console); NotVisible otherwise, whether it exists or not."""
    number = typed_text(number)
    record = None
    async for found in cases(ctx, viewer=viewer, number=number):
        record = found
    if record is None:
        raise NotVisible("not visible", number=number.strip()[:64])
    if viewer is not None and viewer.group_chat_id is not None and record.restricted:
        raise RestrictedInGroup("restricted in a group", number=record.number)
    spec = ctx.sops.get(record.sop_code, record.sop_version)
    async with read_session(ctx.engine) as session:
        note = await session.scalar(
            select(Proposal.disposition_note).where(Proposal.id == record.id)
        )
        steps = await _steps(session, spec, record)
        given = await _dispositions(session, spec, record.id)
        last = await session.scalar(
            select(func.max(Event.id)).where(Event.proposal_id == record.id)
        )
        head = await session.get(AuditHead, audit.HEAD_ID)
        made_by = None
        if by is not None:
            made_by = await session.scalar(select(Official.name).where(Official.id == by))
    return Sheet(
        record=record,
        spec=spec,
        registration_note=note,
        steps=steps,
        dispositions=given,
        last_event_id=last or 0,
        head_id=head.last_event_id if head else 0,
        last_hash=head.last_hash if head else audit.GENESIS,
        made_at=ctx.clock.now(),
        made_by=made_by,
    )


async def _steps(session: AsyncSession, spec: SopSpec, record: CaseRecord) -> list[SheetStep]:
    """Each step activation with what was said on it: forwards' instructions, notes, the
    reason of a return, the decision's option and note, the disposition's instruction."""
    tasks = list(
        await session.scalars(select(Task).where(Task.proposal_id == record.id).order_by(Task.id))
    )
    actor, to = aliased(Official), aliased(Official)
    said = (
        await session.execute(
            select(Event, actor.name)
            .outerjoin(actor, actor.id == Event.actor_id)
            .where(
                Event.proposal_id == record.id,
                Event.type.in_(("task_forwarded", "note_added")),
            )
            .order_by(Event.id)
        )
    ).all()
    ids = {int(e.payload["to"]) for e, _ in said if isinstance(e.payload.get("to"), int)}
    names = {i: n for i, n in await session.execute(select(to.id, to.name).where(to.id.in_(ids)))}
    seats = {
        d.id: d
        for d in await session.scalars(
            select(Disposition).where(Disposition.proposal_id == record.id)
        )
    }
    by_task: dict[int, list[tuple[Event, str | None]]] = defaultdict(list)
    for event, name in said:
        if event.task_id is not None:
            by_task[event.task_id].append((event, name))
    runs: dict[tuple[str, int], list[Task]] = defaultdict(list)
    for task in tasks:
        runs[(task.step_key, task.activation)].append(task)
    found = []
    for time in record.steps:
        line = SheetStep(time)
        step = spec.step(time.key)
        for task in runs[(time.key, time.activation)]:
            if task.note and task.action in ("reject", "decide"):
                line.reasons.append(task.note)
            if task.action == "decide" and step.decision is not None:
                option = step.decision.option(task.option or "")
                line.decision = option.label if option else task.option
            seat = seats.get(task.seat) if task.seat else None
            if seat is not None:
                line.received.append(_instruction(spec, seat))
            for event, who in by_task[task.id]:
                if event.type == "note_added":
                    line.notes.append((who or "—", str(event.payload.get("text") or "")))
                elif event.payload.get("to") is not None:
                    whom = names.get(event.payload["to"], "—")
                    words = event.payload.get("instruction")
                    line.instructions.append((who or "—", f"{whom}: {words}" if words else whom))
        found.append(line)
    return found


def _instruction(spec: SopSpec, row: Disposition) -> str:
    step = spec.step(row.step_key)
    found = step.disposition.instruction(row.instruction) if step.disposition else None
    return found.label if found else row.instruction


async def _dispositions(
    session: AsyncSession, spec: SopSpec, proposal_id: int
) -> list[SheetDisposition]:
    giver, person = aliased(Official), aliased(Official)
    rows = (
        await session.execute(
            select(Disposition, giver.name, person.name)
            .join(giver, giver.id == Disposition.given_by_id)
            .join(person, person.id == Disposition.official_id)
            .where(Disposition.proposal_id == proposal_id)
            .order_by(Disposition.id)
        )
    ).all()
    found: dict[int, SheetDisposition] = {}
    for row, given_by, name in rows:
        step = spec.step(row.step_key)
        sheet = found.get(row.given_task_id)
        if sheet is None:
            sheet = SheetDisposition(
                step.number, step.short_title, given_by, row.given_at, row.note, []
            )
            found[row.given_task_id] = sheet
        role = spec.roles[row.role].title if row.role in spec.roles else row.role
        sheet.lines.append(
            SheetLine(
                name,
                role,
                _instruction(spec, row),
                row.informs,
                row.read_at,
                row.recalled_at,
            )
        )
    return list(found.values())


# -- issuing ---------------------------------------------------------------------------------


async def number_of(ctx: Context, proposal_id: int) -> str:
    """A case's number, from a button's id (whether it may be seen, `issue` asks); NotVisible
    for an id that names no case, in the same words."""
    async with read_session(ctx.engine) as session:
        number = await session.scalar(select(Proposal.number).where(Proposal.id == proposal_id))
    if number is None:
        raise NotVisible("not visible", proposal=proposal_id)
    return number


@dataclass(frozen=True)
class Issued:
    number: str
    code: str
    content: bytes  # the PDF
    file_name: str
    restricted: bool  # its klasifikasi keeps it off group chats (sent protected)


def file_name(number: str) -> str:
    """'Lembar disposisi 0001-SM-2026.pdf': a case number's slashes are no file name's."""
    from bot.core.texts import text

    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in number)
    return text("lembar", "file_name", number=safe)


@dataclass(frozen=True)
class Made:
    """A sheet made and not yet recorded: the sheet, its case, and what its `record_issued`
    says (its code and the chain's state it was made at)."""

    sheet: Issued
    proposal_id: int
    payload: dict[str, Any]


async def make(ctx: Context, number: str, *, viewer: access.Viewer | None, by: int | None) -> Made:
    """Make the sheet of case `number` for `viewer` (None: the console), its code drawn from the
    chain's state now; the caller records it (`issue`, or with its delivery: `on_demand`)."""
    from bot.records.lembar_pdf import render

    sheet = await gather(ctx, number, viewer=viewer, by=by)
    salt = secrets.token_hex(8)
    sheet.code = derive(
        proposal_id=sheet.record.id,
        last_event_id=sheet.last_event_id,
        last_hash=sheet.last_hash,
        salt=salt,
    )
    content = render(sheet, ctx.settings.zone)  # made before it is recorded: no record of none
    record = sheet.record
    payload = {
        "code": sheet.code,
        "last_event_id": sheet.last_event_id,
        "last_hash": sheet.last_hash,
        "head_event_id": sheet.head_id,
        "salt": salt,
        "number": record.number,
        **sheet.state,
    }
    made = Issued(record.number, sheet.code, content, file_name(record.number), record.restricted)
    return Made(made, record.id, payload)


async def issue(
    ctx: Context, number: str, *, viewer: access.Viewer | None, by: int | None
) -> Issued:
    """Make the sheet of case `number` for `viewer` (None: the console) and record it issued."""
    made = await make(ctx, number, viewer=viewer, by=by)
    await issued(ctx, KIND, by=by, proposal_id=made.proposal_id, **made.payload)
    return made.sheet


# -- checking --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """What `/cek KODE` answers. `refused`: why the code is not a sheet's ("bentuk": not a code
    at all, "salah": a sign altered or mistyped, "tidak_ada": no sheet was issued with it,
    "rusak": the record of its issue was tampered with), or "ditahan": not checked, the official
    gave too many wrong codes (`cek_throttle`), for `wait_minutes`; otherwise the sheet's facts."""

    code: str  # as typed, cut short (for the refusal)
    refused: str | None = None
    wait_minutes: int = 0
    number: str | None = None
    title: str | None = None  # only for one who may see the case
    issued_at: datetime | None = None
    issued_by: str | None = None
    state: dict[str, Any] = field(default_factory=dict)
    moved: int = 0  # the case's events since, that change what the sheet shows
    moved_at: datetime | None = None  # the newest of them
    now: dict[str, Any] = field(default_factory=dict)  # where it stands now (if visible)

    @property
    def ok(self) -> bool:
        return self.refused is None


async def check(
    ctx: Context, typed: str, *, viewer: access.Viewer | None, by: int | None
) -> Checked:
    """Whether a sheet was issued with the code `typed`, for which case and at which state, and
    whether the case has moved since. A refusal is recorded (`record_check_refused`); an
    official `by` who gave too many wrong codes lately is not checked at all (`cek_throttle`)."""
    typed = typed_text(typed)
    code = normalized(typed)
    kept = " ".join(typed.split())[:24]
    if by is not None and await cek_throttle.held(ctx, by) is not None:
        back = await _held_back(ctx, kept, by)
        if back is not None:  # else the hold ended a moment ago: check as usual
            return back
    if code is None:
        return await _refuse(ctx, kept, "bentuk", by)
    if not well_formed(code):
        return await _refuse(ctx, shown(code), "salah", by)
    maker = aliased(Official)
    async with read_session(ctx.engine) as session:
        row = (
            await session.execute(
                select(Event, maker.name)
                .outerjoin(maker, maker.id == Event.actor_id)
                .where(
                    Event.type == "record_issued",
                    Event.payload["kind"].as_string() == KIND,
                    Event.payload["code"].as_string() == code,
                )
                .order_by(Event.id)
                .limit(1)
            )
        ).first()
        if row is None:
            return await _refuse(ctx, shown(code), "tidak_ada", by)
        event, made_by = row
        payload = event.payload
        if not _intact(event, code):
            return await _refuse(ctx, shown(code), "rusak", by, proposal_id=event.proposal_id)
        proposal = await session.get(Proposal, event.proposal_id)
        if proposal is None:
            return await _refuse(ctx, shown(code), "rusak", by, proposal_id=event.proposal_id)
        since = select(Event).where(
            Event.proposal_id == proposal.id,
            Event.id > int(payload["last_event_id"]),
            Event.type.not_in(STILL),
        )
        moved = await session.scalar(select(func.count()).select_from(since.subquery())) or 0
        moved_at = await session.scalar(
            select(func.max(Event.occurred_at)).where(
                Event.proposal_id == proposal.id,
                Event.id > int(payload["last_event_id"]),
                Event.type.not_in(STILL),
            )
        )
        sees = await _sees(session, ctx, viewer, proposal)
    state = {k: payload.get(k) for k in ("status", "step", "step_title", "outcome_title")}
    now: dict[str, Any] = {}
    if sees:
        now = await _standing(ctx, proposal)
    return Checked(
        code=shown(code),
        number=proposal.number,
        title=proposal.title if sees else None,
        issued_at=event.occurred_at,
        issued_by=made_by,
        state=state,
        moved=moved,
        moved_at=moved_at,
        now=now,
    )


def _intact(event: Event, code: str) -> bool:
    """The issuing event is as it was chained, and the code follows from what it holds."""
    payload = event.payload
    try:
        again = derive(
            proposal_id=int(event.proposal_id or 0),
            last_event_id=int(payload["last_event_id"]),
            last_hash=str(payload["last_hash"]),
            salt=str(payload["salt"]),
        )
    except (KeyError, TypeError, ValueError):
        return False
    return audit.digest(event) == event.hash and again == code


async def _sees(
    session: AsyncSession, ctx: Context, viewer: access.Viewer | None, proposal: Proposal
) -> bool:
    """May `viewer` read what the case is about (its title)? In a group, not a restricted one."""
    if viewer is None:
        return True
    now = ctx.clock.now()
    seeing = await access.visible(session, viewer, ctx.sops, now)
    found = await session.scalar(
        select(Proposal.id).where(Proposal.id == proposal.id, seeing), access.params(viewer, now)
    )
    if found is None:
        return False
    if viewer.group_chat_id is None:
        return True
    try:
        return not ctx.spec_of(proposal).restricted(proposal.fields)
    except KeyError:
        return False


async def _standing(ctx: Context, proposal: Proposal) -> dict[str, Any]:
    """Where the case stands now, in the terms of `Sheet.state`."""
    standing: dict[str, Any] = {}
    # To the end (the one case), as `gather` does: a generator left at its first case keeps its
    # read session open until the garbage collector closes it, outside this task.
    async for record in cases(ctx, number=proposal.number):
        current = record.current
        standing = {
            "status": record.status,
            "step": current.number if current else None,
            "step_title": current.title if current else None,
            "outcome_title": record.outcome_title,
        }
    return standing


async def _refuse(
    ctx: Context, code: str, reason: str, by: int | None, proposal_id: int | None = None
) -> Checked:
    """The refusal recorded; unless `by` turns out to be held (a try of theirs at the same
    time was the one refusal too many), when only the hold is."""
    async with UnitOfWork(ctx) as uow:
        held = await cek_throttle.gate(uow, by) if by is not None else None
        if held is None:
            uow.record(
                cek_throttle.REFUSED,
                actor_id=by,
                proposal_id=proposal_id,
                payload={"kind": KIND, "code": code, "reason": reason},
            )
        await uow.commit()
    if held is not None:
        return Checked(code=code, refused=HELD, wait_minutes=held.minutes_left(uow.now))
    return Checked(code=code, refused=reason)


async def _held_back(ctx: Context, code: str, by: int) -> Checked | None:
    """The answer to an official held back (the hold recorded once, as it starts); None if the
    hold has ended after all."""
    async with UnitOfWork(ctx) as uow:
        held = await cek_throttle.gate(uow, by)
        await uow.commit()
    if held is None:
        return None
    return Checked(code=code, refused=HELD, wait_minutes=held.minutes_left(uow.now))
