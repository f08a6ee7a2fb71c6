"""Reminders in working time: when they go, to whom, how often, and that none is lost or sent
twice. The clock is walked minute by minute and the sweep run at each step, as the scheduler
would run it."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.core.engine import Approve, Reject
from bot.core.render import Renderer
from bot.services import gate, notify, queries, reminders, tasks
from bot.services.context import Context, build_context
from bot.services.errors import NotYourTask
from bot.services.officials import delegate, revoke
from bot.services.proposals import register_proposal
from bot.services.queries import reading
from bot.storage import audit
from models import Task
from models.outbox import SEND
from tests.conftest import WIB, Office, seed_office
from tests.helpers import events, leave_office, open_tasks, outbox, pdf, register, viewer

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
REMINDERS = ("task_nudge", "task_escalated")


def wib(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=WIB)


async def walk(
    ctx: Context, clock: FrozenClock, until: datetime, every: timedelta = timedelta(minutes=1)
) -> list[tuple[str, str, int]]:
    """Move the clock to `until`, sweeping at each step; the reminders that appeared, as
    (local time "Sen 08:05", template, chat)."""
    seen = {m.id for m in await outbox(ctx)}
    found = []
    while clock.now() < until:
        clock.advance(every)
        if await reminders.sweep(ctx):
            for message in await outbox(ctx):
                new = message.id not in seen and message.kind == SEND
                if new and message.template in REMINDERS:
                    local = clock.now().astimezone(WIB)
                    day = ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min")[local.weekday()]
                    found.append((f"{day} {local:%d %H:%M}", message.template, message.chat_id))
                seen.add(message.id)
    return found


async def test_no_reminder_before_the_target_then_one_per_interval_and_one_escalation(
    ctx: Context, clock: FrozenClock, office: Office
) -> None:
    await register(ctx, office)  # Monday 08:00: step 1, the Karo, 5 minutes
    karo, asisten = office.chats["karo"], office.chats["asisten1"]
    assert await walk(ctx, clock, wib("2026-11-23 08:04")) == []
    sent = await walk(ctx, clock, wib("2026-11-23 12:30"))
    assert sent == [
        ("Sen 23 08:05", "task_nudge", karo),
        ("Sen 23 09:05", "task_nudge", karo),
        # The third reminder follows two ignored ones: the Karo's superior hears of it, once.
        ("Sen 23 10:05", "task_escalated", asisten),
        ("Sen 23 10:05", "task_nudge", karo),
        ("Sen 23 11:05", "task_nudge", karo),
        ("Sen 23 12:05", "task_nudge", karo),
    ]
    levels = [e.payload["level"] for e in await events(ctx) if e.type == "task_nudged"]
    assert levels == ["gentle", "firm", "firm", "firm", "firm"]


async def test_what_falls_due_at_closing_goes_once_at_the_next_opening(
    ctx: Context, clock: FrozenClock, office: Office
) -> None:
    clock.set(wib("2026-11-23 15:55"))
    await register(ctx, office)  # due 16:00, exactly when the office closes
    sent = await walk(ctx, clock, wib("2026-11-24 09:00"))
    karo = office.chats["karo"]
    assert sent == [("Sel 24 07:30", "task_nudge", karo), ("Sel 24 08:30", "task_nudge", karo)]


async def test_a_bot_down_overnight_sends_what_came_due_once(
    ctx: Context, clock: FrozenClock, office: Office
) -> None:
    await register(ctx, office)
    clock.set(wib("2026-11-24 10:00"))  # due since yesterday 08:05; nobody swept since
    assert await reminders.sweep(ctx) == 1
    assert await reminders.sweep(ctx) == 0
    sent = await walk(ctx, clock, wib("2026-11-24 11:30"))
    assert sent == [("Sel 24 11:00", "task_nudge", office.chats["karo"])]


async def test_none_on_a_national_holiday_and_the_weekend_after_it(
    ctx: Context, clock: FrozenClock, office: Office
) -> None:
    # Wednesday 23 Dec 2026, 15:55: Thursday is joint leave for Christmas, Friday Christmas Day.
    clock.set(wib("2026-12-23 15:55"))
    await register(ctx, office)
    sent = await walk(ctx, clock, wib("2026-12-28 08:00"))
    assert sent == [("Sen 28 07:30", "task_nudge", office.chats["karo"])]


async def test_a_friday_afternoon_and_a_long_weekend(
    settings: Settings, clock: FrozenClock, tmp_path: Path
) -> None:
    """The acceptance walk: a task that falls due on Friday afternoon, with the office closed on
    Monday by a local override, is chased on Friday until closing and then from Tuesday's
    opening, never in between."""
    overrides = tmp_path / "kalender.yaml"
    overrides.write_text("- {date: 2026-11-30, closed: true, reason: Cuti bersama daerah}\n")
    ctx = build_context(settings.model_copy(update={"calendar_overrides": overrides}), clock=clock)
    try:
        clock.set(wib("2026-11-27 14:00"))
        office = await seed_office(ctx)
        await register(ctx, office)
        sent = await walk(ctx, clock, wib("2026-12-01 10:00"))
    finally:
        await ctx.close()
    karo, asisten = office.chats["karo"], office.chats["asisten1"]
    assert sent == [
        ("Jum 27 14:05", "task_nudge", karo),
        ("Jum 27 15:05", "task_nudge", karo),
        ("Jum 27 16:05", "task_escalated", asisten),
        ("Jum 27 16:05", "task_nudge", karo),
        # 25 working minutes left on Friday, 35 more on Tuesday: the weekend and Monday are not
        # working time, so nothing in between.
        ("Sel 01 08:05", "task_nudge", karo),
        ("Sel 01 09:05", "task_nudge", karo),
    ]


async def test_the_acting_delegate_is_reminded_instead_of_the_absent_holder(
    ctx: Context, clock: FrozenClock, office: Office
) -> None:
    await delegate(
        ctx,
        holder_id=office["karo"],
        acting_id=office["staf"],
        role="karo",
        start=clock.now(),
        end=clock.now() + timedelta(days=3),
    )
    await register(ctx, office)
    sent = await walk(ctx, clock, wib("2026-11-23 08:10"))
    assert sent == [("Sen 23 08:05", "task_nudge", office.chats["staf"])]
    nudge = next(m for m in await outbox(ctx) if m.template == "task_nudge")
    assert nudge.context["on_behalf_of"] == "Pejabat karo"


async def test_a_finished_task_is_never_reminded(
    ctx: Context, clock: FrozenClock, office: Office
) -> None:
    reg = await register(ctx, office)
    karo_task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    clock.advance(minutes=3)
    await tasks.act(ctx, karo_task.id, office["karo"], Approve())
    await walk(ctx, clock, wib("2026-11-23 12:00"))
    reminded = [e.task_id for e in await events(ctx) if e.type == "task_nudged"]
    assert karo_task.id not in reminded
    assert reminded, "the next step's task, left alone, is reminded"
    async with reading(ctx) as session:
        finished = await session.get(Task, karo_task.id)
        assert finished is not None and finished.next_reminder_at is None


async def test_a_reminder_is_edited_to_closed_when_its_task_ends(
    ctx: Context, clock: FrozenClock, office: Office
) -> None:
    reg = await register(ctx, office)
    await walk(ctx, clock, wib("2026-11-23 10:10"))  # two nudges and an escalation
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    await tasks.act(ctx, task.id, office["karo"], Approve())
    messages = await outbox(ctx)
    shown = {m.id for m in messages if m.template in REMINDERS}
    closed = {m.edit_of_id for m in messages if m.template == "task_closed"}
    assert shown and shown <= closed  # no stale buttons left in any chat


async def test_a_crash_in_the_middle_of_a_sweep_loses_nothing(
    ctx: Context, clock: FrozenClock, office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    await register(ctx, office)
    clock.set(wib("2026-11-23 08:06"))
    real = notify.tell_groups

    async def killed(*args: object, **kwargs: object) -> None:
        raise asyncio.CancelledError  # the process stops mid-transaction

    monkeypatch.setattr(notify, "tell_groups", killed)
    with pytest.raises(asyncio.CancelledError):
        await reminders.sweep(ctx)
    assert [m for m in await outbox(ctx) if m.template == "task_nudge"] == []
    monkeypatch.setattr(notify, "tell_groups", real)
    assert await reminders.sweep(ctx) == 1  # the same reminder, not lost and not doubled
    assert await reminders.sweep(ctx) == 0
    nudges = [m for m in await outbox(ctx) if m.template == "task_nudge"]
    assert len(nudges) == 1 and nudges[0].context["reminder"] == 1


@pytest.mark.parametrize("batch", [1, 100], ids=["alone", "in-one-batch"])
async def test_a_task_whose_reminder_fails_does_not_hold_up_the_others(
    ctx: Context, clock: FrozenClock, office: Office, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    broken = await register(ctx, office, title="Usulan rusak")
    fine = await register(ctx, office, title="Usulan baik")
    clock.set(wib("2026-11-23 08:06"))
    real = notify.tell_task

    async def fails_for_one(uow: object, task: Task, *args: object, **kwargs: object) -> None:
        if task.proposal_id == broken.proposal_id:
            raise RuntimeError("a template that cannot render")
        await real(uow, task, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(notify, "tell_task", fails_for_one)
    assert await reminders.sweep(ctx, batch=batch) == 2
    reminded = [e.proposal_id for e in await events(ctx) if e.type == "task_nudged"]
    assert reminded == [fine.proposal_id]  # the failed one left no half-written trace
    stuck = (await open_tasks(ctx, broken.proposal_id))["karo"]
    assert stuck.next_reminder_at == ctx.calendar.add_working_minutes(clock.now(), 60)
    monkeypatch.setattr(notify, "tell_task", real)
    # Both an interval later: the good one as its policy says, the other as a retry.
    assert (
        await walk(ctx, clock, wib("2026-11-23 09:06"))
        == [("Sen 23 09:06", "task_nudge", office.chats["karo"])] * 2
    )
    async with reading(ctx) as session:
        assert (await audit.verify(session)).ok


async def test_a_restart_mid_sequence_neither_loses_nor_repeats(
    settings: Settings, clock: FrozenClock, ctx: Context, office: Office
) -> None:
    await register(ctx, office)
    first = await walk(ctx, clock, wib("2026-11-23 09:30"))
    await ctx.close()  # the bot stops; two hours pass
    clock.set(wib("2026-11-23 11:30"))
    again = build_context(settings, clock=clock)
    try:
        second = await walk(again, clock, wib("2026-11-23 13:00"))
        counts = [e.payload["reminder"] for e in await events(again) if e.type == "task_nudged"]
    finally:
        await again.close()
    karo = office.chats["karo"]
    assert first == [("Sen 23 08:05", "task_nudge", karo), ("Sen 23 09:05", "task_nudge", karo)]
    # One reminder for everything that came due while down, then the escalation on time.
    assert second[0] == ("Sen 23 11:31", "task_escalated", office.chats["asisten1"])
    assert second[1:] == [
        ("Sen 23 11:31", "task_nudge", karo),
        ("Sen 23 12:31", "task_nudge", karo),
    ]
    assert counts == [1, 2, 3, 4]


@BOTH
async def test_two_sweepers_at_once_send_each_reminder_once(
    settings: Settings, clock: FrozenClock, ctx: Context, office: Office
) -> None:
    for number in range(30):
        await register(ctx, office, title=f"Usulan {number}")
    clock.set(wib("2026-11-23 08:10"))
    other = build_context(settings, clock=clock)
    try:
        results = await asyncio.gather(
            *(reminders.sweep(c, batch=4) for c in (ctx, other, ctx, other))
        )
    finally:
        await other.close()
    assert sum(results) == 30
    per_task = Counter(m.task_id for m in await outbox(ctx) if m.template == "task_nudge")
    assert len(per_task) == 30 and set(per_task.values()) == {1}
    async with reading(ctx) as session:
        assert (await audit.verify(session)).ok


async def test_the_superior_can_forward_and_note_from_the_escalation_but_not_decide(
    ctx: Context, clock: FrozenClock, office: Office
) -> None:
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    asisten = office["asisten1"]
    with pytest.raises(NotYourTask):  # not before the task was escalated to them
        await tasks.add_note(ctx, task.id, asisten, "Sudah sampai mana?")
    await walk(ctx, clock, wib("2026-11-23 10:10"))
    for refused in (
        tasks.act(ctx, task.id, asisten, Approve(), task.version),
        tasks.act(ctx, task.id, asisten, Reject("Tidak layak"), task.version),
        tasks.attach_document(ctx, task.id, asisten, "usulan", pdf()),
        tasks.add_note(ctx, task.id, office["gubernur"], "?"),  # not the superior
    ):
        with pytest.raises(NotYourTask):
            await refused
    await tasks.add_note(ctx, task.id, asisten, "Mohon segera, ditunggu Gubernur")
    note = next(m for m in await outbox(ctx) if m.template == "task_note")
    assert note.chat_id == office.chats["karo"] and note.context["note_by"] == "Pejabat asisten1"
    await tasks.forward(ctx, task.id, asisten, office["kabag_ks"], "Bantu selesaikan", task.version)
    moved = (await open_tasks(ctx, reg.proposal_id))["karo"]
    assert moved.forwarded_to_id == office["kabag_ks"]
    forwarded = [e for e in await events(ctx) if e.type == "task_forwarded"]
    assert forwarded[-1].payload["via"] == "superior"
    # Handed an overdue task, the colleague gets a full interval and a clean slate: their first
    # reminder is #1, and they are not reported upward for reminders they never had.
    assert moved.next_reminder_at == ctx.calendar.add_working_minutes(clock.now(), 60)
    assert moved.reminders_sent == 0
    sent = await walk(ctx, clock, wib("2026-11-23 11:30"))
    assert sent == [("Sen 23 11:10", "task_nudge", office.chats["kabag_ks"])]
    last = [m for m in await outbox(ctx) if m.template == "task_nudge"][-1]
    assert last.context["reminder"] == 1 and last.context["escalated_to"] == []


async def test_an_unreachable_superior_is_not_counted_as_told(
    ctx: Context, clock: FrozenClock, office: Office
) -> None:
    from models import Official

    async with ctx.sessions() as session, session.begin():
        asisten = await session.get(Official, office["asisten1"])
        assert asisten is not None
        asisten.telegram_user_id = None  # invited, never started the bot
    reg = await register(ctx, office)
    sent = await walk(ctx, clock, wib("2026-11-23 10:10"))
    assert [template for _, template, _ in sent] == ["task_nudge"] * 3
    assert all(not m.context.get("escalated_to") for m in await outbox(ctx))
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    assert task.escalated_at is None  # tried again at the next reminder


async def test_only_the_newest_reminder_keeps_its_buttons(
    ctx: Context, clock: FrozenClock, office: Office
) -> None:
    await register(ctx, office)
    await walk(ctx, clock, wib("2026-11-24 12:00"))  # a day and a half of reminders
    messages = await outbox(ctx)
    nudges = [m.id for m in messages if m.template == "task_nudge"]
    retired = {m.edit_of_id for m in messages if m.template == "task_closed"}
    assert len(nudges) > 5
    assert [n for n in nudges if n not in retired] == [nudges[-1]]


async def test_a_task_nobody_holds_is_reported_to_its_superior_and_the_admins_when_overdue(
    ctx: Context, clock: FrozenClock, office: Office
) -> None:
    from models import RoleAssignment

    async with reading(ctx) as session:
        held = await session.scalar(
            select(RoleAssignment.id).where(RoleAssignment.official_id == office["karo"])
        )
    assert held is not None
    await revoke(ctx, held)
    await register(ctx, office)
    await walk(ctx, clock, wib("2026-11-23 08:06"))
    late = [
        m for m in await outbox(ctx) if m.template == "task_unassigned" and "reminder" in m.context
    ]
    assert [m.chat_id for m in late] == [office.chats["asisten1"], office.chats["admin"]]


@pytest.fixture
def leave_sop(tmp_path: Path) -> Path:
    """The leave SOP of test_other_sop, with a range for its first step, a superior for it,
    and its own reminder policy."""
    source = (Path(__file__).parent / "data" / "sop_cuti.yaml").read_text()
    text = (
        source.replace("time: 1 menit", "time: 10-20 menit", 1)
        .replace(
            "atasan: {title: Atasan Langsung}", "atasan: {title: Atasan, superior: kepegawaian}"
        )
        .replace("Subbagian Kepegawaian, superior: atasan}", "Subbagian Kepegawaian}")
    )
    sops = tmp_path / "sops"
    sops.mkdir()
    (sops / "cuti.yaml").write_text(text + "\nreminders: {repeat: 15 menit, escalate_after: 1}\n")
    return sops


async def _leave_request(ctx: Context) -> dict[str, int]:
    people = await leave_office(ctx)
    await register_proposal(
        ctx,
        by=people["pegawai"],
        sop_code="cuti_pegawai",
        title="Cuti tahunan",
        origin="Pegawai Bidang A",
        agency_unit="Bidang A",
        document=pdf("formulir.pdf"),
    )
    return people


async def test_an_sop_file_sets_its_own_policy_gentle_at_the_target_firm_at_the_limit(
    settings: Settings, clock: FrozenClock, leave_sop: Path
) -> None:
    ctx = build_context(settings.model_copy(update={"sop_dir": leave_sop}), clock=clock)
    try:
        await _leave_request(ctx)
        sent = await walk(ctx, clock, wib("2026-11-23 09:00"))
        nudged = [(e.payload["level"]) for e in await events(ctx) if e.type == "task_nudged"]
    finally:
        await ctx.close()
    boss, staff = 501, 502
    assert sent == [
        ("Sen 23 08:10", "task_nudge", boss),  # the target: gentle
        ("Sen 23 08:20", "task_escalated", staff),  # one ignored, as this SOP says
        ("Sen 23 08:20", "task_nudge", boss),  # the limit: firm
        ("Sen 23 08:35", "task_nudge", boss),  # then every 15 working minutes
        ("Sen 23 08:50", "task_nudge", boss),
    ]
    assert nudged == ["gentle", "firm", "firm", "firm"]


async def test_an_sop_file_can_turn_reminders_off(
    settings: Settings, clock: FrozenClock, leave_sop: Path
) -> None:
    path = leave_sop / "cuti.yaml"
    path.write_text(path.read_text().replace("escalate_after: 1}", "enabled: false}"))
    ctx = build_context(settings.model_copy(update={"sop_dir": leave_sop}), clock=clock)
    try:
        await _leave_request(ctx)
        assert await walk(ctx, clock, wib("2026-11-23 10:00")) == []
    finally:
        await ctx.close()


async def test_the_nudge_and_the_escalation_say_what_is_late_and_offer_the_right_buttons(
    ctx: Context, clock: FrozenClock, office: Office
) -> None:
    from bot.runtime.messages import compose

    reg = await register(ctx, office)
    await walk(ctx, clock, wib("2026-11-23 10:06"))
    renderer = Renderer(WIB)
    messages = await outbox(ctx)
    gentle, firm = [m for m in messages if m.template == "task_nudge"][:2]
    escalation = next(m for m in messages if m.template == "task_escalated")
    text = compose(renderer, gentle.template, gentle.context).text
    assert "Pengingat" in text and reg.number in text and "Standar SOP: 5 menit" in text
    assert "Lewat: <b>0 menit</b>" not in text
    firm_out = compose(renderer, firm.template, firm.context)
    assert "Terlambat 1 jam" in firm_out.text
    labels = [b.text for row in firm_out.markup.inline_keyboard for b in row]  # type: ignore[union-attr]
    assert "✅ Setujui" in labels and "👥 Teruskan" in labels
    up = compose(renderer, escalation.template, escalation.context)
    assert "Pejabat karo" in up.text and "2 pengingat" in up.text
    up_labels = [b.text for row in up.markup.inline_keyboard for b in row]  # type: ignore[union-attr]
    assert "✅ Setujui" not in up_labels and {"👥 Teruskan", "📝 Catatan"} <= set(up_labels)
    nudge_after = [m for m in messages if m.template == "task_nudge"][2]
    assert (
        "Atasan telah diberi tahu: Pejabat asisten1"
        in compose(renderer, nudge_after.template, nudge_after.context).text
    )


async def test_the_group_card_shows_how_late_a_task_is(
    ctx: Context, clock: FrozenClock, office: Office
) -> None:
    from bot.services import groups

    await groups.subscribe(ctx, -100, "Tim Kerja Sama")
    await register(ctx, office)
    await walk(ctx, clock, wib("2026-11-23 09:06"))
    cards = [m for m in await outbox(ctx) if m.template == "group_card"]
    # The card turned overdue at the first reminder and says so without a duration, which
    # would go stale; /status, drawn on request, says by how much.
    assert len(cards) == 2
    text = Renderer(WIB).render("group_card", cards[-1].context)
    assert "08:05 WIB ⚠️ terlambat\nStandar" in text
    live = await queries.proposal_status(ctx, "0001/KS/2026", await viewer(ctx, office["kabag_ks"]))
    assert "⚠️ lewat 1 jam 1 menit" in Renderer(WIB).render("group_card", live)


async def test_claiming_due_tasks_reads_an_index(ctx: Context, office: Office) -> None:
    """The claim looks only at tasks whose reminder is due, through the index on
    next_reminder_at, so its cost does not grow with the number of open tasks."""
    from sqlalchemy import text

    query = reminders.due(datetime(2026, 1, 1, tzinfo=WIB), 100)
    async with reading(ctx) as session:
        assert session.bind is not None
        compiled = query.compile(session.bind, compile_kwargs={"literal_binds": True})
        plan = (await session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))).all()
    assert "ix_tasks_next_reminder_at" in " ".join(str(row) for row in plan)


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_a_sweep_and_a_press_on_the_same_proposal_do_not_deadlock(
    settings: Settings, ctx: Context, clock: FrozenClock, office: Office
) -> None:
    """A press locks the proposal, then the task. A sweep that claims the task between the two
    writes rows referring to the proposal; with the proposal held FOR UPDATE those foreign-key
    checks would wait on the press while the press waits on the task: a deadlock. FOR NO KEY
    UPDATE lets the sweep through, so it finishes and the press then gets its task."""
    from sqlalchemy import text

    from bot.services.uow import UnitOfWork

    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    clock.set(wib("2026-11-23 08:06"))
    sweeper = build_context(settings, clock=clock)  # another instance
    try:
        async with UnitOfWork(ctx) as press, ctx.engine.connect() as watcher:
            assert await gate.lock_proposal(press.session, reg.proposal_id) is not None
            sweeping = asyncio.create_task(reminders.sweep(sweeper))
            for _ in range(400):  # until the sweep is done, or stuck behind the press
                if sweeping.done():
                    break
                stuck = await watcher.scalar(
                    text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
                )
                if stuck:
                    break
                await asyncio.sleep(0.05)
            assert await gate.lock_task(press.session, task.id) is not None
        assert await sweeping == 1
    finally:
        await sweeper.close()


async def test_a_batch_reads_in_a_fixed_number_of_queries_whatever_its_size(
    ctx: Context, clock: FrozenClock, office: Office
) -> None:
    """The sweep loads what its reminders read for the whole batch (`Reads.preload`):
    the queries it reads with stay the same for 2 due tasks or 8, with a group subscribed and a
    Plh acting; only the writes grow with the batch."""
    from sqlalchemy import event

    from bot.services import groups

    await groups.subscribe(ctx, -100, "Tim Kerja Sama")
    await delegate(
        ctx,
        holder_id=office["karo"],
        acting_id=office["staf"],
        role="karo",
        start=clock.now(),
        end=clock.now() + timedelta(days=3),
    )

    async def reads_of_a_sweep(due: int) -> int:
        for n in range(due):
            await register(ctx, office, title=f"Usulan {n}")
        clock.advance(timedelta(minutes=6))
        statements: list[str] = []

        def seen(_c: object, _cur: object, statement: str, *_rest: object) -> None:
            statements.append(statement)

        event.listen(ctx.engine.sync_engine, "before_cursor_execute", seen)
        try:
            assert await reminders.sweep(ctx) == due
        finally:
            event.remove(ctx.engine.sync_engine, "before_cursor_execute", seen)
        return sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))

    few = await reads_of_a_sweep(2)
    many = await reads_of_a_sweep(8)
    assert many == few
    nudged = [m for m in await outbox(ctx) if m.template == "task_nudge"]
    assert len(nudged) == 10 and {m.chat_id for m in nudged} == {office.chats["staf"]}
    cards = [m for m in await outbox(ctx) if m.chat_id == -100 and m.template == "group_card"]
    assert len({m.proposal_id for m in cards}) == 10  # each card turned overdue


async def test_a_batch_whose_preload_fails_is_reminded_task_by_task(
    ctx: Context, clock: FrozenClock, office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.services.reads import Reads

    for n in range(3):
        await register(ctx, office, title=f"Usulan {n}")
    clock.advance(timedelta(minutes=6))

    async def broken(reads: object, tasks: object) -> None:
        raise RuntimeError("a query the preload cannot run")

    monkeypatch.setattr(Reads, "preload", broken)
    assert await reminders.sweep(ctx) == 3
    nudges = [m for m in await outbox(ctx) if m.template == "task_nudge"]
    assert len(nudges) == 3 and {m.chat_id for m in nudges} == {office.chats["karo"]}
