"""The tamper-evident record: a hash chain over the append-only events table.

Each event's hash covers its own fields and the previous event's hash. Writers append under a
lock on the single `audit_head` row, so the chain never forks between instances, ids are gap-free,
and the head remembers the newest event, so that removing events at the end shows too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import AuditHead, Event

GENESIS = "0" * 64
HEAD_ID = 1


_HEAD = select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update()


def digest(event: Event) -> str:
    fields: dict[str, Any] = {
        "id": event.id,
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "type": event.type,
        "proposal_id": event.proposal_id,
        "task_id": event.task_id,
        "step_key": event.step_key,
        "actor_id": event.actor_id,
        "on_behalf_of_id": event.on_behalf_of_id,
        "document_id": event.document_id,
        "payload": event.payload,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def append(session: AsyncSession, events: Sequence[Event]) -> None:
    """Chain and add `events` (in order) inside the caller's transaction."""
    if not events:
        return
    head = await session.scalar(_HEAD)
    if head is None:  # the migration seeds it; recreating it would restart the chain at 1
        raise RuntimeError("audit_head row is missing: run `disposisi audit verify`")
    for event in events:
        event.id = head.last_event_id + 1
        event.prev_hash = head.last_hash
        event.payload = event.payload or {}
        event.hash = digest(event)
        head.last_event_id, head.last_hash = event.id, event.hash
        head.count += 1
        session.add(event)
    await session.flush()


@dataclass(frozen=True)
class Verification:
    """The chain recomputed. `problem`, the first break, as a key the console puts in words
    (templates/texts/cli.yaml, "audit_" + key): "altered"; "rehashed" (altered, its hash
    recomputed: the next event no longer follows); "removed"; "newest_removed" (`event_id` up
    to `head_id`); "newest_rehashed" (the newest event, or the head, does not match the
    other); "head_removed"."""

    checked: int  # the events found intact, before the break
    problem: str | None = None
    event_id: int | None = None  # the first event altered or removed
    last_hash: str = GENESIS  # worth writing down elsewhere: a later rewrite would change it
    head_id: int | None = None  # the newest event the head names

    @property
    def ok(self) -> bool:
        return self.problem is None


async def verify(session: AsyncSession, batch: int = 1000) -> Verification:
    """Recompute the chain, streaming the events, and stop at the first break.

    The head is read first and only the events it names are checked, so events written while
    verifying (PostgreSQL reads each statement in its own snapshot) are not taken for tampering.
    """
    head = await session.get(AuditHead, HEAD_ID)
    if head is None:
        return Verification(0, "head_removed")
    expected_id, running, checked = 1, GENESIS, 0
    result = await session.stream_scalars(
        select(Event)
        .where(Event.id <= head.last_event_id)
        .order_by(Event.id)
        .execution_options(yield_per=batch)
    )
    async for event in result:
        if event.id != expected_id:
            return Verification(checked, "removed", expected_id)
        if event.prev_hash != running:
            return Verification(checked - 1, "rehashed", event.id - 1)
        if digest(event) != event.hash:
            return Verification(checked, "altered", event.id)
        running, expected_id, checked = event.hash, expected_id + 1, checked + 1
    if head.last_event_id != checked:  # the query reads no event past the head: fewer
        return Verification(checked, "newest_removed", checked + 1, head_id=head.last_event_id)
    if head.last_hash != running:  # the newest event rehashed, or the head itself changed
        return Verification(max(checked - 1, 0), "newest_rehashed", checked, head_id=checked)
    return Verification(checked, last_hash=running)
