"""Read-only questions: my open tasks, a proposal's history, proposals by status, search.

Reads run in a DEFERRED transaction (SQLite) so they never wait for the write lock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.core.sop.spec import SopSpec, Step
from bot.services import access
from bot.services.context import Context
from bot.services.errors import NotVisible, RestrictedInGroup, SopGone
from bot.services.once import CURRENT
from bot.services.roster import in_force
from bot.storage.db import read_session
from models import Document, Event, Official, OutboxMessage, Proposal, RoleAssignment, Task
from models.outbox import DOCUMENT, SEND


@asynccontextmanager
async def reading(ctx: Context) -> AsyncIterator[AsyncSession]:
    async with read_session(ctx.engine) as session:
        yield session


@dataclass(frozen=True)
class OpenTask:
    task_id: int
    version: int
    proposal_id: int
    number: str
    title: str
    step_key: str
    role: str
    started_at: datetime
    target_due_at: datetime | None
    limit_due_at: datetime | None
    via: str  # "assignee" | "forwarded" | "delegate" | "holder"


async def my_open_tasks(ctx: Context, official_id: int) -> list[OpenTask]:
    """Tasks the official may act on now (`access`'s rule, as the gate asks it), the most
    overdue first."""
    query = (
        select(Task, Proposal.number, Proposal.title, access.VIA)
        .join(Proposal, Proposal.id == Task.proposal_id)
        .where(Task.completed_at.is_(None), access.MAY_ACT)
        .order_by(Task.target_due_at.is_(None), Task.target_due_at, Task.id)
    )
    async with reading(ctx) as session:
        rows = (await session.execute(query, {"me": official_id, "at": ctx.clock.now()})).all()
    return [
        OpenTask(
            task.id,
            task.version,
            task.proposal_id,
            number,
            title,
            task.step_key,
            task.role,
            task.started_at,
            task.target_due_at,
            task.limit_due_at,
            via,
        )
        for task, number, title, via in rows
    ]


@dataclass(frozen=True)
class HistoryEntry:
    event_id: int
    occurred_at: datetime
    type: str
    step_key: str | None
    actor: str | None
    on_behalf_of: str | None
    payload: dict[str, Any]
    # What the SOP calls the step, option and outcome the entry names: people read titles.
    names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HistoryPage:
    proposal: Proposal
    entries: list[HistoryEntry]
    page: int  # 0 the oldest
    pages: int
    total: int  # entries in the history, refusals left out


HISTORY_PAGE = 15
# Taps refused by the gate stay in the audit record; the history a person reads leaves them out,
# or a stranger pressing old buttons would push what happened off the page.
_NOT_HISTORY = ("action_refused",)


async def _visible_proposal(
    session: AsyncSession, ctx: Context, viewer: access.Viewer, condition: ColumnElement[bool]
) -> Proposal:
    """The proposal matching `condition`, if the viewer may see it; NotVisible otherwise —
    the same refusal whether it exists or not, so numbers cannot be probed."""
    now = ctx.clock.now()
    seeing = await access.visible(session, viewer, ctx.sops, now)
    found = await session.scalar(
        select(Proposal).where(condition, seeing), access.params(viewer, now)
    )
    if found is None:
        raise NotVisible("not visible", viewer=viewer.official.id)
    return found


def restricted(ctx: Context, proposal: Proposal) -> bool:
    """Does the case's klasifikasi keep it off group chats? A case whose SOP version has left
    SOP_DIR (closed since) counts as restricted: its class is unknown."""
    try:
        return ctx.spec_of(proposal).restricted(proposal.fields)
    except KeyError:
        return True


def _hidden_from(ctx: Context, viewer: access.Viewer, proposal: Proposal) -> bool:
    """A restricted case asked about in a group chat: what it is stays out of the answer."""
    return viewer.group_chat_id is not None and restricted(ctx, proposal)


def _not_in_group(ctx: Context, viewer: access.Viewer, proposal: Proposal) -> None:
    if _hidden_from(ctx, viewer, proposal):
        raise RestrictedInGroup("restricted in a group", number=proposal.number)


def _proposal_is(proposal: int | str) -> ColumnElement[bool]:
    if isinstance(proposal, int):
        return Proposal.id == proposal
    return Proposal.number == proposal.strip()


def _names(spec: SopSpec, event: Event) -> dict[str, str]:
    """Titles for the keys an event holds; a key the SOP no longer has is shown as it is."""
    names: dict[str, str] = {}
    step = next((s for s in spec.steps if s.key == event.step_key), None)
    if step is not None:
        names["step"] = f"{step.number}. {step.short_title}"
        option = step.decision.option(str(event.payload.get("option"))) if step.decision else None
        if option is not None:
            names["option"] = option.label
        recipients = event.payload.get("recipients")
        if step.disposition is not None and isinstance(recipients, list):
            names["recipients"] = "; ".join(
                f"{r.get('name')} — {_instruction(step, r.get('instruction'))}"
                for r in recipients
                if isinstance(r, dict)
            )
    outcome = spec.outcomes.get(str(event.payload.get("outcome")))
    if outcome is not None:
        names["outcome"] = outcome.title
    return names


def _instruction(step: Step, key: object) -> str:
    found = step.disposition.instruction(key) if step.disposition else None
    return found.label if found else str(key)


def _titles_of(ctx: Context, proposal: Proposal) -> SopSpec | None:
    """The SOP whose titles a history shows: its own version; a closed case whose version has
    left SOP_DIR, the newest version of its SOP (its steps' keys stay), else none (keys)."""
    try:
        return ctx.spec_of(proposal)
    except KeyError:
        pass
    try:
        return ctx.sops.get(proposal.sop_code)
    except KeyError:
        return None


async def proposal_history(
    ctx: Context, proposal: int | str, viewer: access.Viewer, page: int | None = None
) -> HistoryPage:
    """One page of a proposal's events (by id or registration number), oldest first; by
    default the newest page."""
    actor, holder = aliased(Official), aliased(Official)
    async with reading(ctx) as session:
        found = await _visible_proposal(session, ctx, viewer, _proposal_is(proposal))
        _not_in_group(ctx, viewer, found)  # titles, fields and file names on every page
        mine = and_(Event.proposal_id == found.id, Event.type.not_in(_NOT_HISTORY))
        total = await session.scalar(select(func.count(Event.id)).where(mine)) or 0
        pages = max(1, -(-total // HISTORY_PAGE))
        page = pages - 1 if page is None else min(max(page, 0), pages - 1)
        rows = await session.execute(
            select(Event, actor.name, holder.name)
            .outerjoin(actor, actor.id == Event.actor_id)
            .outerjoin(holder, holder.id == Event.on_behalf_of_id)
            .where(mine)
            .order_by(Event.id)
            .offset(page * HISTORY_PAGE)
            .limit(HISTORY_PAGE)
        )
        spec = _titles_of(ctx, found)
        entries = [
            HistoryEntry(
                e.id,
                e.occurred_at,
                e.type,
                e.step_key,
                a,
                h,
                e.payload,
                _names(spec, e) if spec else {},
            )
            for e, a, h in rows
        ]
    return HistoryPage(found, entries, page, pages, total)


SEARCH_WORDS = 10  # words of /cari that count; a search for more is a pasted text


async def search_proposals(
    ctx: Context, text: str, viewer: access.Viewer, limit: int = 20
) -> list[Proposal]:
    """Case-insensitive match on number, title and origin; every word must match somewhere.
    Only proposals the viewer may see."""
    # Each word is one more condition on every proposal: the same word twice adds nothing, and
    # SQLite refuses an expression a few hundred words deep (found in review).
    words = list(dict.fromkeys(text.lower().split()))[:SEARCH_WORDS]
    if not words:
        return []
    fields = (func.lower(Proposal.number), func.lower(Proposal.title), func.lower(Proposal.origin))
    conditions = [or_(*(f.contains(word, autoescape=True) for f in fields)) for word in words]
    now = ctx.clock.now()
    async with reading(ctx) as session:
        seeing = await access.visible(session, viewer, ctx.sops, now)
        found = await session.scalars(
            select(Proposal)
            .where(and_(*conditions), seeing)
            .order_by(Proposal.registered_at.desc())
            .limit(limit),
            access.params(viewer, now),
        )
        return list(found)


async def example_number(ctx: Context, viewer: access.Viewer) -> str:
    """A registration number to show in a usage line (`/status NOMOR`): the newest case the
    viewer may see, else the number the first SOP's numbering gives its first case."""
    now = ctx.clock.now()
    async with reading(ctx) as session:
        seeing = await access.visible(session, viewer, ctx.sops, now)
        newest = await session.scalar(
            select(Proposal.number)
            .where(seeing)
            .order_by(Proposal.registered_at.desc(), Proposal.id.desc())
            .limit(1),
            access.params(viewer, now),
        )
    if newest is not None:
        return newest
    return ctx.sops.latest()[0].number(1, now.astimezone(ctx.settings.zone).year)


@dataclass(frozen=True)
class Hit:
    proposal: Proposal
    hidden: bool  # a restricted case found from a group chat: listed by its number only
    outcome: str | None  # how it ended, as the SOP titles it (a key the SOP lost: as stored)


async def search(ctx: Context, text: str, viewer: access.Viewer) -> list[Hit]:
    """`/cari`: the proposals the viewer may see that match. In a group chat a restricted case
    is found by its number only, and listed without its title: a hit on a word of its title
    or origin would tell the group what it is about."""
    words = list(dict.fromkeys(text.lower().split()))[:SEARCH_WORDS]  # as search_proposals
    hits = []
    for found in await search_proposals(ctx, text, viewer):
        hidden = _hidden_from(ctx, viewer, found)
        if hidden and not all(word in found.number.lower() for word in words):
            continue
        hits.append(Hit(found, hidden, _outcome_title(ctx, found)))
    return hits


def _outcome_title(ctx: Context, proposal: Proposal) -> str | None:
    if proposal.outcome is None:
        return None
    try:
        outcome = ctx.spec_of(proposal).outcomes.get(proposal.outcome)
    except KeyError:  # its version's file has left SOP_DIR
        outcome = None
    return outcome.title if outcome else proposal.outcome


async def open_tasks_of(ctx: Context, proposal_id: int) -> list[Task]:
    async with reading(ctx) as session:
        found = await session.scalars(
            select(Task)
            .where(Task.proposal_id == proposal_id, Task.completed_at.is_(None))
            .order_by(Task.id)
        )
        return list(found)


async def task_of_message(ctx: Context, chat_id: int, message_id: int) -> int | None:
    """The task a message the bot sent is about (its task message, a reminder, an escalation,
    a letter draft: every one the outbox sent with its task), by the chat and the message id
    Telegram gave it; None for any other message. Edits keep the message id, so a closed task's
    message still names its task (and the gate then says it is handled)."""
    async with reading(ctx) as session:
        return await session.scalar(
            select(OutboxMessage.task_id)
            .where(
                OutboxMessage.chat_id == chat_id,
                OutboxMessage.telegram_message_id == message_id,
                OutboxMessage.kind.in_((SEND, DOCUMENT)),  # a letter draft sent with it too
                OutboxMessage.task_id.is_not(None),
            )
            .limit(1)
        )


async def letter_of_message(ctx: Context, chat_id: int, message_id: int) -> str | None:
    """The document a letter draft the bot sent becomes (its key), by the chat and the message
    id Telegram gave it; None for any other message. A file sent as a reply to the draft is
    that letter, final."""
    async with reading(ctx) as session:
        context = await session.scalar(
            select(OutboxMessage.context)
            .where(
                OutboxMessage.chat_id == chat_id,
                OutboxMessage.telegram_message_id == message_id,
                OutboxMessage.kind == DOCUMENT,
            )
            .limit(1)
        )
    kind = context.get("kind") if isinstance(context, dict) else None
    return kind if isinstance(kind, str) else None


def active_official(telegram_user_id: int) -> Select[Official]:
    """The active official behind a Telegram account (none: a stranger)."""
    return select(Official).where(
        Official.telegram_user_id == telegram_user_id, Official.active.is_(True)
    )


async def official_by_telegram(ctx: Context, telegram_user_id: int) -> Official | None:
    current = CURRENT.get()
    if current is not None and current.speaker_id == telegram_user_id:
        return current.speaker  # read with the update's lease, in the same transaction
    async with reading(ctx) as session:
        return await session.scalar(active_official(telegram_user_id))


@dataclass(frozen=True)
class OfficialRow:
    id: int
    name: str
    roles: tuple[str, ...]
    units: tuple[str, ...]
    is_admin: bool
    registered: bool  # has a Telegram account bound


async def officials(ctx: Context) -> list[OfficialRow]:
    """Active officials with the roles they hold now, by name."""
    now = ctx.clock.now()
    async with reading(ctx) as session:
        people = list(
            await session.scalars(
                select(Official).where(Official.active.is_(True)).order_by(Official.name)
            )
        )
        held = (
            await session.execute(
                select(RoleAssignment.official_id, RoleAssignment.role, RoleAssignment.unit).where(
                    in_force(now), RoleAssignment.acting_for_id.is_(None)
                )
            )
        ).all()
    roles: dict[int, list[str]] = {}
    units: dict[int, list[str]] = {}
    for official_id, role, unit in held:
        roles.setdefault(official_id, []).append(role)
        if unit:
            units.setdefault(official_id, []).append(unit)
    return [
        OfficialRow(
            p.id,
            p.name,
            tuple(roles.get(p.id, ())),
            tuple(units.get(p.id, ())),
            p.is_admin,
            p.telegram_user_id is not None,
        )
        for p in people
    ]


async def units_of_role(ctx: Context, role: str) -> list[str]:
    async with reading(ctx) as session:
        found = await session.scalars(
            select(RoleAssignment.unit)
            .where(
                RoleAssignment.role == role,
                RoleAssignment.unit.is_not(None),
                in_force(ctx.clock.now()),
            )
            .distinct()
            .order_by(RoleAssignment.unit)
        )
        return [u for u in found if u]


async def proposal_status(ctx: Context, number: str, viewer: access.Viewer) -> dict[str, Any]:
    """Where a proposal stands, as the group card shows it."""
    from bot.services.notify import card_context

    async with reading(ctx) as session:
        found = await _visible_proposal(session, ctx, viewer, _proposal_is(number))
        try:
            spec = ctx.spec_of(found)
        except KeyError:  # a closed case whose version's file has left SOP_DIR
            raise SopGone(
                "sop version not loaded",
                number=found.number,
                sop=found.sop_code,
                version=found.sop_version,
            ) from None
        card = await card_context(session, found, spec, ctx.calendar, ctx.clock.now())
        return card | {"live": True}


async def document(ctx: Context, document_id: int, viewer: access.Viewer) -> tuple[Document, bool]:
    """A stored document, if the viewer may see its proposal, and whether its case's security
    class protects it (sent with protect_content: no forwarding, no saving)."""
    async with reading(ctx) as session:
        found = await session.get(Document, document_id)
        if found is None:
            raise NotVisible("no such document", document_id=document_id)
        case = await _visible_proposal(session, ctx, viewer, Proposal.id == found.proposal_id)
    _not_in_group(ctx, viewer, case)
    return found, restricted(ctx, case)
