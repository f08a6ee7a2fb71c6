"""A whole PTB Application (polling, handlers, callback answers, documents) against the emulator,
driven by the control API: the way the bot's end-to-end tests use it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from emulator import Emulator
from emulator.client import EmulatorClient
from tests.emulator_fixtures import TOKEN, running_emulator

Context = ContextTypes.DEFAULT_TYPE


async def start(update: Update, context: Context) -> None:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Setujui", callback_data="approve:7")]])
    await update.effective_message.reply_html(
        "<b>Nota 7</b> menunggu", reply_markup=keyboard, do_quote=True
    )


async def approve(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Disetujui")
    await query.edit_message_text(f"Nota 7 disetujui oleh {query.from_user.first_name}")


async def document(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    content = await (await message.document.get_file()).download_as_bytearray()
    await message.reply_document(bytes(content[::-1]), filename="balik.txt", caption="dibalik")


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with running_emulator() as emu:
        yield emu


@pytest.fixture
async def app(emulator: Emulator) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    application = (
        Application.builder()
        .token(TOKEN)
        .base_url(f"{emulator.url}/bot")
        .base_file_url(f"{emulator.url}/file/bot")
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(approve, pattern=r"^approve:"))
    application.add_handler(MessageHandler(filters.Document.ALL, document))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(timeout=10, drop_pending_updates=True)
        yield application
        await application.updater.stop()
        await application.stop()


async def test_conversation(app: Application, emulator: Emulator) -> None:  # type: ignore[type-arg]
    async with EmulatorClient(emulator.url) as tg:
        ani = await tg.create_user("Ani", id=1001)
        sent = await tg.send(ani["id"], "/start")
        [card] = await tg.wait(ani["id"], contains="menunggu")
        assert card["html"] == "<b>Nota 7</b> menunggu"
        assert card["reply_to_message_id"] == sent["message"]["message_id"]
        pressed = await tg.press(ani["id"], card["message_id"], label="Setujui")
        assert pressed["answer"] == {"text": "Disetujui", "show_alert": False}
        [edited] = await tg.wait(ani["id"], edited_contains="disetujui oleh Ani")
        assert edited["buttons"] == []

        await tg.send(ani["id"], document=("a.txt", "text/plain", b"abc"))
        [reply] = await tg.wait(ani["id"], contains="dibalik")
        assert reply["document"]["file_name"] == "balik.txt"
        _, content = await tg.file(reply["document"]["file_id"])
        assert content == b"cba"
        stats = await tg.stats()
        assert stats["errors"] == {} and stats["unknown_parameters"] == {}
