"""The callback codec: every verb takes a fixed number of ids, and anything else is not ours."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.app import api_urls
from bot.config import Settings
from bot.demo.world import TOKEN
from tests.bot_world import World, close_world, make_world

# What each handler indexes: a count outside these made them raise IndexError.
ARITY = {
    "ok": (2, 2),
    "no": (2, 2),
    "dc": (3, 3),
    "fw": (2, 3),
    "fp": (3, 4),
    "up": (2, 3),
    "nt": (2, 2),
    "hs": (1, 2),
    "dl": (1, 1),
    "tk": (1, 1),
    "ik": (1, 1),
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
            [[InlineKeyboardButton(data, callback_data=data)] for data in ("ok:1", "fp:1:1")]
        )
        message = await bot.send_message(karo, "tombol palsu", reply_markup=forged)
    for data in ("ok:1", "fp:1:1"):
        pressed = await world.tg.press(karo, message.message_id, callback_data=data, wait=10)
        answer = pressed["answer"]
        assert answer is not None, data
        assert answer["text"] == "Tombol ini sudah tidak berlaku." and answer["show_alert"]
