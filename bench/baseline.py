"""The baseline: a bare PTB bot that, for each press of "✅ Setujui", makes exactly the Bot API
calls the real bot makes for an approval — answer the callback, edit the pressed task message,
send the next official's task message, edit the group's card — with no database, no engine and
no templates. It is the ceiling for any PTB bot on this machine and emulator.

    python -m bench.baseline --api URL --chats 1,2,3,4 --group -4000000001 --proposals 300
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bench.procs import TOKEN


def number(p: int) -> str:
    return f"{p:04d}/KS/2026"


def task(p: int, step: int) -> tuple[str, InlineKeyboardMarkup]:
    text = f"📥 <b>Tugas baru</b>\n\n<b>{number(p)}</b> · Usulan uji\nLangkah {step + 1}: setujui"
    button = InlineKeyboardButton("✅ Setujui", callback_data=f"ok:{p}:{step}")
    return text, InlineKeyboardMarkup([[button]])


def card(p: int, step: int) -> str:
    return f"📋 <b>{number(p)}</b> · Usulan uji\n▶️ Langkah {step + 1}"


async def main(args: argparse.Namespace) -> None:
    chats = [int(c) for c in args.chats.split(",")]
    application = (
        Application.builder()
        .token(TOKEN)
        .base_url(f"{args.api}/bot")
        .base_file_url(f"{args.api}/file/bot")
        .concurrent_updates(8)  # as the real bot
        .build()
    )
    cards: dict[int, int] = {}

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        _, p_text, step_text = query.data.split(":")
        p, step = int(p_text), int(step_text)
        await query.answer("✅ Tersimpan.")
        await query.edit_message_text(
            f"<b>{number(p)}</b> · Usulan uji\n✅ Disetujui", parse_mode=ParseMode.HTML
        )
        text, markup = task(p, step + 1)
        await context.bot.send_message(
            chats[min(step + 1, len(chats) - 1)],
            text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
        )
        await context.bot.edit_message_text(
            card(p, step + 1), chat_id=args.group, message_id=cards[p], parse_mode=ParseMode.HTML
        )

    application.add_handler(CallbackQueryHandler(on_press))
    await application.initialize()
    for p in range(1, args.proposals + 1):  # the work in flight, as the real bot's intake left it
        text, markup = task(p, 0)
        await application.bot.send_message(
            chats[0], text, parse_mode=ParseMode.HTML, reply_markup=markup
        )
        sent = await application.bot.send_message(args.group, card(p, 0), parse_mode=ParseMode.HTML)
        cards[p] = sent.message_id
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(timeout=10)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await application.updater.stop()
    await application.stop()
    await application.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.baseline")
    parser.add_argument("--api", required=True)
    parser.add_argument("--chats", required=True, help="the officials' chats, in step order")
    parser.add_argument("--group", type=int, required=True)
    parser.add_argument("--proposals", type=int, required=True)
    asyncio.run(main(parser.parse_args()))
