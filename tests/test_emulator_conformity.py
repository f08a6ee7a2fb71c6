"""Everything the emulator hands out has Telegram's shape, as api.json defines it: each required
field present with the right JSON type, no field the type does not define, enumerated strings
among their values. The walker itself is tested first, so that a pass means something."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)

from emulator import Emulator
from emulator.client import EmulatorClient
from emulator.schema import Report, schema
from tests.emulator_fixtures import WebhookReceiver, conformity, ptb_bot, running_emulator

TYPES_RETURNED = {
    "Message",
    "User",
    "Chat",
    "Update",
    "CallbackQuery",
    "File",
    "WebhookInfo",
    "BotCommand",
    "MessageEntity",
    "InlineKeyboardMarkup",
    "InlineKeyboardButton",
    "Document",
    "ChatMemberUpdated",
    "ChatMember",
    "ChatMemberMember",
    "ChatMemberLeft",
    "ChatMemberAdministrator",
    "ChatMemberBanned",
    "MaybeInaccessibleMessage",
}


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with running_emulator() as emu:
        yield emu


def user() -> dict[str, Any]:
    return {"id": 1, "is_bot": False, "first_name": "Ani"}


def test_walker_accepts_a_message() -> None:
    message = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": 1, "type": "private", "first_name": "Ani"},
        "from": user(),
        "text": "hi",
        "entities": [{"type": "bold", "offset": 0, "length": 2}],
    }
    report = schema().check(message, "Message")
    assert report.problems == []
    assert report.visited == {"Message", "Chat", "User", "MessageEntity"}


@pytest.mark.parametrize(
    ("value", "type_name", "problem"),
    [
        ({"is_bot": False, "first_name": "A"}, "User", "$.id: required field of User is missing"),
        ({**user(), "nickname": "x"}, "User", "$.nickname: User has no field 'nickname'"),
        ({**user(), "id": "1"}, "User", '$.id: expected Integer, got "1"'),
        ({**user(), "is_bot": 0}, "User", "$.is_bot: expected Boolean, got 0"),
        ({"id": 1, "type": "secret"}, "Chat", "$.type: 'secret' is not one of"),
        ({"type": "boldest", "offset": 0, "length": 1}, "MessageEntity", "$.type: 'boldest'"),
        ({"status": "member", "user": {}}, "ChatMember", "$.user.id: required field"),
        ({"inline_keyboard": [{"text": "x"}]}, "InlineKeyboardMarkup", "$.inline_keyboard[0]"),
    ],
)
def test_walker_finds_problems(value: Any, type_name: str, problem: str) -> None:
    problems = schema().check(value, type_name).problems
    assert any(p.startswith(problem) for p in problems), problems


def test_walker_on_method_results() -> None:
    assert schema().check_result("editMessageText", True).problems == []
    assert schema().check_result("getUpdates", [{"update_id": 1}]).problems == []
    assert schema().check_result("getMe", {"id": 1}).problems != []


async def test_everything_the_emulator_answers_conforms(emulator: Emulator) -> None:
    """One run through every method and control action that produces Telegram objects."""
    seen = Report()

    def walk(value: Any, type_name: str) -> None:
        report = schema().check(value, type_name)
        seen.problems += report.problems
        seen.visited |= report.visited

    receiver = WebhookReceiver()
    hook = await receiver.start()
    async with ptb_bot(emulator) as bot, EmulatorClient(emulator.url) as control:
        ani = await control.create_user("Ani", last_name="Lestari", username="ani")
        budi = await control.create_user("Budi", language_code="en")
        walk(ani, "User")
        walk(await control.create_chat("Rapat", [ani["id"], budi["id"]]), "Chat")
        walk(
            await control.create_chat("Biro", [budi["id"]], type="supergroup", bot_admin=True),
            "Chat",
        )
        sent = await control.send(ani["id"], "/start")
        walk(sent["message"], "Message")
        document = {
            "file_name": "surat.pdf",
            "mime_type": "application/pdf",
            "content_base64": base64.b64encode(b"%PDF-1.4").decode(),
        }
        walk(
            (await control.call("POST", "messages", {"user_id": ani["id"], "document": document}))[
                "message"
            ],
            "Message",
        )
        keyboard = InlineKeyboardMarkup(
            [
                [InlineKeyboardButton("Setujui", callback_data="ok")],
                [InlineKeyboardButton("Lihat", url="https://example.org/x")],
            ]
        )
        card = await bot.send_message(
            ani["id"],
            "<b>Nota</b> <i>dinas</i> <u>u</u> <s>s</s> <tg-spoiler>x</tg-spoiler> <code>c</code> "
            '<pre><code class="language-python">p</code></pre> <a href="https://e.org">l</a> '
            "<blockquote expandable>q</blockquote>",
            parse_mode="HTML",
            reply_markup=keyboard,
            reply_to_message_id=sent["message"]["message_id"],
        )
        await bot.edit_message_text(
            "Nota, diubah", ani["id"], card.message_id, reply_markup=keyboard
        )
        await bot.edit_message_reply_markup(ani["id"], card.message_id)
        await bot.edit_message_reply_markup(ani["id"], card.message_id, reply_markup=keyboard)
        pressed = await control.press(ani["id"], card.message_id, label="Setujui", wait=0)
        await bot.answer_callback_query(pressed["callback_query_id"])
        pdf = await bot.send_document(ani["id"], b"%PDF-1.4 isi", filename="isi.pdf", caption="Isi")
        assert pdf.document is not None
        await bot.edit_message_caption(
            ani["id"], pdf.message_id, caption="<i>Isi</i>", parse_mode="HTML"
        )
        await bot.get_file(pdf.document.file_id)
        await bot.set_my_commands([BotCommand("start", "Mulai")])
        await bot.set_my_commands(
            [BotCommand("rapat", "Rapat")], scope=BotCommandScopeAllGroupChats()
        )
        await bot.get_my_commands()
        await bot.pin_chat_message(ani["id"], card.message_id)
        await bot.unpin_chat_message(ani["id"], card.message_id)
        await bot.send_chat_action(ani["id"], "typing")
        await bot.get_webhook_info()
        await bot.get_updates()
        await control.block(ani["id"])
        await control.block(ani["id"], blocked=False)
        await bot.set_webhook(
            hook, secret_token="rahasia", allowed_updates=["message", "my_chat_member"]
        )
        await control.send(ani["id"], "lewat webhook")
        pushed, _ = await receiver.next()
        walk(pushed, "Update")
        await bot.get_webhook_info()
        await bot.delete_webhook(drop_pending_updates=True)
        await bot.delete_message(ani["id"], card.message_id)
        for update in (await control.updates())["updates"]:
            walk(update, "Update")
    await receiver.stop()

    answered = conformity(emulator)
    assert answered.problems == [] and seen.problems == []
    missing = TYPES_RETURNED - answered.visited - seen.visited
    assert not missing, f"never produced, so never checked: {sorted(missing)}"
    methods = {call.method for call in emulator.api_log if call.ok}
    assert not {"getMe", "sendMessage", "getUpdates", "setWebhook", "getFile"} - methods
    assert (await _unknown(emulator)) == {}


async def _unknown(emulator: Emulator) -> dict[str, Any]:
    """PTB sends only parameters that api.json defines (a check on the spec copy, too)."""
    return {k: sorted(v) for k, v in emulator.core.stats.unknown_parameters.items() if v}
