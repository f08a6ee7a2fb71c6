"""The outbox rows as the sender sees them: claimed with a lease, then finished or put back.

A row is claimed with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's write lock does
the same), so two instances never send the same row, and a chat with a row in flight is left to
its holder, so one chat's messages keep their order. Every write back is guarded by the claim's
lease (`_still_ours`): a sender slower than its lease must not touch rows claimed since.
Core statements, not the ORM: these run once per message.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast

from sqlalchemy import ColumnElement, Table, Update, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.runtime.messages import OFFICE_HOURS_ONLY
from bot.storage.db import read_connection
from models import OutboxMessage
from models.outbox import DEAD, EDIT, FAILED, PENDING, SENT, SUPERSEDED

OUTBOX = cast(Table, OutboxMessage.__table__)
PER_CHAT = 3  # rows of one chat in one claim: a chat's messages go in order, one at a time
# A newer edit of a message, waiting or already made, says it all: an older edit that comes
# round again (after a 429) must not put the message back to an older state.
_SAYS_IT = (PENDING, SENT)
_CLAIMS_LOCK = 0x6F7574626F78  # "outbox": PostgreSQL claims take turns on this advisory lock


class Queued(NamedTuple):
    """A claimed outbox row, as the sender needs it: plain values, no ORM session behind it."""

    id: int
    chat_id: int
    template: str
    context: dict[str, Any]
    kind: str
    edit_of_id: int | None
    attempts: int
    proposal_id: int | None
    task_id: int | None
    lease_until: datetime  # this claim's lease: only its holder may put the row back


@dataclass
class Originals:
    """What a claim learnt of its edits' originals: the Telegram message of each original
    already sent, and the newest pending edit of each (an older one is skipped). Saves a read
    per edit, and most messages are edits."""

    sent: dict[int, int | None] = field(default_factory=dict)
    newest_edit: dict[int, int] = field(default_factory=dict)


class Claimed(NamedTuple):
    rows: list[Queued]
    originals: Originals
    waiting: set[int]  # chats in lanes that have more rows due: claim again as each ends


class Original(NamedTuple):
    """An edit's original, looked up when the claim did not know it."""

    status: str
    due: datetime
    message_id: int | None
    superseded: bool  # a newer edit of it is pending


async def claim(
    engine: AsyncEngine,
    now: datetime,
    lease: timedelta,
    batch: int,
    in_lanes: Collection[int] = (),
) -> Claimed:
    """Lease up to `batch` due rows: the first few of each chat whose rows are not in flight,
    here (`in_lanes`: a lane that outlived its lease must not get a twin) or anywhere."""
    busy = select(OUTBOX.c.chat_id).where(OUTBOX.c.status == PENDING, OUTBOX.c.lease_until >= now)
    # The first few rows of each chat, not the first rows overall: a batch drained one chat at
    # a time would send at one chat's pace (1 a second), not Telegram's (30).
    free = (
        OUTBOX.c.status == PENDING,
        OUTBOX.c.next_attempt_at <= now,
        or_(OUTBOX.c.lease_until.is_(None), OUTBOX.c.lease_until < now),
    )
    # A chat's messages go in order: a message held back (a 429, a failed attempt) holds back
    # the chat's later rows too, so none overtakes it. Edits do not hold a chat (they change a
    # message already there, and one may wait for a reminder kept for office hours), nor do
    # reminders and digests kept for office hours: a task sent at night must not wait for the
    # morning.
    held = OUTBOX.alias("held")
    first_held = (  # per chat, its first row held back; few rows, read by index
        select(held.c.chat_id, func.min(held.c.id).label("first"))
        .where(
            held.c.status == PENDING,
            held.c.next_attempt_at > now,
            held.c.kind != EDIT,  # a message or a document
            held.c.template.not_in(sorted(OFFICE_HOURS_ONLY)),
        )
        .group_by(held.c.chat_id)
        .subquery()
    )
    # Each chat's first row before any chat's second, and among those the chats with the most
    # waiting first: a burst to many chats then ends with many chats still to serve, at
    # Telegram's 30 a second, instead of a tail of a few long queues at one a second each.
    ranked = (
        select(
            OUTBOX.c.id,
            func.row_number()
            .over(partition_by=OUTBOX.c.chat_id, order_by=OUTBOX.c.id)
            .label("rank"),
            func.count().over(partition_by=OUTBOX.c.chat_id).label("waiting"),
        )
        .select_from(OUTBOX.outerjoin(first_held, first_held.c.chat_id == OUTBOX.c.chat_id))
        .where(
            *free,
            OUTBOX.c.chat_id.not_in(busy),
            *((OUTBOX.c.chat_id.not_in(sorted(in_lanes)),) if in_lanes else ()),
            or_(first_held.c.first.is_(None), OUTBOX.c.id < first_held.c.first),
        )
        .subquery()
    )
    due = (
        select(OUTBOX.c.id)
        .join(ranked, ranked.c.id == OUTBOX.c.id)
        # The conditions again at the level that locks: PostgreSQL re-checks a row it had to
        # wait for against these only, so a row another instance has just leased is dropped
        # here instead of being sent twice.
        .where(*free, ranked.c.rank <= PER_CHAT)
        .order_by(ranked.c.rank, ranked.c.waiting.desc(), OUTBOX.c.id)
        .limit(batch)
        .with_for_update(skip_locked=True, key_share=True, of=OUTBOX)
    )
    claimed = (
        update(OUTBOX)
        .where(OUTBOX.c.id.in_(due.scalar_subquery()))
        .values(lease_until=now + lease, attempts=OUTBOX.c.attempts + 1)
        .returning(*(OUTBOX.c[name] for name in Queued._fields))
    )
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Which chats are in flight is read from the statement's snapshot: two claims at
            # once would each lease a different row of one chat, and send them out of order.
            # Taking turns, each claim sees the last one committed. (SQLite's write lock
            # already makes them take turns.)
            await connection.execute(select(func.pg_advisory_xact_lock(_CLAIMS_LOCK)))
        rows = sorted(Queued(*row) for row in await connection.execute(claimed))
        # The chats in lanes that have rows due this claim had to leave: those running, and
        # those it gave as many rows as it gives a chat.
        per_chat = Counter(row.chat_id for row in rows)
        lanes = sorted({*in_lanes, *(chat for chat, n in per_chat.items() if n >= PER_CHAT)})
        waiting = set(
            await connection.scalars(
                select(OUTBOX.c.chat_id).where(*free, OUTBOX.c.chat_id.in_(lanes)).distinct()
            )
            if lanes
            else ()
        )
        return Claimed(rows, await _originals(connection, rows), waiting)


async def _originals(connection: AsyncConnection, rows: list[Queued]) -> Originals:
    """In the claim's transaction; an original not yet sent is looked up again (`original`)
    when its edit's turn comes."""
    originals = sorted({r.edit_of_id for r in rows if r.kind == EDIT and r.edit_of_id})
    if not originals:
        return Originals()
    sent = await connection.execute(
        select(OUTBOX.c.id, OUTBOX.c.telegram_message_id).where(
            OUTBOX.c.id.in_(originals), OUTBOX.c.status == SENT
        )
    )
    newest = await connection.execute(
        select(OUTBOX.c.edit_of_id, func.max(OUTBOX.c.id))
        .where(OUTBOX.c.edit_of_id.in_(originals), OUTBOX.c.status.in_(_SAYS_IT))
        .group_by(OUTBOX.c.edit_of_id)
    )
    return Originals(
        sent={original: message for original, message in sent},
        newest_edit={original: edit for original, edit in newest if original},
    )


async def original(engine: AsyncEngine, row: Queued) -> Original | None:
    """The row's original as it stands, None when it will never be there to edit."""
    assert row.edit_of_id is not None
    newer = (
        select(OUTBOX.c.id)
        .where(
            OUTBOX.c.edit_of_id == row.edit_of_id,
            OUTBOX.c.id > row.id,
            OUTBOX.c.status.in_(_SAYS_IT),
        )
        .exists()
    )
    async with read_connection(engine) as connection:
        found = (
            await connection.execute(
                select(
                    OUTBOX.c.status, OUTBOX.c.next_attempt_at, OUTBOX.c.telegram_message_id, newer
                ).where(OUTBOX.c.id == row.edit_of_id)
            )
        ).first()
    if found is None or found.status in (DEAD, FAILED, SUPERSEDED):
        return None
    return Original(found[0], found[1], found[2], bool(found[3]))


async def finish(
    engine: AsyncEngine,
    row: Queued,
    status: str,
    now: datetime,
    *,
    message_id: int | None = None,
    error: str | None = None,
) -> None:
    """The row's last word: sent, superseded, dead or failed."""
    async with engine.begin() as connection:
        await connection.execute(finished(row, status, now, message_id=message_id, error=error))


def finished(
    row: Queued,
    status: str,
    now: datetime,
    *,
    message_id: int | None = None,
    error: str | None = None,
) -> Update:
    """The statement of `finish`, for a transaction that records more (a failure's event)."""
    values: dict[str, object] = {"status": status, "lease_until": None}
    if status == SENT:
        values["sent_at"] = now
        if message_id is not None and row.kind != EDIT:
            values["telegram_message_id"] = message_id
    if error is not None:
        values["last_error"] = error[:1000]
    return update(OUTBOX).where(OUTBOX.c.id == row.id, OUTBOX.c.status == PENDING).values(**values)


async def put_back(
    engine: AsyncEngine,
    rows: list[Queued],
    now: datetime,
    *,
    delay: timedelta | None = None,
    counted: bool = False,
    error: str | None = None,
) -> None:
    """Rows back to the queue, due again after `delay` (at once when None). The attempt counts
    towards the last one only when `counted` (a network error); a 429, a chat's full window, a
    postponed edit or a stop cost no attempt."""
    if not rows:
        return
    values: dict[str, object] = {
        "lease_until": None,
        "attempts": OUTBOX.c.attempts - (0 if counted else 1),
    }
    if delay is not None:
        values["next_attempt_at"] = now + delay
    if error:
        values["last_error"] = error[:1000]
    async with engine.begin() as connection:
        await connection.execute(update(OUTBOX).where(*_still_ours(rows)).values(**values))


def _still_ours(rows: list[Queued]) -> tuple[ColumnElement[bool], ...]:
    """These rows, if this claim's lease still holds them: a sender slower than its lease must
    not put back rows another instance has claimed since (they would be claimed a third time,
    and sent twice)."""
    return (
        OUTBOX.c.id.in_([r.id for r in rows]),
        OUTBOX.c.status == PENDING,
        OUTBOX.c.lease_until.in_(sorted({r.lease_until for r in rows})),
    )
