"""`/usulan`: registering a proposal in a few steps — kind by button, title, origin, agency,
the document as a file, the disposition note, then a confirmation card.

The answers so far live in the conversation row, so a restart mid-way loses nothing."""

from __future__ import annotations

from typing import Any

from telegram import Document, InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks
from bot.callbacks import Press
from bot.files import detect, safe_name
from bot.messages import button
from bot.runtime import CallbackContext
from bot.services import conversations, documents, limits, queries
from bot.services.documents import Upload
from bot.services.errors import DocumentRejected, InvalidInput, NotPermitted
from bot.services.proposals import register_proposal, registrable
from bot.sop.spec import SopSpec
from handlers.common import answer, reply
from models import Official

INTAKE = "intake"
# The intake's typed answers, and the limit (bot/services/limits.py) each is held to.
TYPED = {"title": "title", "origin": "origin", "note": "disposition_note"}


async def begin(update: Update, context: CallbackContext, me: Official) -> None:
    ctx = context.bot_data.ctx
    codes = await registrable(ctx, me.id)
    if not codes:
        raise NotPermitted("not a registrar")
    await _next(update, context, me, {"sop": codes[0]})


def _spec(context: CallbackContext, data: dict[str, Any]) -> SopSpec:
    return context.bot_data.ctx.sops.get(str(data["sop"]))


async def _next(
    update: Update, context: CallbackContext, me: Official, data: dict[str, Any]
) -> None:
    """Ask the first question not yet answered; when all are, show the confirmation card."""
    spec = _spec(context, data)
    renderer = context.bot_data.renderer
    cancel = [button(renderer, "cancel", "xx")]
    skip = [button(renderer, "skip", "is"), *cancel]
    if spec.kinds and "kind" not in data:
        rows = [
            [InlineKeyboardButton(f"{k.key} — {k.title}", callback_data=callbacks.encode("ik", i))]
            for i, k in enumerate(spec.kinds.values())
        ]
        await _ask(update, context, me, data, "kind", InlineKeyboardMarkup([*rows, cancel]))
    elif "title" not in data:
        await _ask(update, context, me, data, "title", InlineKeyboardMarkup([cancel]))
    elif "origin" not in data:
        await _ask(update, context, me, data, "origin", InlineKeyboardMarkup([cancel]))
    elif spec.intake.origin_role and "unit" not in data:
        units = await queries.units_of_role(context.bot_data.ctx, spec.intake.origin_role)
        if not units:
            data["unit"] = None
            await _next(update, context, me, data)
            return
        data["units"] = units
        rows = [
            [InlineKeyboardButton(u, callback_data=callbacks.encode("iu", i))]
            for i, u in enumerate(units)
        ]
        await _ask(update, context, me, data, "unit", InlineKeyboardMarkup([*rows, skip]))
    elif spec.intake.document and "file" not in data:
        title = spec.documents[spec.intake.document].title
        await _ask(
            update, context, me, data, "document", InlineKeyboardMarkup([cancel]), document=title
        )
    elif "note" not in data:
        await _ask(update, context, me, data, "note", InlineKeyboardMarkup([skip]))
    else:
        confirm = [button(renderer, "confirm", "iy"), *cancel]
        kind = spec.kinds.get(str(data.get("kind"))) if data.get("kind") else None
        await _ask(
            update,
            context,
            me,
            data,
            "confirm",
            InlineKeyboardMarkup([confirm]),
            kind_title=kind.title if kind else None,
        )


async def _ask(
    update: Update,
    context: CallbackContext,
    me: Official,
    data: dict[str, Any],
    stage: str,
    markup: InlineKeyboardMarkup,
    **extra: Any,
) -> None:
    data["stage"] = stage
    await conversations.expect(context.bot_data.ctx, me.telegram_user_id or 0, INTAKE, **data)
    await reply(update, context, "intake", markup, stage=stage, data=data, **extra)


async def on_text(
    update: Update, context: CallbackContext, me: Official, data: dict[str, Any]
) -> None:
    assert update.message is not None
    value = (update.message.text or "").strip()
    stage = data.get("stage")
    if stage not in TYPED or not value:
        await reply(update, context, "intake_hint", stage=stage)
        return
    # Too long: refused and recorded; the question stays open, so the answer can be resent.
    data[stage] = await limits.checked(context.bot_data.ctx, me.id, TYPED[stage], value)
    await _next(update, context, me, data)


async def on_document(
    update: Update, context: CallbackContext, me: Official, data: dict[str, Any]
) -> None:
    assert update.message is not None and update.message.document is not None
    if data.get("stage") != "document":
        await reply(update, context, "intake_hint", stage=data.get("stage"))
        return
    document, ctx, spec = update.message.document, context.bot_data.ctx, _spec(context, data)
    # Checked now, as registering will check it again, so that a wrong file is told at once
    # and the answers so far are kept for the next one.
    try:
        check_file(context, document)
        content = await download(context, document.file_id)
        upload = Upload(document.file_name or "", document.mime_type or "", content)
        documents.check(ctx, spec, spec.intake.document or "", upload)
    except DocumentRejected as refusal:
        await documents.record_refusal(ctx, me.id, "register", refusal)
        raise
    data["file"] = {
        "file_id": document.file_id,
        "unique_id": document.file_unique_id,
        "name": safe_name(document.file_name, detect(content)),  # as it will be stored
        "sent_as": document.file_name or "",  # the sender's, for documents.record to judge
        "mime": document.mime_type or "",
    }
    await _next(update, context, me, data)


def check_file(context: CallbackContext, document: Document) -> None:
    """The size Telegram declares, before downloading anything. The type is read from the
    content, once downloaded (documents.check)."""
    settings = context.bot_data.ctx.settings
    if (document.file_size or 0) > settings.max_document_bytes:
        raise DocumentRejected("too large", reason="size", limit_mb=settings.max_document_mb)


async def download(context: CallbackContext, file_id: str) -> bytes:
    file = await context.bot.get_file(file_id)
    return bytes(await file.download_as_bytearray())


async def press(update: Update, context: CallbackContext, me: Official, pressed: Press) -> None:
    """ik (kind), iu (agency), is (skip), iy (confirm)."""
    ctx = context.bot_data.ctx
    waiting = await conversations.awaited(ctx, me.telegram_user_id or 0)
    query = update.callback_query
    assert query is not None
    if waiting is None or waiting.kind != INTAKE:
        await answer(query, context, "stale_button", alert=True)
        return
    data, stage = waiting.data, waiting.data.get("stage")
    spec = _spec(context, data)
    index = pressed.arg(0, 0) or 0
    if pressed.verb == "ik" and stage == "kind" and index < len(spec.kinds):
        data["kind"] = list(spec.kinds)[index]
    elif pressed.verb == "iu" and stage == "unit" and index < len(data.get("units", [])):
        data["unit"] = data["units"][index]
    elif pressed.verb == "is" and stage in ("unit", "note"):
        data[str(stage)] = None
    elif pressed.verb == "iy" and stage == "confirm":
        await answer(query, context, "choose")
        await _register(update, context, me, data, spec)
        return
    else:
        await answer(query, context, "stale_button", alert=True)
        return
    await answer(query, context, "choose")
    await _next(update, context, me, data)


async def _register(
    update: Update, context: CallbackContext, me: Official, data: dict[str, Any], spec: SopSpec
) -> None:
    ctx = context.bot_data.ctx
    upload = None
    if data.get("file"):
        file = data["file"]
        upload = Upload(
            file.get("sent_as", file["name"]),
            file["mime"],
            await download(context, file["file_id"]),
            file["file_id"],
            file["unique_id"],
        )
    if not data.get("title") or not data.get("origin"):
        raise InvalidInput("incomplete")
    done = await register_proposal(
        ctx,
        by=me.id,
        sop_code=spec.code,
        title=data["title"],
        origin=data["origin"],
        kind=data.get("kind"),
        agency_unit=data.get("unit"),
        disposition_note=data.get("note"),
        document=upload,
    )
    await conversations.forget(ctx, me.telegram_user_id or 0)
    await reply(update, context, "registered", number=done.number, title=data["title"])


PRESSES = {"ik": press, "iu": press, "is": press, "iy": press}
