"""`/usulan`: registering a proposal in a few steps — kind by button, title, origin, agency,
the document as a file, the disposition note, then a confirmation card.

The questions and their order are data (`services.intake.QUESTIONS`); this module renders the
question asked and hands each answer to the wizard."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.core import callbacks
from bot.core.callbacks import Press
from bot.core.engine import WorkflowError
from bot.runtime.messages import button
from bot.runtime.types import CallbackContext
from bot.services import intake
from bot.services.intake import Answers, Asked
from handlers.common import answer, fetch, received, reply
from models import Official


async def begin(update: Update, context: CallbackContext, me: Official) -> None:
    """`/baru`: register a case, first asking in which SOP when the official may in several."""
    await _show(update, context, await intake.start(context.bot_data.ctx, me))


def begin_in(code: str) -> Callable[[Update, CallbackContext, Official], Awaitable[None]]:
    """An SOP's own command (`case.command`): register a case of that SOP at once."""

    async def begin_sop(update: Update, context: CallbackContext, me: Official) -> None:
        await _show(update, context, await intake.start(context.bot_data.ctx, me, code))

    return begin_sop


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
        update,
        context,
        question.asks,
        markup,
        stage=question.stage,
        data=data,
        skippable=question.skippable,
        **asked.shows,
    )


async def _hint(update: Update, context: CallbackContext, answers: Answers) -> None:
    question = intake.question_of(context.bot_data.ctx, answers)
    accepts = question.accepts if question else None
    await reply(update, context, "intake_hint", stage=answers.get("stage"), accepts=accepts)


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
    if not intake.takes_file(context.bot_data.ctx, answers):
        await _hint(update, context, answers)
        return
    asked = await intake.take_file(
        context.bot_data.ctx, me, answers, lambda: received(context, message)
    )
    await _show(update, context, asked)


async def press(update: Update, context: CallbackContext, me: Official, pressed: Press) -> None:
    """ip (SOP), ik (kind), iu (agency), is (skip), iy (confirm)."""
    ctx, query = context.bot_data.ctx, update.callback_query
    assert query is not None
    taken = await intake.take_press(ctx, me, pressed.verb, pressed.arg(0, 0) or 0)
    if taken is None:
        await answer(query, context, "stale_button", alert=True)
        return
    await answer(query, context, "choose")  # first: registering may take a while
    try:
        if not taken.confirmed:
            await _show(update, context, await intake.ask_next(ctx, me, taken.answers))
            return
        done = await intake.register(ctx, me, taken.answers, lambda f: fetch(context, f))
    except WorkflowError as refused:  # the press is answered already: said in the chat
        details = getattr(refused, "details", {})
        await reply(update, context, "refusal", code=refused.code, details=details)
        return
    if isinstance(done, intake.Again):  # an answer that no longer holds: told, and asked again
        refusal = done.refusal
        await reply(update, context, "refusal", code=refusal.code, details=refusal.details)
        await _show(update, context, done.asked)
        return
    wording = intake.wording(context.bot_data.ctx.sops.get(str(taken.answers["sop"])))
    await reply(
        update,
        context,
        "registered",
        number=done.number,
        title=taken.answers["title"],
        wording=wording,
    )


PRESSES = {
    "ip": press,
    "ik": press,
    "if": press,
    "ig": press,
    "iu": press,
    intake.SKIP: press,
    intake.CONFIRM: press,
}
