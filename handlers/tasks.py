"""Buttons on a task message: approve, reject, decide, forward, attach, note, history, documents.

Each press goes to one service; a tap that needs more (a reason, a file, an instruction) passes
the gate first, then the bot asks and waits — the waiting kept in the database."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.core import callbacks
from bot.core.callbacks import Press
from bot.core.engine import Approve, Decide
from bot.core.files import FileType, safe_name
from bot.runtime.messages import button, compose
from bot.runtime.types import CallbackContext
from bot.services import colleagues, conversations, queries, tasks
from bot.services.errors import InvalidInput, NotFound
from handlers import commands, files
from handlers.common import answer, reply, viewer
from models import Official

log = logging.getLogger(__name__)
PAGE = 8


def _args(press: Press) -> tuple[int, int]:
    """(task, version): every task verb takes both, and `callbacks.decode` refuses fewer."""
    return int(press.args[0]), int(press.args[1])


async def approve(update: Update, context: CallbackContext, me: Official, press: Press) -> None:
    task_id, version = _args(press)
    await tasks.act(context.bot_data.ctx, task_id, me.id, Approve(), version)
    assert update.callback_query is not None
    await answer(update.callback_query, context, "done")


async def reject(update: Update, context: CallbackContext, me: Official, press: Press) -> None:
    task_id, version = _args(press)
    view = await tasks.check(context.bot_data.ctx, task_id, me.id, version, "reject")
    await _ask(
        update,
        context,
        me,
        "reason",
        "ask_reason",
        view,
        task=task_id,
        version=version,
        mode="reject",
    )


async def decide(update: Update, context: CallbackContext, me: Official, press: Press) -> None:
    task_id, version = _args(press)
    index = press.arg(2, 0) or 0
    view = await tasks.check(context.bot_data.ctx, task_id, me.id, version, "decide")
    if index >= len(view.choices) or view.choices[index].option is None:
        raise InvalidInput("no such option")
    choice = view.choices[index]
    if choice.note_required:
        await _ask(
            update,
            context,
            me,
            "reason",
            "ask_reason",
            view,
            task=task_id,
            version=version,
            mode="decide",
            option=choice.option,
            label=choice.label,
        )
        return
    await tasks.act(context.bot_data.ctx, task_id, me.id, Decide(str(choice.option)), version)
    assert update.callback_query is not None
    await answer(update.callback_query, context, "done")


async def forward_list(
    update: Update, context: CallbackContext, me: Official, press: Press
) -> None:
    task_id, version = _args(press)
    page = press.arg(2, 0) or 0
    ctx = context.bot_data.ctx
    view = await tasks.check(ctx, task_id, me.id, version, "forward")
    people = await colleagues.forward_candidates(ctx, me.id)
    shown = people[page * PAGE : (page + 1) * PAGE]
    renderer = context.bot_data.renderer
    rows = [
        [InlineKeyboardButton(p.name, callback_data=callbacks.encode("fp", task_id, version, p.id))]
        for p in shown
    ]
    if len(people) > (page + 1) * PAGE:
        rows.append([button(renderer, "next_page", "fw", task_id, version, page + 1)])
    rows.append([button(renderer, "cancel", "xx")])
    assert update.callback_query is not None
    await answer(update.callback_query, context, "choose")
    await reply(
        update, context, "pick_official", InlineKeyboardMarkup(rows), view=view, empty=not people
    )


async def forward_pick(
    update: Update, context: CallbackContext, me: Official, press: Press
) -> None:
    task_id, version = _args(press)
    to, at_once = int(press.args[2]), press.arg(3, 0) == 1
    ctx = context.bot_data.ctx
    if at_once:  # "without instruction"
        await tasks.forward(ctx, task_id, me.id, to, "", version)
        await conversations.forget(ctx, me.telegram_user_id or 0)
        assert update.callback_query is not None
        await answer(update.callback_query, context, "done")
        return
    view = await tasks.check(ctx, task_id, me.id, version, "forward")
    target = next((p for p in await queries.officials(ctx) if p.id == to), None)
    if target is None:
        raise NotFound("no such official")
    markup = InlineKeyboardMarkup(
        [
            [
                button(context.bot_data.renderer, "no_instruction", "fp", task_id, version, to, 1),
                button(context.bot_data.renderer, "cancel", "xx"),
            ]
        ]
    )
    await _ask(
        update,
        context,
        me,
        "instruction",
        "ask_instruction",
        view,
        markup=markup,
        task=task_id,
        version=version,
        to=to,
        name=target.name,
    )


async def attach(update: Update, context: CallbackContext, me: Official, press: Press) -> None:
    task_id, version = _args(press)
    view = await tasks.check(context.bot_data.ctx, task_id, me.id, version, "attach")
    candidates = view.uploads or view.documents
    index = press.arg(2)
    if index is None and len(candidates) > 1:
        renderer = context.bot_data.renderer
        rows = [
            [InlineKeyboardButton(title, callback_data=callbacks.encode("up", task_id, version, i))]
            for i, (_, title) in enumerate(candidates)
        ]
        rows.append([button(renderer, "cancel", "xx")])
        assert update.callback_query is not None
        await answer(update.callback_query, context, "choose")
        await reply(update, context, "pick_document", InlineKeyboardMarkup(rows), view=view)
        return
    if press.arg(3) == files.SENT_FLAG:  # the document of a file already sent by reply
        await files.attach_sent(update, context, me, press, view)
        return
    if (index or 0) >= len(candidates):  # drawn for another list, or forged
        assert update.callback_query is not None
        await answer(update.callback_query, context, "stale_button", alert=True)
        return
    kind, title = candidates[index or 0]
    await _ask(
        update,
        context,
        me,
        files.FILE,
        "ask_file",
        view,
        task=task_id,
        version=version,
        kind=kind,
        title=title,
    )


async def note(update: Update, context: CallbackContext, me: Official, press: Press) -> None:
    task_id, version = _args(press)
    view = await tasks.check(context.bot_data.ctx, task_id, me.id, version, "note")
    await _ask(update, context, me, "note", "ask_note", view, task=task_id, version=version)


async def history(update: Update, context: CallbackContext, me: Official, press: Press) -> None:
    ctx = context.bot_data.ctx
    found = await queries.proposal_history(
        ctx, int(press.args[0]), viewer(update, me), press.arg(1)
    )
    assert update.callback_query is not None
    await answer(update.callback_query, context, "choose")
    await commands.show_history(update, context, found)


async def show_task(update: Update, context: CallbackContext, me: Official, press: Press) -> None:
    """Send a task's card again (from /tugas), with its current buttons."""
    app = context.bot_data
    card = await tasks.card(app.ctx, int(press.args[0]), me.id)
    out = compose(app.renderer, "task_assigned", card)
    assert update.callback_query is not None and update.effective_chat is not None
    await answer(update.callback_query, context, "choose")
    await context.bot.send_message(update.effective_chat.id, out.text, reply_markup=out.markup)


async def document(update: Update, context: CallbackContext, me: Official, press: Press) -> None:
    """Send a stored document: by Telegram's file id, or from our archive if Telegram forgot."""
    app = context.bot_data
    found, protect = await queries.document(app.ctx, int(press.args[0]), viewer(update, me))
    assert update.callback_query is not None and update.effective_chat is not None
    await answer(update.callback_query, context, "choose")
    chat, name = update.effective_chat.id, safe_name(found.file_name, FileType(found.mime_type, ""))
    # By file id only under a safe name: Telegram keeps the one it was sent with, and rows
    # stored before names were made safe may hold "../../etc/passwd".
    if found.telegram_file_id and name == found.file_name:
        try:
            await context.bot.send_document(chat, found.telegram_file_id, protect_content=protect)
            return
        except TelegramError as stale:  # e.g. "wrong file identifier": the archive has it
            log.info("document %d not sent by file id (%s); from the archive", found.id, stale)
    with app.ctx.archive.path_of(found.archive_path).open("rb") as handle:
        await context.bot.send_document(chat, handle, filename=name, protect_content=protect)


async def _ask(
    update: Update,
    context: CallbackContext,
    me: Official,
    waiting_for: str,
    template: str,
    view: tasks.TaskView,
    markup: InlineKeyboardMarkup | None = None,
    **data: object,
) -> None:
    """Remember what we wait for, then ask for it."""
    await conversations.expect(context.bot_data.ctx, me.telegram_user_id or 0, waiting_for, **data)
    if markup is None:
        markup = InlineKeyboardMarkup([[button(context.bot_data.renderer, "cancel", "xx")]])
    assert update.callback_query is not None
    await answer(update.callback_query, context, "choose")
    await reply(update, context, template, markup, view=view, **data)


PRESSES = {
    "ok": approve,
    "no": reject,
    "dc": decide,
    "fw": forward_list,
    "fp": forward_pick,
    "up": attach,
    "nt": note,
    "hs": history,
    "tk": show_task,
    "dl": document,
}
