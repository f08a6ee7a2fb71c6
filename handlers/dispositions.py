"""The head's disposition, written on one message: tap a name, tap its instruction, type a note
if needed, send. The choices so far are kept in the database (`conversations`), so a restart or
another instance goes on from the last tap; every tap redraws the same message."""

from __future__ import annotations

from typing import Any, NoReturn

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.core import callbacks
from bot.core.callbacks import Press
from bot.runtime.messages import button
from bot.runtime.types import CallbackContext
from bot.services import conversations, dispositions, limits, tasks
from bot.services.conversations import Waiting
from bot.services.dispositions import Candidate
from bot.services.errors import InvalidInput
from bot.services.tasks import TaskView
from handlers.common import answer, reply, text
from models import Official

DISPOSITION = "disposition"


def _args(press: Press) -> tuple[int, int]:
    return int(press.args[0]), int(press.args[1])


async def _refuse(context: CallbackContext, task: int, me: Official, reason: str) -> NoReturn:
    """A tap the picker never offered (a forged or outdated button): recorded as a refusal,
    as the sending would record it, and answered in words."""
    refusal = InvalidInput("not among those offered", reason=reason)
    await tasks.record_refusal(context.bot_data.ctx, task, me.id, "dispose", refusal)
    raise refusal


async def _state(context: CallbackContext, me: Official, task: int, version: int) -> dict[str, Any]:
    """The choices so far for this task, or none (a new disposition, or one for another)."""
    waiting = await conversations.awaited(context.bot_data.ctx, me.telegram_user_id or 0)
    if _is_for(waiting, task, version):
        assert waiting is not None
        return waiting.data
    return {"task": task, "version": version, "picks": {}, "note": None}


def _is_for(waiting: Waiting | None, task: int, version: int) -> bool:
    return (
        waiting is not None
        and waiting.kind == DISPOSITION
        and waiting.data.get("task") == task
        and waiting.data.get("version") == version
    )


async def _keep(context: CallbackContext, me: Official, state: dict[str, Any]) -> None:
    await conversations.expect(context.bot_data.ctx, me.telegram_user_id or 0, DISPOSITION, **state)


async def _offered_only(
    context: CallbackContext, me: Official, state: dict[str, Any], people: list[Candidate]
) -> dict[str, Any]:
    """The picks without those no longer offered (who left their role, was deactivated): the
    list has no button for them, so they could be neither seen nor taken off, and the sending
    would refuse them every time."""
    offered = {str(p.official_id) for p in people}
    picks = {who: key for who, key in state["picks"].items() if who in offered}
    if picks == state["picks"]:
        return state
    state = state | {"picks": picks}
    await _keep(context, me, state)
    return state


def _picked(state: dict[str, Any], people: list[Candidate], labels: dict[str, str]) -> list[Any]:
    names = {str(p.official_id): p.name for p in people}
    return [
        {"name": names.get(who, "—"), "instruction": labels.get(key, key)}
        for who, key in state["picks"].items()
    ]


def _list_markup(
    context: CallbackContext, state: dict[str, Any], people: list[Candidate], labels: dict[str, str]
) -> InlineKeyboardMarkup:
    renderer = context.bot_data.renderer
    task, version = int(state["task"]), int(state["version"])
    rows = []
    for person in people:
        key = state["picks"].get(str(person.official_id))
        shown = f"✅ {person.name} — {labels.get(key, key)}" if key else f"☐ {person.name}"
        data = callbacks.encode("dw", task, version, person.official_id)
        rows.append([InlineKeyboardButton(f"{shown} · {person.role_title}", callback_data=data)])
    last = [button(renderer, "cancel", "xx")]
    if state["picks"]:
        last.insert(0, button(renderer, "send_disposition", "dq", task, version))
    rows.append(last)
    return InlineKeyboardMarkup(rows)


async def _draw(
    update: Update,
    context: CallbackContext,
    view: TaskView,
    body: dict[str, Any],
    markup: InlineKeyboardMarkup | None,
    *,
    new: bool,
) -> None:
    """Show the disposition: as a new message, or by redrawing the one tapped."""
    query = update.callback_query
    if new or query is None or query.message is None:
        await reply(update, context, "disposition_pick", markup, view=view, **body)
        return
    try:
        await query.edit_message_text(
            text(context, "disposition_pick", view=view, **body), reply_markup=markup
        )
    except BadRequest as exc:
        if "not modified" not in exc.message:
            raise


async def _show_list(
    update: Update, context: CallbackContext, me: Official, state: dict[str, Any], *, new: bool
) -> dict[str, Any]:
    """Draw the list; returns the choices as drawn (without those no longer offered)."""
    ctx = context.bot_data.ctx
    task, version = int(state["task"]), int(state["version"])
    view, people, given = await dispositions.candidates(ctx, task, me.id, version)
    state = await _offered_only(context, me, state, people)
    labels = {i.key: i.label for i in given.instructions}
    body = {
        "stage": "list",
        "picks": _picked(state, people, labels),
        "note": state.get("note"),
        "empty": not people,
    }
    await _draw(update, context, view, body, _list_markup(context, state, people, labels), new=new)
    return state


async def begin(update: Update, context: CallbackContext, me: Official, press: Press) -> None:
    """The task's «Disposisi» button: the list of whom it may go to, as a new message."""
    task, version = _args(press)
    state = await _state(context, me, task, version)
    assert update.callback_query is not None
    state = await _show_list(update, context, me, state, new=True)  # the gate first
    await _keep(context, me, state)
    await answer(update.callback_query, context, "choose")


async def whom(update: Update, context: CallbackContext, me: Official, press: Press) -> None:
    """A name tapped: which instruction for them (the message redrawn)."""
    task, version = _args(press)
    person = int(press.args[2])
    ctx = context.bot_data.ctx
    view, people, given = await dispositions.candidates(ctx, task, me.id, version)
    chosen = next((p for p in people if p.official_id == person), None)
    if chosen is None:
        await _refuse(context, task, me, "not_offered")
    state = await _state(context, me, task, version)
    renderer = context.bot_data.renderer
    rows = [
        [
            InlineKeyboardButton(
                i.label, callback_data=callbacks.encode("di", task, version, person, n)
            )
        ]
        for n, i in enumerate(given.instructions)
    ]
    last = [button(renderer, "back", "di", task, version, person, len(given.instructions) + 1)]
    if str(person) in state["picks"]:
        last.insert(
            0, button(renderer, "unpick", "di", task, version, person, len(given.instructions))
        )
    rows.append(last)
    body = {"stage": "instruction", "person": chosen.name}
    await _draw(update, context, view, body, InlineKeyboardMarkup(rows), new=False)
    assert update.callback_query is not None
    await answer(update.callback_query, context, "choose")


async def give(update: Update, context: CallbackContext, me: Official, press: Press) -> None:
    """An instruction tapped for a name (or the name taken off, or back): the list again."""
    task, version = _args(press)
    person, index = int(press.args[2]), int(press.args[3])
    ctx = context.bot_data.ctx
    _, people, given = await dispositions.candidates(ctx, task, me.id, version)
    if person not in {p.official_id for p in people}:
        await _refuse(context, task, me, "not_offered")
    if index > len(given.instructions) + 1:
        await _refuse(context, task, me, "no_instruction")
    state = await _state(context, me, task, version)
    picks = dict(state["picks"])
    if index < len(given.instructions):
        picks[str(person)] = given.instructions[index].key
    elif index == len(given.instructions):
        picks.pop(str(person), None)
    state = state | {"picks": picks}
    await _keep(context, me, state)
    await _show_list(update, context, me, state, new=False)
    assert update.callback_query is not None
    await answer(update.callback_query, context, "choose")


async def send(update: Update, context: CallbackContext, me: Official, press: Press) -> None:
    task, version = _args(press)
    ctx = context.bot_data.ctx
    view = await tasks.check(ctx, task, me.id, version, "dispose")  # the gate first: whose?
    waiting = await conversations.awaited(ctx, me.telegram_user_id or 0)
    # The choices forgotten (cancelled, expired): nobody chosen, which the sending refuses.
    data = waiting.data if waiting is not None and _is_for(waiting, task, version) else {}
    picks = {int(who): str(key) for who, key in (data.get("picks") or {}).items()}
    if data:
        _, people, _ = await dispositions.candidates(ctx, task, me.id, version)
        if not set(picks) <= {p.official_id for p in people}:  # someone left: show who is left
            await _show_list(update, context, me, data, new=False)
            await _refuse(context, task, me, "not_offered")
    await dispositions.give(ctx, task, me.id, picks, data.get("note"), version)
    await conversations.forget(ctx, me.telegram_user_id or 0)
    assert update.callback_query is not None
    await answer(update.callback_query, context, "done")
    # The task's own message now says to whom it went, and a confirmation with a button to
    # recall it follows: the draft would only say it a third time.
    try:
        await update.callback_query.delete_message()
    except BadRequest:  # too old to delete (48 hours): say it was sent instead
        await _draw(update, context, view, {"stage": "sent"}, None, new=False)


async def on_note(
    update: Update, context: CallbackContext, me: Official, data: dict[str, Any]
) -> None:
    """Text typed while writing a disposition: its note (the last one typed counts)."""
    assert update.message is not None
    note = await limits.checked(
        context.bot_data.ctx, me.id, "disposition_note", update.message.text or ""
    )  # too long: refused, recorded, and the draft kept as it was
    state = data | {"note": note or None}
    await _keep(context, me, state)
    await _show_list(update, context, me, state, new=True)


async def recall(update: Update, context: CallbackContext, me: Official, press: Press) -> None:
    await dispositions.recall(context.bot_data.ctx, int(press.args[0]), me.id)
    assert update.callback_query is not None
    await answer(update.callback_query, context, "done")


async def read(update: Update, context: CallbackContext, me: Official, press: Press) -> None:
    first = await dispositions.confirm_read(context.bot_data.ctx, int(press.args[0]), me.id)
    assert update.callback_query is not None
    await answer(update.callback_query, context, "read_confirmed", before=not first)


PRESSES = {"dp": begin, "dw": whom, "di": give, "dq": send, "dr": recall, "dk": read}
