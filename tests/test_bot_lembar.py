"""The disposition sheet in Telegram, against the emulator: the button on a case's history sends
the PDF (made off the bot's loop) to one who may see the case, and /cek KODE answers any
registered official — the case's title only to one who may see it."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.app import api_urls
from bot.core import callbacks
from bot.core.config import Settings
from bot.records import lembar
from bot.services import queries
from demo.world import TOKEN
from models import Proposal
from models.outbox import DOCUMENT
from tests.bot_world import Json, World, intake, office_world
from tests.helpers import events, outbox


@pytest.fixture
async def world(settings: Settings, tmp_path: Path) -> AsyncIterator[World]:
    async with office_world(settings, tmp_path) as w:
        yield w


async def _sheet(world: World, who: str, number: str, command: str) -> tuple[str, bytes]:
    """Ask for the case with `command`, tap the sheet's button: its caption and its PDF."""
    since = max(m["message_id"] for m in await world.tg.messages(world.uid(who)))
    await world.say(who, f"/{command} {number}")
    card = await _with_sheet_button(world, who, number, since)
    await world.press(who, card, "🗒️ Lembar disposisi")
    sent = await world.latest(who, "kode verifikasi")
    assert sent["document"]["file_name"] == f"Lembar disposisi {number.replace('/', '-')}.pdf"
    _, content = await world.tg.file(sent["document"]["file_id"])
    return sent["text"], content


async def _with_sheet_button(world: World, who: str, number: str, since: int) -> Json:
    """The bot's answer after `since` that offers the sheet (a task message may come first)."""
    while True:
        found = await world.tg.wait(
            world.uid(who), contains=number, since_message_id=since, seconds=10
        )
        for message in found:
            labels = [b["text"] for row in message.get("buttons") or [] for b in row]
            if "🗒️ Lembar disposisi" in labels:
                return message
        since = found[-1]["message_id"]


async def test_the_sheet_from_the_history_then_cek(world: World) -> None:
    number = await intake(world)
    await world.approve("karo", number)
    caption, content = await _sheet(world, "karo", number, "riwayat")
    pages = PdfReader(io.BytesIO(content)).pages
    said = " ".join((p.extract_text() or "") for p in pages)
    assert "LEMBAR DISPOSISI" in said and number in said
    code = caption.rsplit(" ", 1)[-1]
    assert lembar.normalized(code) is not None and code in said
    # The one who may see the case reads its title; someone else its number only.
    await world.say("karo", f"/cek {code}")
    checked = await world.latest("karo", "Lembar disposisi asli")
    assert number in checked["text"] and "Posisi saat dicetak: langkah 2" in checked["text"]
    await world.say("staf", f"/cek {code.lower()}")
    other = await world.latest("staf", "Lembar disposisi asli")
    assert number in other["text"] and "Pembangunan" not in other["text"]
    # The case moves on: the sheet no longer tells where it stands.
    await world.approve("kabag_ks", number)
    await world.say("karo", f"/cek {code}")
    assert "sudah bergerak" in (await world.latest("karo", "sudah bergerak"))["text"]
    altered = code[:-1] + next(s for s in lembar.ALPHABET if s != code[-1])
    await world.say("karo", f"/cek {altered}")
    assert "tidak sah" in (await world.latest("karo", "tidak sah"))["text"]


async def test_the_sheet_from_the_status_card_and_cek_without_a_code(world: World) -> None:
    number = await intake(world)
    caption, content = await _sheet(world, "karo", number, "status")
    assert content.startswith(b"%PDF-") and number in caption
    await world.say("karo", "/cek")
    assert "Tulis: /cek KODE" in (await world.latest("karo", "/cek KODE"))["text"]


async def test_no_sheet_button_in_a_group(world: World) -> None:
    """/riwayat in the team's group answers with the history, as /status does with the card,
    but offers no sheet: the whole group would be handed the case's papers."""
    number = await intake(world)
    group = world.group
    assert group is not None
    await world.tg.send(world.uid("admin"), f"/riwayat {number}", chat_id=group)
    found = await world.tg.wait(group, contains="Riwayat", seconds=10)
    labels = [b["text"] for m in found for row in m.get("buttons") or [] for b in row]
    assert "🗒️ Lembar disposisi" not in labels


async def test_a_forged_sheet_press_in_a_group_is_refused_and_sends_nothing(world: World) -> None:
    """A client may put `ld:<id>` on a message in the group: the sheet would go to the whole
    group. Refused as a stale button, and recorded; no sheet is made, nothing is on record."""
    number = await intake(world)
    group = world.group
    assert group is not None
    async with queries.reading(world.ctx) as session:
        proposal_id = await session.scalar(select(Proposal.id).where(Proposal.number == number))
    assert proposal_id is not None
    data = callbacks.encode("ld", proposal_id)
    urls = api_urls(world.ctx.settings.telegram_api_url)
    assert urls is not None
    async with Bot(TOKEN, base_url=urls[0], base_file_url=urls[1]) as bot:
        forged = InlineKeyboardMarkup([[InlineKeyboardButton("🗒️", callback_data=data)]])
        message = await bot.send_message(group, number, reply_markup=forged)
    admin = world.uid("admin")
    pressed = await world.tg.press(
        admin, message.message_id, chat_id=group, callback_data=data, wait=10
    )
    assert pressed["answer"] is not None and pressed["answer"]["show_alert"]
    assert pressed["answer"]["text"] == "Tombol ini sudah tidak berlaku."
    found = await events(world.ctx)
    [refused] = [e for e in found if e.type == "action_refused"]
    assert refused.payload["action"] == "lembar" and refused.payload["chat_id"] == group
    assert refused.payload["proposal"] == proposal_id
    assert not [e for e in found if e.type == "record_issued"]
    assert not [m for m in await outbox(world.ctx) if m.kind == DOCUMENT]
    assert not [m for m in await world.tg.messages(group) if m["document"]]


async def test_the_sheet_is_on_record_once_though_telegram_failed_to_take_it(world: World) -> None:
    """The sheet goes by the outbox: Telegram refusing it once is the sender's to retry, not
    the official's (a second press would be a second sheet, with another code)."""
    number = await intake(world)
    await world.tg.fault("sendDocument", count=1, status=502)
    caption, content = await _sheet(world, "karo", number, "status")
    assert content.startswith(b"%PDF-")
    [made] = [e for e in await events(world.ctx) if e.type == "record_issued"]
    assert lembar.shown(made.payload["code"]) in caption
    [row] = [m for m in await outbox(world.ctx) if m.kind == DOCUMENT]
    assert (row.template, row.attempts) == ("lembar_sent", 2)
    assert (await world.tg.stats())["faults_injected"] == 1
