"""Telegram adapters: parse the update, call one service, render one template.

All handlers are registered here, in one ordered list ("order matters"): commands, then button
presses, then plain messages. That each update is handled once is the inbox's business
(`bot.runtime.inbox`, `services.updates`), around every handler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.core import callbacks
from bot.core import commands as built_in
from bot.core.engine import WorkflowError
from bot.core.sop.registry import SopRegistry
from bot.runtime.types import CallbackContext
from handlers import (
    admin,
    commands,
    delegation,
    dispositions,
    files,
    intake,
    laporan,
    lembar,
    rekap,
    replies,
    start,
    tasks,
)
from handlers.common import answer, forget, official, refuse, reply, stranger
from models import Official

Action = Callable[[Update, CallbackContext, Official], Awaitable[None]]
Press = Callable[[Update, CallbackContext, Official, callbacks.Press], Awaitable[None]]

PRESSES: dict[str, Press] = {
    **tasks.PRESSES,
    **dispositions.PRESSES,
    **intake.PRESSES,
    **lembar.PRESSES,
    "dg": delegation.press,
    "dd": delegation.press,
}

# (command, handler, private chats only?)
COMMANDS: list[tuple[str, Action, bool]] = [
    ("tugas", commands.my_tasks, True),
    ("baru", intake.begin, True),
    # The seed's command before SOPs named their own; an SOP's `case.command` may take it.
    ("usulan", intake.begin, True),
    ("status", commands.status, False),
    ("riwayat", commands.history, False),
    ("cari", commands.search, False),
    ("cek", lembar.check_code, False),
    ("sop", commands.sop, False),
    ("laporan", laporan.laporan, False),  # a group is told to ask in private (handlers/periode)
    ("bantuan", commands.help_, False),
    ("help", commands.help_, False),
    ("batal", commands.cancel, True),
    ("delegasi", delegation.begin, True),
    ("rekap", rekap.rekap, False),  # likewise
    ("undang", admin.invite, True),
    ("pejabat", admin.list_officials, True),
    ("cabut", admin.revoke, True),
    ("langganan", admin.subscribe, False),
    ("berhenti", admin.unsubscribe, False),
]


def as_official(action: Action) -> Callable[[Update, CallbackContext], Coroutine[Any, Any, None]]:
    """Strangers get a polite no; refusals are answered in plain words."""

    async def handle(update: Update, context: CallbackContext) -> None:
        me = await official(update, context)
        if me is None:
            await stranger(update, context)
            return
        try:
            await action(update, context, me)
        except WorkflowError as refusal:
            await refuse(update, context, refusal)

    return handle


async def on_press(update: Update, context: CallbackContext, me: Official) -> None:
    query = update.callback_query
    assert query is not None
    pressed = callbacks.decode(query.data)
    if pressed is None or (pressed.verb != "xx" and pressed.verb not in PRESSES):
        await answer(query, context, "stale_button", alert=True)
        return
    if pressed.verb == "xx":
        await forget(update, context)
        await answer(query, context, "choose")
        await reply(update, context, "cancelled")
        return
    await PRESSES[pressed.verb](update, context, me, pressed)


async def on_unknown_press(update: Update, context: CallbackContext) -> None:
    if update.callback_query is not None:
        await answer(update.callback_query, context, "stale_button", alert=True)


def sop_commands(sops: SopRegistry) -> list[tuple[str, Action, bool]]:
    """Each SOP's own command (`case.command`) that registers a case of it, before the fixed
    ones, so that one may take the name of a fixed alias (`usulan`) but never `tugas`
    (`bot.core.commands`)."""
    return [(command, intake.begin_in(code), True) for command, code in _own_commands(sops)]


def menu(sops: SopRegistry) -> dict[str, Any]:
    """What /bantuan and the command menu offer for registering: each SOP's own command, and
    `/baru` where it is needed (several SOPs, or one without a command)."""
    own = [
        {"command": command, "noun": sops.get(action_code).case.noun}
        for command, action_code in _own_commands(sops)
    ]
    return {"own": own, "generic": len(sops.latest()) > 1 or not own}


# The one fixed command an SOP's own may take: the seed's alias of /baru.
TAKEABLE = frozenset({"usulan"})


def reserved_commands() -> frozenset[str]:
    """The bot's own commands, which no SOP's `case.command` takes: /start (an invitation),
    /baru (it asks which SOP), and every other command of COMMANDS but the seed's alias."""
    return frozenset({"start", *(name for name, _, _ in COMMANDS)}) - TAKEABLE


def _own_commands(sops: SopRegistry) -> list[tuple[str, str]]:
    """Each SOP's own command. The loader refuses one that is built in or that two SOPs give;
    a spec built in code is not loaded, so it is held to the same rule here (the first SOP by
    code keeps a shared one)."""
    reserved, own = reserved_commands(), dict[str, str]()
    for spec in sops.latest():
        command = spec.case.command
        if command and command not in reserved and not built_in.taken(command):
            own.setdefault(command, spec.code)
    return list(own.items())


def register(application: Application, sops: SopRegistry) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    commands = [*sop_commands(sops), *COMMANDS]
    handlers: list[BaseHandler] = [  # type: ignore[type-arg]
        CommandHandler("start", start.start),
        *(
            CommandHandler(name, as_official(action), filters=private if only_private else None)
            for name, action, only_private in commands
        ),
        CallbackQueryHandler(as_official(on_press), pattern=callbacks.PATTERN),
        CallbackQueryHandler(on_unknown_press),
        MessageHandler(
            (filters.Document.ALL | filters.PHOTO) & private, as_official(files.on_file)
        ),
        MessageHandler(filters.TEXT & ~filters.COMMAND & private, as_official(replies.on_text)),
    ]
    application.add_handlers(handlers)
