"""The read side: my tasks, history, status lists and search."""

from __future__ import annotations

import contextlib

import pytest

from bot.core.clock import FrozenClock
from bot.services.context import Context
from bot.services.errors import NotVisible
from bot.services.queries import (
    my_open_tasks,
    proposal_history,
    search_proposals,
)
from tests.conftest import Office
from tests.helpers import do, outbox, register, to_step, viewer


async def test_my_open_tasks_lists_the_most_overdue_first(
    ctx: Context, office: Office, clock: FrozenClock
) -> None:
    first = await register(ctx, office, title="Pertama")
    clock.advance(minutes=30)
    second = await register(ctx, office, title="Kedua")
    mine = await my_open_tasks(ctx, office["karo"])
    assert [t.proposal_id for t in mine] == [first.proposal_id, second.proposal_id]
    assert all(t.via == "assignee" for t in mine)
    assert await my_open_tasks(ctx, office["gubernur"]) == []


async def test_history_tells_the_whole_story_in_order(ctx: Context, office: Office) -> None:
    reg = await register(ctx, office)
    await to_step(ctx, office, reg.proposal_id, "kasubbag_persiapan")
    karo = await viewer(ctx, office["karo"])
    history = await proposal_history(ctx, reg.number, karo)
    found, entries = history.proposal, history.entries
    assert found.id == reg.proposal_id
    types = [e.type for e in entries]
    assert types[:3] == ["proposal_registered", "document_attached", "task_started"]
    assert types.count("task_approve") == 2
    assert entries[-1].type == "task_started" and entries[-1].step_key == "kasubbag_persiapan"
    approve = next(e for e in entries if e.type == "task_approve")
    assert approve.actor == "Pejabat karo"
    assert [e.event_id for e in entries] == sorted(e.event_id for e in entries)
    by_id = await proposal_history(ctx, reg.proposal_id, karo)
    assert by_id.proposal.number == reg.number


async def test_history_of_an_unknown_proposal(ctx: Context, office: Office) -> None:
    with pytest.raises(NotVisible):
        await proposal_history(ctx, "9999/KS/2026", await viewer(ctx, office["admin"]))


async def test_search_matches_every_word_case_insensitively(ctx: Context, office: Office) -> None:
    wisata = await register(ctx, office, title="Kerja sama Pariwisata Pantai")
    await register(ctx, office, "FS", title="Pengelolaan Sampah Terpadu")
    me = await viewer(ctx, office["karo"])
    assert [p.id for p in await search_proposals(ctx, "pariwisata PANTAI", me)] == [
        wisata.proposal_id
    ]
    assert len(await search_proposals(ctx, "timah", me)) == 1  # the FS origin, PT Timah Wisata
    assert await search_proposals(ctx, "pantai sampah", me) == []
    assert await search_proposals(ctx, "100%", me) == []  # wildcards are escaped, not obeyed
    assert [p.number for p in await search_proposals(ctx, "0001/KS", me)] == [wisata.number]


async def test_a_search_of_many_words_counts_the_first_ten_distinct_ones(
    ctx: Context, office: Office
) -> None:
    """Beyond the 200-character limit's reach (the CLI, a later front end): 1,000 words made
    SQLite refuse the query ("Expression tree is too large")."""
    wisata = await register(ctx, office, title="Kerja sama Pariwisata Pantai")
    me = await viewer(ctx, office["karo"])
    many = "pantai " * 5 + " ".join(f"w{n}" for n in range(1000))
    assert [p.id for p in await search_proposals(ctx, "pantai " * 1000, me)] == [wisata.proposal_id]
    assert await search_proposals(ctx, many, me) == []  # w0…w8 match nothing


async def test_subscribed_groups_see_each_step_and_the_outcome(
    ctx: Context, office: Office
) -> None:
    from bot.services import groups

    await groups.subscribe(ctx, -1001, "Tim Kerja Sama", "kerjasama_pihak_ketiga")
    await groups.subscribe(ctx, -1002, "Grup lama")
    assert await groups.unsubscribe(ctx, -1002)
    assert not await groups.unsubscribe(ctx, -1002)
    reg = await register(ctx, office)
    await to_step(ctx, office, reg.proposal_id, "analis_telaah")
    await do(ctx, office, reg.proposal_id, "analis_ls", attach="hasil_telaah")
    cards = [m for m in await outbox(ctx) if m.template == "group_card"]
    assert {m.chat_id for m in cards} == {-1001}
    first, *edits = cards
    assert first.kind == "send" and all(c.edit_of_id == first.id for c in edits)
    # registration, steps 2-4 starting, the review attached, one analyst done
    assert len(edits) == 5
    latest = edits[-1].context
    assert latest["step"]["number"] == 4
    assert [h["role"] for h in latest["holders"]] == ["Analis Perencanaan dan Kerja Sama"]
    assert latest["documents"] == [{"title": "Hasil telaah Dokumen KAK atau FS", "present": True}]


async def test_history_pages_and_leaves_refused_taps_out(ctx: Context, office: Office) -> None:
    from bot.core.engine import Approve, WorkflowError
    from bot.services import tasks
    from bot.services.queries import HISTORY_PAGE
    from tests.helpers import open_tasks

    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    for _ in range(HISTORY_PAGE + 5):  # a stranger pressing an old button, again and again
        with contextlib.suppress(WorkflowError):
            await tasks.act(ctx, task.id, office["orang_lain"], Approve(), task.version)
    for n in range(HISTORY_PAGE):
        await tasks.add_note(ctx, task.id, office["karo"], f"Catatan {n}")
    await to_step(ctx, office, reg.proposal_id, "analis_telaah")
    me = await viewer(ctx, office["karo"])
    newest = await proposal_history(ctx, reg.number, me)
    assert all(e.type != "action_refused" for e in newest.entries)
    assert newest.pages == -(-newest.total // HISTORY_PAGE) and newest.page == newest.pages - 1
    first = await proposal_history(ctx, reg.number, me, page=0)
    assert first.entries[0].type == "proposal_registered" and len(first.entries) == HISTORY_PAGE
    every = [
        e.event_id
        for p in range(first.pages)
        for e in (await proposal_history(ctx, reg.number, me, page=p)).entries
    ]
    assert len(every) == len(set(every)) == newest.total
