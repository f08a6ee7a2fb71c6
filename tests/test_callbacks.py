"""The callback codec: every verb takes a fixed number of ids, and anything else is not ours."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.app import api_urls
from bot.core import callbacks
from bot.core.config import Settings
from bot.services import queries
from demo.world import TOKEN
from models import ReceivedUpdate, RoleAssignment
from tests.bot_world import World, close_world, make_world

# What each handler indexes: a count outside these made them raise IndexError.
ARITY = {
    "ok": (2, 2),
    "no": (2, 2),
    "dc": (3, 3),
    "fw": (2, 3),
    "fp": (3, 4),
    "up": (2, 4),
    "nt": (2, 2),
    "hs": (1, 2),
    "dl": (1, 1),
    "ld": (1, 1),
    "tk": (1, 1),
    "dp": (2, 2),
    "dw": (3, 3),
    "di": (4, 4),
    "dq": (2, 2),
    "dr": (1, 1),
    "dk": (1, 1),
    "ip": (1, 1),
    "ik": (1, 1),
    "if": (1, 1),
    "ig": (1, 1),
    "iu": (1, 1),
    "is": (0, 0),
    "iy": (0, 0),
    "dg": (2, 2),
    "dd": (3, 3),
    "xx": (0, 0),
}


def _data(verb: str, count: int) -> str:
    return ":".join([verb, *(str(7 + i) for i in range(count))])


def test_every_verb_has_its_arity_written_once_in_the_codec() -> None:
    assert {v: (k.least, k.most) for v, k in callbacks.VERBS.items()} == ARITY


@pytest.mark.parametrize("verb", sorted(ARITY))
def test_a_verb_with_too_few_or_too_many_ids_is_not_ours(verb: str) -> None:
    least, most = ARITY[verb]
    for count in range(least, most + 1):
        pressed = callbacks.decode(_data(verb, count))
        assert pressed is not None and pressed.verb == verb and len(pressed.args) == count
        assert callbacks.encode(verb, *pressed.args) == _data(verb, count)
    wrong = [most + 1, *([least - 1] if least > 0 else [])]
    for count in wrong:
        assert callbacks.decode(_data(verb, count)) is None, (verb, count)
        with pytest.raises(ValueError):
            callbacks.encode(verb, *range(count))


@pytest.mark.parametrize(
    "forged", ["ok:1", "ok", "fp:1:1", "dc:1", "dc:1:2", "hs", "dl:1:2", "xx:1", "dg:1", "iy:0"]
)
def test_the_forgeries_from_the_issue_are_refused(forged: str) -> None:
    assert callbacks.decode(forged) is None


@pytest.mark.parametrize(
    "forged", ["dl:2147483648", "hs:1:99999999999", "tk:999999999999", "ok:1:9999999999"]
)
def test_an_id_no_row_can_have_is_not_ours(forged: str) -> None:
    """PostgreSQL numbers rows in `integer`; asyncpg refused these, the bot said "kesalahan"."""
    assert callbacks.decode(forged) is None
    assert callbacks.decode(f"dl:{callbacks.MAX_ID}") == callbacks.Press("dl", (callbacks.MAX_ID,))


@pytest.fixture
async def world(settings: Settings, tmp_path: Path) -> AsyncIterator[World]:
    w = await make_world(settings, tmp_path)
    try:
        await w.start_bot()
        await w.register_office(roles=("karo",))
        yield w
    finally:
        await close_world(w)


async def test_a_forged_press_gets_the_stale_button_answer(world: World) -> None:
    """A client may send any callback data on the bot's message; put `ok:1` on one."""
    urls = api_urls(world.ctx.settings.telegram_api_url)
    assert urls is not None
    karo = world.uid("karo")
    async with Bot(TOKEN, base_url=urls[0], base_file_url=urls[1]) as bot:
        forged = InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(data, callback_data=data)]
                for data in ("ok:1", "fp:1:1", "dl:999999999999", "hs:2147483648:0")
            ]
        )
        message = await bot.send_message(karo, "tombol palsu", reply_markup=forged)
    for data in ("ok:1", "fp:1:1", "dl:999999999999", "hs:2147483648:0"):
        pressed = await world.tg.press(karo, message.message_id, callback_data=data, wait=10)
        answer = pressed["answer"]
        assert answer is not None, data
        assert answer["text"] == "Tombol ini sudah tidak berlaku." and answer["show_alert"]


async def test_a_forged_delegation_length_is_refused_and_delegates_nothing(world: World) -> None:
    """The menu offers 1, 3, 7 or 14 days; `dd:…:36500` made a Plh until 2126 (review)."""
    people = {p.name: p.id for p in await queries.officials(world.ctx)}
    karo = world.uid("karo")
    holder = next(i for name, i in people.items() if "karo" in name.lower())
    acting = next(i for i in people.values() if i != holder)
    data = f"dd:{holder}:{acting}:36500"
    urls = api_urls(world.ctx.settings.telegram_api_url)
    assert urls is not None
    async with Bot(TOKEN, base_url=urls[0], base_file_url=urls[1]) as bot:
        forged = InlineKeyboardMarkup([[InlineKeyboardButton("100 tahun", callback_data=data)]])
        message = await bot.send_message(karo, "tombol palsu", reply_markup=forged)
    pressed = await world.tg.press(karo, message.message_id, callback_data=data, wait=10)
    assert pressed["answer"] is not None and pressed["answer"]["show_alert"]
    assert "Isian tidak dapat dipakai" in pressed["answer"]["text"]
    async with queries.reading(world.ctx) as session:
        delegations = select(func.count(RoleAssignment.id)).where(
            RoleAssignment.acting_for_id.is_not(None)
        )
        assert await session.scalar(delegations) == 0


async def test_a_typed_id_that_is_no_row_id_is_answered_not_an_error(world: World) -> None:
    """`/cabut ²` passed `str.isdigit` and then failed `int`; `/cabut 99999999999999999999`
    overflowed the database's integer: each was an error, retried, then set aside."""
    admin = world.uid("admin")
    typed = ("/cabut ²", "/cabut 99999999999999999999", "/delegasi ²")
    for text in typed:
        await world.tg.send(admin, text)
    answers = await world.tg.wait(admin, count=1 + len(typed), seconds=10)
    said = [m["text"] for m in answers[1:]]
    assert sorted(said) == sorted(
        ["Tulis: /cabut ID (lihat /pejabat)."] * 2
        + ["Isian tidak dapat dipakai. Periksa lagi lalu coba kembali."]
    )
    async with world.ctx.sessions() as session:
        failed = select(func.count()).where(ReceivedUpdate.error.is_not(None))
        assert await session.scalar(failed) == 0
