"""What follows /laporan and /rekap: an SOP code and a period (`bot.records.periode`), or, when
it cannot be read, a short answer saying why, with examples (templates/periode.j2).

Both are answered in a private chat only: a register lists case titles and a report is the
official's own view of the office, neither for a group (restricted cases among them), so a
group is told to ask in the private chat (templates/private_only.j2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import Update

from bot.records.cases import Period
from bot.records.periode import Span, Unreadable, parse
from bot.runtime.types import CallbackContext
from handlers.common import reply


@dataclass(frozen=True)
class Chosen:
    sop: str | None
    span: Span | None  # the days asked for; None: every case
    period: Period  # the same days, as moments in the office's zone


async def chosen(update: Update, context: CallbackContext, command: str) -> Chosen | None:
    """The SOP and period typed after `command`; None once the official is told why not (in a
    group, that the command is answered in the private chat)."""
    ctx = context.bot_data.ctx
    chat = update.effective_chat
    if chat is not None and chat.type != "private":
        await reply(update, context, "private_only", command=command)
        return None
    codes = sorted({spec.code for spec in ctx.sops.latest()})
    try:
        asked = parse(" ".join(context.args or []), codes)
    except Unreadable as refusal:
        year = ctx.clock.now().astimezone(ctx.settings.zone).year
        await reply(
            update,
            context,
            "periode",
            command=command,
            reason=refusal.reason,
            details=refusal.details,
            codes=codes,
            year=year,
        )
        return None
    span = asked.span
    period = Period.of_days(span.first, span.last, ctx.settings.zone) if span else Period()
    return Chosen(asked.sop, span, period)


def as_json(span: Span | None) -> dict[str, Any] | None:
    """The period as a caption waiting in the outbox keeps it (the templates read either)."""
    if span is None:
        return None
    return {"first": span.first.isoformat(), "last": span.last.isoformat(), "label": span.label}
