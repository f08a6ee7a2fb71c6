"""What one approval costs the database, pinned: statements and transactions per approval.

A refactoring that makes an approval read the same row twice, or commit in two steps, changes
these numbers and fails here; a change that really needs more must say so by changing them.
Counted on SQLite (the office's database) for the use case alone, from the first statement of
`tasks.act` to its commit, with a group subscribed so the card is part of the cost.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from bot.core.engine import Approve
from bot.services import groups, tasks
from bot.services.context import Context
from tests.conftest import Office
from tests.helpers import SOP, open_tasks, pdf, register, to_step


@contextmanager
def counting(ctx: Context) -> Iterator[Counter[str]]:
    """Count statements by their first word (SELECT, INSERT, UPDATE…) and transactions."""
    counts: Counter[str] = Counter()
    engine = ctx.engine.sync_engine

    def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        counts[sql.split(None, 1)[0].upper()] += 1

    def begun(_conn: Any) -> None:
        counts["transactions"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "begin", begun)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "begin", begun)


async def test_one_approval_that_starts_the_next_step(ctx: Context, office: Office) -> None:
    await groups.subscribe(ctx, -500, "Tim Kerja Sama", SOP)
    registered = await register(ctx, office)
    task = (await open_tasks(ctx, registered.proposal_id))["karo"]
    with counting(ctx) as counts:
        acted = await tasks.act(ctx, task.id, office["karo"], Approve(), task.version)
    assert acted.step_completed
    assert dict(counts) == PINNED_NEXT_STEP


async def test_one_approval_of_two_parallel_reviewers(ctx: Context, office: Office) -> None:
    """The first of the two analysts: the step waits for the other, only the card moves."""
    await groups.subscribe(ctx, -500, "Tim Kerja Sama", SOP)
    registered = await register(ctx, office)
    await to_step(ctx, office, registered.proposal_id, "analis_telaah")
    task = (await open_tasks(ctx, registered.proposal_id))["analis_ls"]
    await tasks.attach_document(ctx, task.id, office["analis_ls"], "hasil_telaah", pdf())
    task = (await open_tasks(ctx, registered.proposal_id))["analis_ls"]
    with counting(ctx) as counts:
        acted = await tasks.act(ctx, task.id, office["analis_ls"], Approve(), task.version)
    assert not acted.step_completed
    assert dict(counts) == PINNED_PARALLEL


# Measured on 2026-12-02 before the effects table (issue 12); lower is welcome, say so here.
PINNED_NEXT_STEP = {"transactions": 1, "BEGIN": 1, "SELECT": 17, "UPDATE": 2, "INSERT": 5}
PINNED_PARALLEL = {"transactions": 1, "BEGIN": 1, "SELECT": 12, "UPDATE": 2, "INSERT": 3}
