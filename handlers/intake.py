"""`/usulan`: registering a proposal in a few steps — kind by button, title, origin, agency,
the document as a file, the disposition note, then a confirmation card.

The questions and their order are data (`services.intake.QUESTIONS`); this module renders the
question asked and hands each answer to the wizard."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.core import callbacks
from bot.core.callbacks import Press
from bot.runtime.messages import button
from bot.runtime.types import CallbackContext
from bot.services import intake
from bot.services.intake import Answers, Asked
from handlers.common import answer, fetch, received, reply
from models import Official


async def begin(update: Update, context: CallbackContext, me: Official) -> None:
    await _show(update, context, await intake.start(context.bot_data.ctx, me))


async def _show(update: Update, context: CallbackContext, asked: Asked) -> None:
    """The question with its buttons: the options, then confirm / skip / cancel as it takes."""
    renderer, question = context.bot_data.renderer, asked.question
    rows = [
        [InlineKeyboardButton(o.label, callback_data=callbacks.encode(question.verb, i))]
        for i, o in enumerate(asked.options)
    ]
    last = [button(renderer, "confirm", intake.CONFIRM)] if question.accepts == "confirm" else []
    if question.skippable:
        last.append(button(renderer, "skip", intake.SKIP))
    last.append(button(renderer, "cancel", "xx"))
    markup = InlineKeyboardMarkup([*rows, last])
    data = asked.answers
    await reply(
        update, context, question.asks, markup, stage=question.stage, data=data, **asked.shows
    )


async def _hint(update: Update, context: CallbackContext, answers: Answers) -> None:
    await reply(update, context, "intake_hint", stage=answers.get("stage"))


async def on_text(update: Update, context: CallbackContext, me: Official, answers: Answers) -> None:
    assert update.message is not None
    value = (update.message.text or "").strip()
    asked = await intake.take_text(context.bot_data.ctx, me, answers, value)
    if asked is None:
        await _hint(update, context, answers)
        return
    await _show(update, context, asked)


async def on_document(
    update: Update, context: CallbackContext, me: Official, answers: Answers
) -> None:
    message = update.message
    assert message is not None
    if not intake.takes_file(answers):
        await _hint(update, context, answers)
        return
    asked = await intake.take_file(
        context.bot_data.ctx, me, answers, lambda: received(context, message)
    )
    await _show(update, context, asked)


async def press(update: Update, context: CallbackContext, me: Official, pressed: Press) -> None:
    """ik (kind), iu (agency), is (skip), iy (confirm)."""
    ctx, query = context.bot_data.ctx, update.callback_query
    assert query is not None
    taken = await intake.take_press(ctx, me, pressed.verb, pressed.arg(0, 0) or 0)
    if taken is None:
        await answer(query, context, "stale_button", alert=True)
        return
    await answer(query, context, "choose")  # first: registering may take a while
    if not taken.confirmed:
        await _show(update, context, await intake.ask_next(ctx, me, taken.answers))
        return
    done = await intake.register(ctx, me, taken.answers, lambda file_id: fetch(context, file_id))
    await reply(update, context, "registered", number=done.number, title=taken.answers["title"])


PRESSES = {"ik": press, "iu": press, intake.SKIP: press, intake.CONFIRM: press}
