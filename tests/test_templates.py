"""What officials would read: every message the services queue renders, escaped, in Indonesian."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.clock import FrozenClock
from bot.core.engine import Decide
from bot.core.render import Renderer, duration
from bot.services import groups, tasks
from bot.services.context import Context
from bot.services.errors import AlreadyHandled, DocumentMissing, DocumentRejected, NotYourTask
from tests.conftest import Office
from tests.helpers import do, open_tasks, outbox, pdf, register, to_step

TITLE = 'Kerja sama <script>alert("x")</script> & wisata'


@pytest.fixture
def renderer(ctx: Context) -> Renderer:
    return Renderer(ctx.settings.zone)


async def test_every_queued_message_renders(
    ctx: Context, office: Office, renderer: Renderer
) -> None:
    await groups.subscribe(ctx, -100123, "Tim Kerja Sama")
    reg = await register(ctx, office, title=TITLE)
    pid = reg.proposal_id
    await to_step(ctx, office, pid, "tkksd_bahas")
    await do(ctx, office, pid, "tkksd", Decide("tidak_setuju", "Belum layak"), attach="notulen")
    messages = await outbox(ctx)
    templates = {m.template for m in messages}
    expected = {"task_assigned", "task_closed", "group_card", "group_outcome", "proposal_closed"}
    assert expected <= templates
    for message in messages:
        text = renderer.render(message.template, message.context)
        assert 0 < len(text) <= 4096
        assert "<script>" not in text
        if message.context.get("proposal", {}).get("title") == TITLE:
            assert "&lt;script&gt;" in text


async def test_the_task_message_says_what_to_do_and_by_when(
    ctx: Context, office: Office, renderer: Renderer
) -> None:
    reg = await register(ctx, office)
    await to_step(ctx, office, reg.proposal_id, "analis_telaah")
    message = next(
        m
        for m in await outbox(ctx)
        if m.template == "task_assigned" and m.chat_id == office.chats["analis_ls"]
    )
    text = renderer.render(message.template, message.context)
    assert reg.number in text
    assert "Langkah 4" in text
    assert "✗ Hasil telaah" in text and "(unggah)" in text
    assert "Sen, 23 Nov 2026 09:00 WIB" in text  # 08:00 + 60 working minutes


async def test_a_delegate_sees_in_whose_name(
    ctx: Context, office: Office, renderer: Renderer
) -> None:
    message = {"on_behalf_of": "Pejabat karo"}
    reg = await register(ctx, office)
    base = next(m for m in await outbox(ctx) if m.template == "task_assigned").context
    text = renderer.render("task_assigned", base | message)
    assert "a.n. Pejabat karo" in text
    assert reg.number in text


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (NotYourTask(), "bukan untuk Anda"),
        (AlreadyHandled(), "sudah ditangani"),
        (DocumentMissing(missing=["Notulen rapat TKKSD"]), "Notulen rapat TKKSD"),
        (DocumentRejected(reason="size", limit_mb=20), "maksimal 20 MB"),
        (DocumentRejected(reason="type"), "tidak diterima"),
    ],
)
def test_refusals_read_plainly(renderer: Renderer, error: NotYourTask, expected: str) -> None:
    text = renderer.render("refusal", {"code": error.code, "details": error.details})
    assert expected in text


async def test_a_refusal_from_the_services_renders(
    ctx: Context, office: Office, renderer: Renderer
) -> None:
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    with pytest.raises(NotYourTask) as refused:
        await tasks.attach_document(ctx, task.id, office["orang_lain"], "usulan", pdf())
    text = renderer.render(
        "refusal", {"code": refused.value.code, "details": refused.value.details}
    )
    assert text == "Tugas ini bukan untuk Anda."


def test_local_time_and_duration_formats(renderer: Renderer) -> None:
    moment = datetime(2026, 11, 27, 2, 5, tzinfo=UTC)
    assert renderer.local_time(moment) == "Jum, 27 Nov 2026 09:05 WIB"
    assert renderer.local_time(moment.isoformat()) == "Jum, 27 Nov 2026 09:05 WIB"
    assert duration(0) == "0 menit"
    assert duration(495) == "8 jam 15 menit"
    assert duration(120) == "2 jam"
    assert duration(-30) == "-30 menit"


async def test_every_reminder_message_renders(
    ctx: Context, office: Office, renderer: Renderer, clock: FrozenClock
) -> None:
    """Reminders, the escalation, a superior's note, the old reminders' closing edits, the
    digest and the superseded analyst's closing edit, with a hostile title."""
    from bot.services import digest, reminders

    await groups.subscribe(ctx, -100123, "Tim Kerja Sama")
    reg = await register(ctx, office, title=TITLE)
    for _ in range(3 * 60 + 5):
        clock.advance(minutes=1)
        await reminders.sweep(ctx)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    await tasks.add_note(ctx, task.id, office["asisten1"], "<b>Segera</b> & tuntaskan")
    clock.advance(days=1)
    await digest.send_daily(ctx)
    messages = await outbox(ctx)
    expected = {"task_nudge", "task_escalated", "task_note", "task_closed", "digest"}
    assert expected <= {m.template for m in messages}
    for message in messages:
        text = renderer.render(message.template, message.context)
        assert 0 < len(text) <= 4096
        assert "<script>" not in text and "<b>Segera</b>" not in text


@pytest.mark.parametrize("action", ["superseded", "reminded", "forwarded"])
async def test_a_closed_task_message_renders_without_a_note(
    ctx: Context, office: Office, renderer: Renderer, action: str
) -> None:
    await register(ctx, office)
    base = next(m for m in await outbox(ctx) if m.template == "task_assigned").context
    text = renderer.render("task_closed", base | {"result": {"action": action, "to": "Ani"}})
    assert "Langkah 1" in text and "Catatan" not in text
