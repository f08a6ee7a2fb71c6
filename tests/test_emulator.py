"""The Telegram emulator as PTB's own Bot sees it, and as the control API drives it.

Every Bot API answer of every test here is walked against api.json when the test ends."""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PIL import Image
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)

from emulator import Emulator
from emulator.client import ControlError, EmulatorClient
from tests.emulator_fixtures import TOKEN, WebhookReceiver, ptb_bot, running_emulator

ROOT = Path(__file__).resolve().parents[1]

# PTB itself warns when it builds RetryAfter from an integer retry_after.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2.*retry_after:telegram.warnings.PTBDeprecationWarning"
)

NOT_MODIFIED = (
    "Message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
TOO_OLD = "Query is too old and response timeout expired or query id is invalid"


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with running_emulator() as emu:
        yield emu


@pytest.fixture
async def bot(emulator: Emulator) -> AsyncIterator[Bot]:
    async with ptb_bot(emulator) as the_bot:
        yield the_bot


@pytest.fixture
async def control(emulator: Emulator) -> AsyncIterator[EmulatorClient]:
    async with EmulatorClient(emulator.url) as client:
        yield client


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(x, callback_data=f"do:{x}")] for x in labels]
    )


async def started_user(control: EmulatorClient, name: str = "Ani") -> int:
    user = await control.create_user(name, username=name.lower())
    await control.send(user["id"], "/start")
    return int(user["id"])


async def test_get_me(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123, True, "disposisi_test_bot")
    assert bot.username == "disposisi_test_bot"


async def test_a_mistyped_token_fails_as_in_telegram(emulator: Emulator) -> None:
    """Only the token the emulator was started with is answered: another bot's gets 401, what is
    no token at all 404 — PTB raises InvalidToken on both, as it does against Telegram."""
    for token in ("123:tset", "124:test", "wrong"):
        with pytest.raises(InvalidToken, match="was rejected by the server"):
            async with ptb_bot(emulator, token):  # starting a Bot asks getMe
                pass
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{emulator.url}/bot124:test/getMe") as answer:
            assert answer.status == 401
            assert await answer.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with session.get(f"{emulator.url}/file/bot124:test/documents/x") as answer:
            assert answer.status == 401
    assert "getMe" not in emulator.core.stats.calls  # refused before anything ran
    with pytest.raises(ValueError, match="digits"):
        Emulator(token="wrong")  # it could never be answered


async def test_send_html_with_keyboard(bot: Bot, control: EmulatorClient) -> None:
    chat = await started_user(control)
    sent = await bot.send_message(
        chat,
        "<b>Surat</b> 📄 dari <i>Dinas &amp; Badan</i>\n<a href='https://example.org'>lihat</a>",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard("Setujui", "Tolak"),
    )
    assert sent.text == "Surat 📄 dari Dinas & Badan\nlihat"
    assert sent.entities == (
        MessageEntity(MessageEntity.BOLD, 0, 5),
        MessageEntity(MessageEntity.ITALIC, 14, 13),  # the emoji is two UTF-16 code units
        MessageEntity(MessageEntity.TEXT_LINK, 28, 5, url="https://example.org"),
    )
    assert sent.reply_markup == keyboard("Setujui", "Tolak")
    assert sent.chat.id == chat and sent.from_user is not None and sent.from_user.is_bot
    [entry] = await control.messages(chat, since_message_id=1)
    assert entry["html"].startswith("<b>Surat</b>")
    assert entry["buttons"] == [
        [{"text": "Setujui", "callback_data": "do:Setujui"}],
        [{"text": "Tolak", "callback_data": "do:Tolak"}],
    ]


async def test_edit_and_not_modified(bot: Bot, control: EmulatorClient) -> None:
    chat = await started_user(control)
    sent = await bot.send_message(chat, "Menunggu", reply_markup=keyboard("Setujui"))
    edited = await bot.edit_message_text(
        "<b>Disetujui</b>", chat_id=chat, message_id=sent.message_id, parse_mode="HTML"
    )
    assert not isinstance(edited, bool)
    assert edited.text == "Disetujui" and edited.edit_date is not None
    assert edited.reply_markup is None  # an edit without reply_markup removes the keyboard
    with pytest.raises(BadRequest) as caught:
        await bot.edit_message_text(
            "<strong>Disetujui</strong>",
            chat_id=chat,
            message_id=sent.message_id,
            parse_mode="HTML",
        )
    assert caught.value.message == NOT_MODIFIED
    marked = await bot.edit_message_reply_markup(chat, sent.message_id, reply_markup=keyboard("X"))
    assert not isinstance(marked, bool) and marked.reply_markup == keyboard("X")
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_reply_markup(chat, sent.message_id, reply_markup=keyboard("X"))
    [entry] = await control.wait(chat, edited_contains="Disetujui")
    assert (entry["edited"], entry["edits"]) == (True, 2)


async def test_document_round_trip(bot: Bot, control: EmulatorClient) -> None:
    chat = await started_user(control)
    content = b"%PDF-1.4\nnota dinas\n"
    sent = await bot.send_document(
        chat, content, filename="nota.pdf", caption="<b>Nota</b> dinas", parse_mode="HTML"
    )
    assert sent.document is not None and sent.caption == "Nota dinas"
    assert (sent.document.file_name, sent.document.mime_type) == ("nota.pdf", "application/pdf")
    assert sent.document.file_size == len(content)
    assert sent.caption_entities == (MessageEntity(MessageEntity.BOLD, 0, 4),)
    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == content
    again = await bot.send_document(chat, sent.document.file_id)  # re-send by file_id
    assert again.document is not None and again.document.file_id == sent.document.file_id
    meta, stored = await control.file(sent.document.file_id)
    assert stored == content and meta["uploaded_by"] == "bot"
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_document(chat, "no-such-file-id")


async def test_user_document_reaches_the_bot(bot: Bot, control: EmulatorClient) -> None:
    chat = await started_user(control)
    await control.send(chat, document=("surat.pdf", "application/pdf", b"%PDF-1.4 x"), caption="x")
    updates = await bot.get_updates()
    document = updates[-1].message.document if updates[-1].message else None
    assert document is not None and document.file_name == "surat.pdf"
    file = await bot.get_file(document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"%PDF-1.4 x"


def _image(width: int, height: int, kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 90, 160)).save(out, kind)
    return out.getvalue()


async def test_a_users_photo_comes_as_telegram_keeps_it(bot: Bot, control: EmulatorClient) -> None:
    """Encoded anew as JPEG in Telegram's sizes, smallest first, each a file the bot can get;
    a reply carries the message it answers."""
    chat = await started_user(control)
    notice = await bot.send_message(chat, "Kirim fotonya")
    await control.send(chat, photo=_image(2000, 1500), reply_to_message_id=notice.message_id)
    message = (await bot.get_updates())[-1].message
    assert message is not None and message.document is None
    assert message.reply_to_message is not None
    assert message.reply_to_message.message_id == notice.message_id
    sizes = [(p.width, p.height) for p in message.photo]
    assert sizes == [(90, 68), (320, 240), (800, 600), (1280, 960)]
    largest = message.photo[-1]
    assert largest.file_id.startswith("AgAC") and largest.file_id != message.photo[0].file_id
    file = await bot.get_file(largest.file_id)
    assert file.file_path is not None and "/photos/" in file.file_path
    content = bytes(await file.download_as_bytearray())
    assert largest.file_size == len(content)
    with Image.open(io.BytesIO(content)) as kept:
        assert (kept.format, kept.size) == ("JPEG", (1280, 960))
    # A photo smaller than a box is kept at its own size as the largest.
    await control.send(chat, photo=_image(500, 300, "JPEG"))
    small = (await bot.get_updates(offset=-1))[-1].message
    assert small is not None
    assert [(p.width, p.height) for p in small.photo] == [(90, 54), (320, 192), (500, 300)]
    entry = (await control.messages(chat))[-1]
    assert entry["document"] is None and entry["photo"][-1]["width"] == 500


async def test_a_photo_must_be_an_image(control: EmulatorClient) -> None:
    chat = await started_user(control)
    with pytest.raises(ControlError) as caught:
        await control.send(chat, photo=b"%PDF-1.4 bukan gambar")
    assert caught.value.status == 400
    with pytest.raises(ControlError):  # 21:1 is no photo Telegram takes
        await control.send(chat, photo=_image(2100, 100))
    with pytest.raises(ControlError):  # text and a photo at once
        await control.send(chat, "halo", photo=_image(10, 10))


async def test_long_polling_gets_message_and_press(
    bot: Bot, control: EmulatorClient, emulator: Emulator
) -> None:
    user = await control.create_user("Budi", username="budi")
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    assert await emulator.wait_until(lambda: emulator.polls_waiting == 1)
    await control.send(user["id"], "/start@disposisi_test_bot halo")
    [update] = await asyncio.wait_for(poll, 5)  # woken by the message, not by the timeout
    assert update.message is not None
    assert update.message.text == "/start@disposisi_test_bot halo"
    assert update.message.entities == (MessageEntity(MessageEntity.BOT_COMMAND, 0, 25),)

    sent = await bot.send_message(user["id"], "Pilih", reply_markup=keyboard("Setujui", "Tolak"))
    press = asyncio.create_task(control.press(user["id"], sent.message_id, label="Tolak"))
    [pressed] = await bot.get_updates(offset=update.update_id + 1, timeout=5)
    query = pressed.callback_query
    assert query is not None and query.data == "do:Tolak"
    assert query.message is not None and query.message.message_id == sent.message_id
    assert query.from_user.id == user["id"]
    assert await bot.answer_callback_query(query.id, text="Ditolak", show_alert=True)
    result = await press
    assert result["answer"] == {"text": "Ditolak", "show_alert": True}
    assert result["callback_query_id"] == query.id
    # Confirmed updates are gone.
    assert await bot.get_updates(offset=pressed.update_id + 1) == ()


async def test_press_unknown_button(bot: Bot, control: EmulatorClient) -> None:
    chat = await started_user(control)
    sent = await bot.send_message(chat, "Pilih", reply_markup=keyboard("Setujui"))
    with pytest.raises(ControlError) as caught:
        await control.press(chat, sent.message_id, label="Tolak")
    assert caught.value.status == 404 and caught.value.body["buttons"] == [["Setujui"]]
    await bot.edit_message_reply_markup(chat, sent.message_id, reply_markup=None)
    with pytest.raises(ControlError):  # the keyboard as it is now
        await control.press(chat, sent.message_id, label="Setujui")


async def test_webhook_conflict_and_push(
    bot: Bot, control: EmulatorClient, emulator: Emulator
) -> None:
    receiver = WebhookReceiver(failures=2)
    url = await receiver.start()
    try:
        user = await control.create_user("Citra")
        await control.send(user["id"], "/start")
        assert await bot.set_webhook(url, secret_token="s3cret-token")
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        await control.send(user["id"], "kedua")
        first, secret = await receiver.next()
        assert secret == "s3cret-token"
        assert first["message"]["text"] == "/start"
        second, _ = await receiver.next()
        assert second["message"]["text"] == "kedua"
        assert second["update_id"] == first["update_id"] + 1
        assert await emulator.wait_until(lambda: not emulator.world.pending)
        info = await bot.get_webhook_info()
        assert info.url == url and info.pending_update_count == 0
        assert info.last_error_message is not None and "500" in info.last_error_message
        assert await bot.delete_webhook()
        assert await bot.get_updates() == ()
    finally:
        await receiver.stop()


async def test_forbidden(bot: Bot, control: EmulatorClient) -> None:
    stranger = await control.create_user("Dedi")
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(stranger["id"], "halo")
    chat = await started_user(control, "Eka")
    await control.block(chat)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(chat, "halo")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(999, "halo")
    await control.block(chat, blocked=False)
    assert (await bot.send_message(chat, "halo lagi")).text == "halo lagi"
    kinds = [
        u.my_chat_member.new_chat_member.status for u in await bot.get_updates() if u.my_chat_member
    ]
    assert kinds == ["kicked", "member"]


async def test_limits(bot: Bot, control: EmulatorClient) -> None:
    chat = await started_user(control)
    too_long_data = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="a" * 65)]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(chat, "x", reply_markup=too_long_data)
    fits = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 32)]])  # 64 bytes
    await bot.send_message(chat, "x", reply_markup=fits)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(chat, "a" * 4097)
    await bot.send_message(chat, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")  # after parsing
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(chat, "  <b> </b> ", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_document(chat, b"x", filename="x.txt", caption="c" * 1025)


async def test_parse_errors(bot: Bot, control: EmulatorClient) -> None:
    chat = await started_user(control)
    with pytest.raises(BadRequest) as caught:
        await bot.send_message(chat, "Nota dinas <foo>x</foo>", parse_mode="HTML")
    assert caught.value.message == (
        'Can\'t parse entities: unsupported start tag "foo" at byte offset 11'
    )
    with pytest.raises(BadRequest, match='unsupported start tag "" at byte offset 2'):
        await bot.send_message(chat, "a < b", parse_mode="HTML")
    with pytest.raises(BadRequest, match='Can\'t parse entities: unescaped "&"'):
        await bot.send_message(chat, "PT A & B", parse_mode="HTML")
    with pytest.raises(BadRequest, match='can\'t find end tag corresponding to start tag "b"'):
        await bot.send_message(chat, "<b>tebal", parse_mode="HTML")
    with pytest.raises(BadRequest, match="unmatched end tag"):
        await bot.send_message(chat, "<b><i>x</b></i>", parse_mode="HTML")
    # Without a parse mode the same text is just text.
    assert (await bot.send_message(chat, "a < b & <foo>")).text == "a < b & <foo>"


async def test_flood_limits(bot: Bot, control: EmulatorClient, emulator: Emulator) -> None:
    chat = await started_user(control)
    emulator.core.flood.clock = lambda: 1000.0  # every call in the same instant: no flakiness
    await control.flood(True)
    await bot.send_message(chat, "satu")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(chat, "dua")
    assert "Retry in 1 seconds" in str(caught.value)
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{emulator.url}/bot{TOKEN}/sendMessage", json={"chat_id": chat, "text": "tiga"}
        ) as raw,
    ):
        assert raw.status == 429
        assert await raw.json() == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        }
    group = await control.create_chat("Rapat", [chat])
    for number in range(20):
        await bot.send_message(group["id"], f"pesan {number}")
    with pytest.raises(RetryAfter):
        await bot.send_message(group["id"], "kebanyakan")
    stats = await control.stats()
    assert stats["too_many_requests"] == 3
    assert stats["messages_per_chat"][str(group["id"])] == 20
    await control.flood(False)
    await bot.send_message(chat, "lagi")


async def test_faults(bot: Bot, control: EmulatorClient) -> None:
    chat = await started_user(control)
    await control.fault("sendMessage", count=2, status=502)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(chat, "halo")
    assert (await bot.send_message(chat, "halo")).text == "halo"
    await control.fault("sendmessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter, match="Retry in 7 seconds"):
        await bot.send_message(chat, "halo")
    await control.fault("getMe", hang_seconds=0.05)  # slow, then answered
    assert (await bot.get_me()).username == "disposisi_test_bot"
    await control.fault("sendMessage", count=5, status=500)
    await control.clear_faults()
    await bot.send_message(chat, "tanpa gangguan")
    assert (await control.stats())["faults_injected"] == 4


async def test_query_too_old(bot: Bot, control: EmulatorClient) -> None:
    chat = await started_user(control)
    sent = await bot.send_message(chat, "Pilih", reply_markup=keyboard("Ya"))
    first = await control.press(chat, sent.message_id, label="Ya", wait=0)
    assert first["answer"] is None
    assert await control.expire_callbacks() == 1
    with pytest.raises(BadRequest) as caught:
        await bot.answer_callback_query(first["callback_query_id"])
    assert caught.value.message == TOO_OLD
    second = await control.press(chat, sent.message_id, callback_data="do:Ya", wait=0)
    assert await bot.answer_callback_query(second["callback_query_id"], text="ok")
    with pytest.raises(BadRequest, match="Query is too old"):  # answered twice
        await bot.answer_callback_query(second["callback_query_id"], text="lagi")


async def test_commands_pin_delete(bot: Bot, control: EmulatorClient) -> None:
    chat = await started_user(control)
    commands = [BotCommand("start", "Mulai"), BotCommand("tugas", "Tugas saya")]
    assert await bot.set_my_commands(commands)
    assert await bot.set_my_commands(commands[:1], scope=BotCommandScopeChat(chat))
    assert await bot.get_my_commands() == tuple(commands)
    assert await bot.get_my_commands(scope=BotCommandScopeChat(chat)) == tuple(commands[:1])
    stored = await control.commands()
    assert stored[0] == {
        "scope": {"type": "default"},
        "language_code": "",
        "commands": [c.to_dict() for c in commands],
    }
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "x")])
    sent = await bot.send_message(chat, "Kartu tugas")
    assert await bot.pin_chat_message(chat, sent.message_id)
    gone = await bot.send_message(chat, "sementara")
    assert await bot.delete_message(chat, gone.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(chat, gone.message_id)
    entries = {e["message_id"]: e for e in await control.messages(chat)}
    assert entries[sent.message_id]["pinned"] and entries[gone.message_id]["deleted"]


async def test_group_chat(bot: Bot, control: EmulatorClient) -> None:
    ani = await control.create_user("Ani")
    budi = await control.create_user("Budi")
    group = await control.create_chat("Rapat Biro", [ani["id"], budi["id"]], type="supergroup")
    assert group["type"] == "supergroup" and str(group["id"]).startswith("-100")
    sent = await control.send(budi["id"], "/tugas@disposisi_test_bot", chat_id=group["id"])
    updates = await bot.get_updates()
    added = updates[0].my_chat_member
    assert added is not None and added.from_user.id == ani["id"]
    assert (added.old_chat_member.status, added.new_chat_member.status) == ("left", "member")
    assert updates[1].message is not None and updates[1].message.chat.title == "Rapat Biro"
    reply = await bot.send_message(
        group["id"], "Siap", reply_to_message_id=sent["message"]["message_id"]
    )
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.from_user is not None
    assert reply.reply_to_message.from_user.id == budi["id"]
    with pytest.raises(BadRequest, match="Not enough rights"):
        await bot.pin_chat_message(group["id"], reply.message_id)
    outsider = await control.create_user("Luar")
    with pytest.raises(ControlError) as caught:
        await control.send(outsider["id"], "halo", chat_id=group["id"])
    assert caught.value.status == 403


async def test_wait_endpoint(bot: Bot, control: EmulatorClient) -> None:
    chat = await started_user(control)
    waiting = asyncio.create_task(control.wait(chat, contains="nomor 12"))
    await bot.send_message(chat, "Surat diterima, nomor 12")
    [found] = await waiting
    assert found["text"] == "Surat diterima, nomor 12" and found["from_bot"]
    with pytest.raises(ControlError) as caught:
        await control.wait(chat, contains="tidak ada", seconds=0.05)
    assert caught.value.status == 408
    assert [m["text"] for m in caught.value.body["messages"]] == [
        "/start",
        "Surat diterima, nomor 12",
    ]
    assert len(await control.wait(chat, count=1)) == 1


async def test_reset(bot: Bot, control: EmulatorClient, emulator: Emulator) -> None:
    chat = await started_user(control)
    await control.reset()
    assert emulator.world.users == {} and (await control.updates())["updates"] == []
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(chat, "halo")


async def test_unknown_method_and_parameters(bot: Bot, control: EmulatorClient) -> None:
    chat = await started_user(control)
    await bot.send_message(chat, "x", api_kwargs={"made_up_parameter": 1})
    assert (await control.stats())["unknown_parameters"] == {"sendMessage": ["made_up_parameter"]}
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")


async def raw_call(emulator: Emulator, method: str, body: dict[str, object]) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emulator.url}/bot{TOKEN}/{method}", json=body) as answer,
    ):
        return answer.status, await answer.json()


async def test_second_poll_terminates_the_first(
    emulator: Emulator, control: EmulatorClient
) -> None:
    first = asyncio.create_task(raw_call(emulator, "getUpdates", {"timeout": 10}))
    assert await emulator.wait_until(lambda: emulator.polls_waiting == 1)
    second = asyncio.create_task(raw_call(emulator, "getUpdates", {"timeout": 10}))
    status, body = await first
    assert status == 409
    assert body["description"].startswith("Conflict: terminated by other getUpdates request")
    user = await control.create_user("Fajar")
    await control.send(user["id"], "/start")
    status, body = await second
    assert status == 200 and body["result"][0]["message"]["text"] == "/start"


async def test_allowed_updates(bot: Bot, control: EmulatorClient) -> None:
    chat = await started_user(control)
    sent = await bot.send_message(chat, "Pilih", reply_markup=keyboard("Ya"))
    await control.press(chat, sent.message_id, label="Ya", wait=0)
    [update] = await bot.get_updates(allowed_updates=["callback_query"])
    assert update.callback_query is not None  # the /start message was dropped
    await control.send(chat, "tidak diminta")
    assert await bot.get_updates(offset=update.update_id + 1) == ()  # the setting is kept


async def test_command_line() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "emulator",
        "--port",
        "0",
        "--token",
        "77:own",
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        url = line.split(" on ")[1].strip()
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{url}/bot77:own/getMe") as r:
                me = (await r.json())["result"]
                assert (me["id"], me["username"]) == (77, "disposisi_test_bot")
            async with session.get(f"{url}/bot{TOKEN}/getMe") as r:  # not the one it was given
                assert r.status == 401
    finally:
        process.terminate()
        assert await asyncio.wait_for(process.wait(), 10) == 0
