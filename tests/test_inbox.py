"""The inbox (`services.updates`, `bot.runtime.inbox`): each update handled once, with its effects;
poison set aside; strangers cost nothing."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select, update

from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.services import updates
from bot.services.context import Context
from bot.services.uow import UnitOfWork
from models import Event, ReceivedUpdate
from tests.bot_world import close_world, make_world
from tests.conftest import Office


async def _row(ctx: Context, update_id: int) -> ReceivedUpdate | None:
    async with ctx.sessions() as session:
        return await session.get(ReceivedUpdate, update_id)


async def _stored(ctx: Context, update_id: int) -> None:
    await updates.store(ctx, [{"update_id": update_id, "message": {"message_id": 1}}])


async def test_the_update_is_marked_handled_with_its_effects(ctx: Context) -> None:
    await _stored(ctx, 10)
    async with updates.handling(ctx, 10) as taken:
        assert taken is not None
        async with UnitOfWork(ctx) as uow:
            uow.record("note_added", payload={"text": "sekali"})
            await uow.commit()
        row = await _row(ctx, 10)
        assert row is not None and row.handled_at is not None  # in the use case's commit
    async with updates.handling(ctx, 10) as again:
        assert again is None  # a replay, a second delivery: nothing to do


async def test_effects_of_an_update_handled_elsewhere_are_rolled_back(
    ctx: Context, clock: FrozenClock
) -> None:
    """An instance whose lease ran out while it still worked: the other one handled the update
    first, so this one's unit of work must not commit the effects a second time."""
    await _stored(ctx, 11)
    async with updates.handling(ctx, 11) as taken:
        assert taken is not None
        async with ctx.engine.begin() as connection:  # the other instance, meanwhile
            await connection.execute(
                update(ReceivedUpdate)
                .where(ReceivedUpdate.update_id == 11)
                .values(handled_at=clock.now())
            )
        with pytest.raises(updates.TakenElsewhere):
            async with UnitOfWork(ctx) as uow:
                uow.record("note_added", payload={"text": "dua kali"})
                await uow.commit()
    async with ctx.sessions() as session:
        assert await session.scalar(select(func.count(Event.id))) == 0


async def test_a_failing_update_is_retried_then_set_aside(ctx: Context) -> None:
    await _stored(ctx, 12)
    for attempt in (1, 2, 3):
        async with updates.handling(ctx, 12) as taken:
            assert taken is not None and taken.attempt == attempt
            updates.failed_now("RuntimeError: rusak")
    row = await _row(ctx, 12)
    assert row is not None and row.set_aside_at is not None and row.handled_at is None
    assert row.error == "RuntimeError: rusak" and row.attempts == 3
    async with updates.handling(ctx, 12) as taken:
        assert taken is None  # never tried again
    assert [s.update_id for s in await updates.set_aside_list(ctx)] == [12]
    assert await updates.pending(ctx, at_start=True) == []


async def test_the_admins_hear_of_an_update_set_aside(ctx: Context, office: Office) -> None:
    from tests.helpers import outbox

    await _stored(ctx, 15)
    for _ in range(updates.MAX_ATTEMPTS):
        async with updates.handling(ctx, 15):
            updates.failed_now("KeyError: 'x'")
    told = [m for m in await outbox(ctx) if m.template == "update_set_aside"]
    assert [m.chat_id for m in told] == [office.chats["admin"]]
    assert told[0].context["update_id"] == 15


async def test_a_database_error_in_the_guard_stops_the_handling(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    async def locked(ctx: Context, update_id: int, user_id: int | None) -> tuple[None, None]:
        raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))

    await _stored(ctx, 13)
    monkeypatch.setattr(updates, "_take", locked)
    ran = False
    async with updates.handling(ctx, 13) as taken:
        if taken is not None:
            ran = True
    assert not ran
    monkeypatch.undo()
    assert [p["update_id"] for p in await updates.pending(ctx, at_start=True)] == [13]


async def test_a_leased_update_waits_for_its_lease(ctx: Context, clock: FrozenClock) -> None:
    """An instance that died holding an update: another takes it up once the lease runs out."""
    await _stored(ctx, 14)
    async with ctx.engine.begin() as connection:
        await connection.execute(
            update(ReceivedUpdate)
            .where(ReceivedUpdate.update_id == 14)
            .values(lease_until=clock.now() + timedelta(seconds=30), attempts=1)
        )
    assert await updates.pending(ctx, at_start=True) == []
    async with updates.handling(ctx, 14) as taken:
        assert taken is None
    clock.advance(seconds=31)
    assert [p["update_id"] for p in await updates.pending(ctx)] == [14]
    async with updates.handling(ctx, 14) as taken:
        assert taken is not None and taken.attempt == 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_malformed_webhook_body_is_refused_and_not_stored(
    settings: Settings, tmp_path: Path
) -> None:
    port = _free_port()
    world = await make_world(settings, tmp_path)
    hook = f"http://127.0.0.1:{port}/telegram/hook"
    world.ctx.settings = world.ctx.settings.model_copy(
        update={
            "webhook_url": hook,
            "webhook_listen": f"127.0.0.1:{port}",
            "webhook_secret": SecretStr("rahasia-webhook"),
        }
    )
    try:
        await world.start_bot()
        karo = await world.register("karo")
        headers = {"X-Telegram-Bot-Api-Secret-Token": "rahasia-webhook"}
        async with aiohttp.ClientSession() as http:
            for body in (
                '{"update_id":9999,"message":"x"}',
                "{not json",
                "[1, 2]",
                '{"a": 1}',
                '{"update_id": true}',  # a bool is an int to Python: taken as update 1
                '{"update_id": 1180591620717411303424}',  # 2**70: no column holds it
                '{"update_id": 9998, "message": NaN}',  # PostgreSQL's JSON has no NaN
                '{"update_id": 9997, "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
            ):
                async with http.post(
                    hook, data=body, headers=headers | {"Content-Type": "application/json"}
                ) as answer:
                    assert answer.status == 400, body
        for refused in (9999, 9998, 9997):
            assert await _row(world.ctx, refused) is None
        await world.tg.send(karo, "/bantuan")  # and the bot goes on
        await world.latest("karo", "/tugas")
    finally:
        await close_world(world)


async def test_a_stored_poison_update_is_set_aside_and_the_bot_starts(
    settings: Settings, tmp_path: Path
) -> None:
    """What an earlier version stored from a bad webhook push stopped every restart."""
    world = await make_world(settings, tmp_path)
    try:
        from bot.storage import migrate

        await migrate.upgrade(world.ctx.engine)
        await updates.store(world.ctx, [{"update_id": 9999, "message": "x"}])
        await world.start_bot()
        karo = await world.register("karo")
        await world.tg.send(karo, "/bantuan")
        await world.latest("karo", "/tugas")
        row = await _row(world.ctx, 9999)
        assert row is not None and row.set_aside_at is not None and row.error
    finally:
        await close_world(world)


async def test_strangers_cost_no_database_write(settings: Settings, tmp_path: Path) -> None:
    world = await make_world(settings, tmp_path)
    try:
        await world.start_bot()
        karo = await world.register("karo")
        async with world.ctx.sessions() as session:
            rows_before = await session.scalar(select(func.count(ReceivedUpdate.update_id)))
            events_before = await session.scalar(select(func.count(Event.id)))
        strangers = [await world.tg.create_user(f"Orang {n}") for n in range(5)]
        # A bare /start, or one with a link that names no open invitation, is a stranger's too.
        for text in ("/tugas", "/start", "/start tautan-palsu") * 2:
            for person in strangers:
                await world.tg.send(person["id"], text)
        for person in strangers:  # each is told once; the other five are only counted
            await world.tg.wait(person["id"], count=1, seconds=20)
        await _until(lambda: world.ctx.strangers_refused == 30)
        await world.tg.send(karo, "/tugas")
        await world.latest("karo", "Tidak ada tugas")
        async with world.ctx.sessions() as session:
            rows_after = await session.scalar(select(func.count(ReceivedUpdate.update_id)))
            events_after = await session.scalar(select(func.count(Event.id)))
        assert rows_after == (rows_before or 0) + 1  # karo's /tugas only
        assert events_after == events_before
        assert world.ctx.strangers_refused == 30
    finally:
        await close_world(world)


async def _until(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    """Wait for the bot to get there (a deadline on waiting, not an assert on speed)."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the bot did not get there")


async def test_a_stranger_s_flood_is_answered_once_and_never_holds_officials_up(
    settings: Settings, tmp_path: Path
) -> None:
    """Each reply to one chat waits on its one-per-second limit and holds an update slot:
    forty of them kept the Karo's /tugas waiting half a minute (found in review)."""
    world = await make_world(settings, tmp_path)
    try:
        await world.start_bot()
        karo = await world.register("karo")
        person = await world.tg.create_user("Orang asing")
        for n in range(40):
            await world.tg.send(person["id"], f"halo {n}")
        await _until(lambda: world.ctx.strangers_refused == 40)
        await world.tg.send(karo, "/tugas")
        await world.latest("karo", "Tidak ada tugas")
        told = [m for m in await world.tg.messages(person["id"]) if m["from_bot"]]
        assert len(told) == 1 and "belum terdaftar" in told[0]["text"]
    finally:
        await close_world(world)


async def test_polling_confirms_an_update_only_once_it_is_stored(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The offset that confirms a batch to Telegram moves past it only after the batch is in
    the database: one the database refused is fetched again, not lost."""
    from bot import app
    from bot.runtime.inbox import Inbox
    from bot.services.officials import add_official
    from demo.world import TOKEN

    world = await make_world(settings, tmp_path)
    application = app.build(world.ctx, TOKEN)
    try:
        await application.initialize()
        user = await world.tg.create_user("Karo")
        await add_official(world.ctx, name="Karo", telegram_user_id=user["id"])
        sent = await world.tg.send(user["id"], "/tugas")
        inbox = Inbox(world.ctx, application)

        async def refused(ctx: Context, payloads: object) -> list[object]:
            raise OSError("disk full")

        monkeypatch.setattr(updates, "store", refused)
        monkeypatch.setattr("bot.runtime.inbox.RETRY_SECONDS", 0.0)
        await inbox._poll_once()
        assert inbox.offset is None  # nothing confirmed
        assert await _row(world.ctx, sent["update_id"]) is None
        monkeypatch.undo()
        await inbox._poll_once()  # Telegram gives it again, and now it is kept
        assert inbox.offset == sent["update_id"] + 1
        assert await _row(world.ctx, sent["update_id"]) is not None
    finally:
        await application.shutdown()
        await close_world(world)
