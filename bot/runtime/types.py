"""What every PTB callback (handler, job, error handler) reaches through its context, typed.

PTB builds `bot_data` itself, without arguments (`ContextTypes(bot_data=...)`), before the
services exist; `bot.app.build` fills it in once, before any update or job runs. So handlers
read `context.bot_data.ctx` instead of a string-keyed dictionary that type-checks as `Any`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

from telegram import ext

from bot.core.render import Renderer
from bot.services.context import Context


@dataclass
class BotData:
    ctx: Context = field(init=False)  # the services' context
    renderer: Renderer = field(init=False)
    # Updates handled without being stored (a stranger's): the inbox's lease is not taken.
    unstored: set[int] = field(default_factory=set)


CallbackContext: TypeAlias = ext.CallbackContext[
    ext.ExtBot[None], dict[Any, Any], dict[Any, Any], BotData
]
CONTEXT_TYPES = ext.ContextTypes(bot_data=BotData)
TelegramApp: TypeAlias = ext.Application[
    ext.ExtBot[None],
    CallbackContext,
    dict[Any, Any],
    dict[Any, Any],
    BotData,
    ext.JobQueue[CallbackContext],
]
