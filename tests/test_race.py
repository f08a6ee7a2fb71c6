"""Fifty officials' phones pressing the same button at once: one transition, 49 refusals."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.engine import Approve
from bot.services import tasks
from bot.services.context import Context
from bot.services.errors import AlreadyHandled
from tests.conftest import Office
from tests.helpers import events, open_tasks, register

PRESSES = 50


@pytest.mark.parametrize("backend", ["postgres", "sqlite"], indirect=True)
async def test_concurrent_approvals_of_one_task_make_exactly_one_transition(
    ctx: Context, office: Office
) -> None:
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]

    results = await asyncio.gather(
        *(tasks.act(ctx, task.id, office["karo"], Approve(), task.version) for _ in range(PRESSES)),
        return_exceptions=True,
    )

    done = [r for r in results if isinstance(r, tasks.Acted)]
    refused = [r for r in results if isinstance(r, AlreadyHandled)]
    assert len(done) == 1, [r for r in results if not isinstance(r, tasks.Acted | AlreadyHandled)]
    assert len(refused) == PRESSES - 1
    kinds = [e.type for e in await events(ctx, reg.proposal_id)]
    assert kinds.count("task_approve") == 1
    assert kinds.count("step_completed") == 1
    assert kinds.count("action_refused") == PRESSES - 1
    following = await open_tasks(ctx, reg.proposal_id)
    assert list(following) == ["kabag_ks"]  # one task started for step 2, not fifty


@pytest.mark.parametrize("backend", ["postgres", "sqlite"], indirect=True)
async def test_both_analysts_approving_at_once_still_completes_step_4(
    ctx: Context, office: Office
) -> None:
    """The write skew to avoid: each sees the other still open, and step 4 never completes."""
    from tests.helpers import to_step

    reg = await register(ctx, office)
    await to_step(ctx, office, reg.proposal_id, "analis_telaah")
    open_now = await open_tasks(ctx, reg.proposal_id)
    for role in ("analis_ls", "analis_pks"):
        from tests.helpers import pdf

        await tasks.attach_document(ctx, open_now[role].id, office[role], "hasil_telaah", pdf())
    await asyncio.gather(
        *(tasks.act(ctx, open_now[r].id, office[r], Approve()) for r in ("analis_ls", "analis_pks"))
    )
    assert list(await open_tasks(ctx, reg.proposal_id)) == ["kasubbag_kss_ln"]
