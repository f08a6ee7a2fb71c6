"""Commands every official has: /tugas, /status, /riwayat, /cari, /sop, /bantuan, /batal."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.core import callbacks
from bot.runtime.messages import button
from bot.runtime.types import CallbackContext
from bot.services import limits, queries
from handlers.common import forget, reply, viewer
from models import Official

MAX_LISTED = 20


def _argument(context: CallbackContext) -> str:
    return " ".join(context.args or []).strip()


async def _usage(update: Update, context: CallbackContext, me: Official, command: str) -> None:
    """How to write a command that takes a case's number, with a number of this office."""
    example = await queries.example_number(context.bot_data.ctx, viewer(update, me))
    await reply(update, context, "usage", command=command, example=example)


async def my_tasks(update: Update, context: CallbackContext, me: Official) -> None:
    ctx = context.bot_data.ctx
    found = await queries.my_open_tasks(ctx, me.id)
    now = ctx.clock.now()
    rows = [
        [
            InlineKeyboardButton(
                f"{t.number} · {t.title}"[:60], callback_data=callbacks.encode("tk", t.task_id)
            )
        ]
        for t in found[:MAX_LISTED]
    ]
    # Late once the due moment has passed, even before a working minute has run since (a day
    # standard falls due at closing: at the next opening it is late by 0 working minutes).
    late = [
        (
            ctx.calendar.minutes_late(t.target_due_at, now),
            bool(t.target_due_at and t.target_due_at <= now),
        )
        for t in found
    ]
    await reply(
        update,
        context,
        "my_tasks",
        InlineKeyboardMarkup(rows) if rows else None,
        tasks=[(t, *how) for t, how in zip(found, late, strict=True)][:MAX_LISTED],
        total=len(found),
    )


async def status(update: Update, context: CallbackContext, me: Official) -> None:
    number = _argument(context)
    if not number:
        await _usage(update, context, me, "status")
        return
    card = await queries.proposal_status(context.bot_data.ctx, number, viewer(update, me))
    chat = update.effective_chat
    in_group = chat is not None and chat.type != "private"
    markup = None
    if not in_group:  # the sheet an office prints for the case (handlers/lembar.py)
        renderer = context.bot_data.renderer
        proposal = int(card["proposal"]["id"])
        markup = InlineKeyboardMarkup([[button(renderer, "lembar", "ld", proposal)]])
    await reply(update, context, "group_card", markup, in_group=in_group, **card)


async def history(update: Update, context: CallbackContext, me: Official) -> None:
    number = _argument(context)
    if not number:
        await _usage(update, context, me, "riwayat")
        return
    found = await queries.proposal_history(context.bot_data.ctx, number, viewer(update, me))
    await show_history(update, context, found)


async def show_history(
    update: Update, context: CallbackContext, found: queries.HistoryPage
) -> None:
    """One page of a history, with buttons to the pages before and after it."""
    renderer, proposal = context.bot_data.renderer, found.proposal.id
    turns = []
    if found.page > 0:
        turns.append(button(renderer, "earlier", "hs", proposal, found.page - 1))
    if found.page < found.pages - 1:
        turns.append(button(renderer, "later", "hs", proposal, found.page + 1))
    # The sheet an office prints for the case, as of now (handlers/lembar.py); as on /status,
    # not in a group, where the whole group would be handed the case's papers.
    chat = update.effective_chat
    private = chat is not None and chat.type == "private"
    sheet = [button(renderer, "lembar", "ld", proposal)] if private else []
    rows = [r for r in (turns, sheet) if r]
    markup = InlineKeyboardMarkup(rows) if rows else None  # Telegram refuses an empty keyboard
    await reply(update, context, "history", markup, history=found)


async def search(update: Update, context: CallbackContext, me: Official) -> None:
    words = _argument(context)
    if not words:
        await reply(update, context, "usage", command="cari")
        return
    words = await limits.checked(context.bot_data.ctx, me.id, "search", words)
    found = await queries.search(context.bot_data.ctx, words, viewer(update, me))
    await reply(update, context, "search_results", words=words, hits=found)


async def sop(update: Update, context: CallbackContext, me: Official) -> None:
    ctx = context.bot_data.ctx
    for spec in ctx.sops.latest():
        await reply(
            update, context, "sop", spec=spec, default_minutes=ctx.settings.default_step_minutes
        )


async def help_(update: Update, context: CallbackContext, me: Official) -> None:
    await reply(update, context, "help", is_admin=me.is_admin)


async def cancel(update: Update, context: CallbackContext, me: Official) -> None:
    await forget(update, context)
    await reply(update, context, "cancelled")
