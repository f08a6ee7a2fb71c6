"""Forwarding a step to a named colleague, and acting officials (Plh/Plt)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FrozenClock
from bot.engine import Approve
from bot.services import tasks
from bot.services.context import Context
from bot.services.errors import InvalidInput, NotFound, NotYourTask
from bot.services.officials import delegate
from bot.services.queries import my_open_tasks
from tests.conftest import Office
from tests.helpers import current_step, events, open_tasks, outbox, register


async def test_a_forwarded_task_reaches_the_colleague_who_then_acts(
    ctx: Context, office: Office
) -> None:
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    await tasks.forward(ctx, task.id, office["karo"], office["staf"], "Tolong siapkan <berkas>")

    forwarded = [m for m in await outbox(ctx) if m.template == "task_forwarded"]
    assert [m.chat_id for m in forwarded] == [office.chats["staf"]]
    assert forwarded[0].context["instruction"] == "Tolong siapkan <berkas>"
    assert forwarded[0].context["forwarded_by"] == "Pejabat karo"
    assert [t.task_id for t in await my_open_tasks(ctx, office["staf"])] == [task.id]

    still = (await open_tasks(ctx, reg.proposal_id))["karo"]
    assert still.target_due_at == task.target_due_at  # the step keeps its deadline
    await tasks.act(ctx, task.id, office["staf"], Approve(), still.version)
    assert await current_step(ctx, reg.proposal_id) == {"kabag_perintah_persiapan"}
    approved = next(e for e in await events(ctx) if e.type == "task_approve")
    assert approved.actor_id == office["staf"]
    assert approved.on_behalf_of_id == office["karo"]
    assert approved.payload["via"] == "forwarded"
    trail = next(e for e in await events(ctx) if e.type == "task_forwarded")
    assert (trail.actor_id, trail.payload["to"]) == (office["karo"], office["staf"])


async def test_the_holder_may_still_act_after_forwarding(ctx: Context, office: Office) -> None:
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    await tasks.forward(ctx, task.id, office["karo"], office["staf"], "")
    await tasks.act(ctx, task.id, office["karo"], Approve(), task.version)
    with pytest.raises(Exception, match="already handled"):
        await tasks.act(ctx, task.id, office["staf"], Approve(), task.version)


async def test_forward_refusals(ctx: Context, office: Office) -> None:
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    with pytest.raises(InvalidInput):
        await tasks.forward(ctx, task.id, office["karo"], office["karo"], "ke diri sendiri")
    with pytest.raises(NotFound):
        await tasks.forward(ctx, task.id, office["karo"], 424242, "tidak ada")
    with pytest.raises(NotYourTask):
        await tasks.forward(ctx, task.id, office["orang_lain"], office["staf"], "bukan milik")


async def test_an_acting_official_gets_the_task_and_acts_in_the_holders_name(
    ctx: Context, office: Office, clock: FrozenClock
) -> None:
    now = clock.now()
    await delegate(
        ctx,
        holder_id=office["karo"],
        acting_id=office["staf"],
        role="karo",
        start=now - timedelta(hours=1),
        end=now + timedelta(days=3),
        kind="plh",
    )
    reg = await register(ctx, office)
    assigned = [m for m in await outbox(ctx) if m.template == "task_assigned"]
    assert [m.chat_id for m in assigned] == [office.chats["staf"]]
    assert assigned[0].context["on_behalf_of"] == "Pejabat karo"

    mine = await my_open_tasks(ctx, office["staf"])
    assert [(t.role, t.via) for t in mine] == [("karo", "delegate")]
    await tasks.act(ctx, mine[0].task_id, office["staf"], Approve(), mine[0].version)
    approved = next(e for e in await events(ctx) if e.type == "task_approve")
    assert (approved.actor_id, approved.on_behalf_of_id) == (office["staf"], office["karo"])
    assert approved.payload["via"] == "delegate"
    assert await current_step(ctx, reg.proposal_id) == {"kabag_perintah_persiapan"}


async def test_a_delegation_ends_on_time(ctx: Context, office: Office, clock: FrozenClock) -> None:
    now = clock.now()
    await delegate(
        ctx,
        holder_id=office["karo"],
        acting_id=office["staf"],
        role="karo",
        start=now,
        end=now + timedelta(hours=2),
        kind="plt",
    )
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    clock.advance(hours=3)
    with pytest.raises(NotYourTask):
        await tasks.act(ctx, task.id, office["staf"], Approve(), task.version)
    assert await my_open_tasks(ctx, office["staf"]) == []
    await tasks.act(ctx, task.id, office["karo"], Approve(), task.version)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "wakil"}, "plh or plt"),
        ({"acting_id": None}, "themself"),
        ({"role": "raja"}, "no SOP has a role"),
    ],
)
async def test_delegation_checks_its_input(
    ctx: Context, office: Office, clock: FrozenClock, change: dict[str, object], message: str
) -> None:
    now = clock.now()
    fields: dict[str, object] = {
        "holder_id": office["karo"],
        "acting_id": office["staf"],
        "role": "karo",
        "start": now,
        "end": now + timedelta(days=1),
        "kind": "plh",
    } | change
    if fields["acting_id"] is None:
        fields["acting_id"] = office["karo"]
    with pytest.raises(InvalidInput, match=message):
        await delegate(ctx, **fields)  # type: ignore[arg-type]
