"""From an outbox row to what Telegram shows: the rendered text and the inline buttons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core import callbacks
from bot.core.render import Renderer
from bot.services import reads

TASK_TEMPLATES = frozenset(reads.ACTING)
# A superior's (or, for a task nobody may act on, an admin's) view: pass it on, not decide it.
OVERSIGHT = frozenset(reads.OVERSEEING)
# Sent only in office hours: one that was queued before closing waits for the next opening.
OFFICE_HOURS_ONLY = frozenset({"task_nudge", "task_escalated", "digest", "laporan_terjadwal"})
MAX_DOCUMENT_BUTTONS = 6


@dataclass(frozen=True)
class Outgoing:
    text: str
    markup: InlineKeyboardMarkup | None


def compose(renderer: Renderer, template: str, context: dict[str, Any]) -> Outgoing:
    text = renderer.render(template, context)
    markup = None
    if template in TASK_TEMPLATES:
        markup = task_buttons(renderer, context)
    elif template in OVERSIGHT:
        markup = task_buttons(renderer, context, oversight=True)
    elif template == "disposition_sent" and not (context.get("recalled") or context.get("final")):
        markup = InlineKeyboardMarkup(
            [
                [
                    button(renderer, "recall", "dr", int(context["task_id"])),
                    button(renderer, "history", "hs", int(context["proposal"]["id"])),
                ]
            ]
        )
    elif template == "disposition_informed":
        markup = informed_buttons(renderer, context)
    return Outgoing(text, markup)


def informed_buttons(renderer: Renderer, context: dict[str, Any]) -> InlineKeyboardMarkup:
    """For one a disposition only informs: say it was read, its history, its documents."""
    rows = [
        [
            button(renderer, "read", "dk", int(context["disposition"]["id"])),
            button(renderer, "history", "hs", int(context["proposal"]["id"])),
        ]
    ]
    rows.extend(document_rows(renderer, context))
    return InlineKeyboardMarkup(rows)


def label(renderer: Renderer, name: str, title: str = "") -> str:
    """A button's text: plain text to Telegram, so rendered unescaped."""
    return renderer.plain("label", {"name": name, "title": title})


def button(
    renderer: Renderer, name: str, verb: str, *args: int, title: str = ""
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        label(renderer, name, title), callback_data=callbacks.encode(verb, *args)
    )


def task_buttons(
    renderer: Renderer, context: dict[str, Any], *, oversight: bool = False
) -> InlineKeyboardMarkup:
    """The actions the SOP allows at this step, then forward/attach/note/history, then the
    documents so far (each retrievable with one tap). For a superior (`oversight`): forward,
    note, history and the documents only — deciding stays with the step's actor."""
    task, version = int(context["task_id"]), int(context["version"])
    rows: list[list[InlineKeyboardButton]] = []
    main: list[InlineKeyboardButton] = []
    for index, choice in enumerate(() if oversight else context["choices"]):
        if choice["action"] == "decide":
            rows.append(
                [
                    InlineKeyboardButton(
                        choice["label"], callback_data=callbacks.encode("dc", task, version, index)
                    )
                ]
            )
        else:
            verb = {"approve": "ok", "dispose": "dp"}.get(choice["action"], "no")
            main.append(button(renderer, choice["action"], verb, task, version))
    if main:
        rows.insert(0, main)
    rows.append(
        [button(renderer, "forward", "fw", task, version, 0)]
        if oversight
        else [
            button(renderer, "attach", "up", task, version),
            button(renderer, "forward", "fw", task, version, 0),
        ]
    )
    rows.append(
        [
            button(renderer, "note", "nt", task, version),
            button(renderer, "history", "hs", int(context["proposal"]["id"])),
        ]
    )
    rows.extend(document_rows(renderer, context))
    return InlineKeyboardMarkup(rows)


def document_rows(renderer: Renderer, context: dict[str, Any]) -> list[list[InlineKeyboardButton]]:
    """The newest documents of the case, each retrievable with one tap."""
    return [
        [button(renderer, "document", "dl", int(document["id"]), title=str(document["name"]))]
        for document in context.get("documents", [])[-MAX_DOCUMENT_BUTTONS:]
    ]
