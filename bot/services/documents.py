"""Incoming files: checked (type read from the content, size, kind), archived by SHA-256, then
recorded under a safe name. Every upload passes here: a task's attachment and the intake's file."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from bot.core import files, photos
from bot.core.sop.spec import SopSpec
from bot.services.context import Context
from bot.services.errors import DocumentRejected, Refusal
from bot.services.uow import UnitOfWork
from models import Document, Proposal, Task


@dataclass(frozen=True)
class Upload:
    """A file as received (by a handler from Telegram, by the CLI from disk). Its name and
    MIME type are the sender's claim: `check` reads the type from `content`, `record` keeps a
    safe name."""

    file_name: str
    mime_type: str
    content: bytes
    telegram_file_id: str | None = None
    telegram_file_unique_id: str | None = None
    # Made from a photo (`from_photo`): the ids are the photo's, to fetch it again (the
    # intake), never to send the PDF back by; it has no name of its own.
    from_photo: bool = False


async def from_photo(
    ctx: Context, content: bytes, file_id: str | None = None, unique_id: str | None = None
) -> Upload:
    """A photo (Telegram's JPEG) as the one-page PDF it is kept as (`bot.core.photos`), made
    off the event loop. Bytes that are no image are refused as a file of the wrong type."""
    try:
        pdf = await asyncio.to_thread(photos.to_pdf, content)
    except photos.NotAPhoto:
        found = files.detect(content)
        raise DocumentRejected(
            "photo not readable",
            reason="type",
            detected=found.mime,
            extension=found.extension,
            claimed="image/jpeg",
            accepted=sorted(ctx.settings.allowed_mime_types),
        ) from None
    return Upload("", "application/pdf", pdf, file_id, unique_id, from_photo=True)


def stored_name(upload: Upload, title: str) -> str:
    """The name the file is kept and shown under: its own made safe, or, for a file without
    one (a photo), the title of the document it is; ending in its type's extension."""
    return files.safe_name(upload.file_name or title, files.detect(upload.content))


def remembered(upload: Upload) -> dict[str, Any]:
    """What a conversation keeps of a received file to fetch it again by its id (Telegram
    keeps the bytes): the intake's document, a file sent by reply before its kind is picked."""
    return {
        "file_id": upload.telegram_file_id,
        "unique_id": upload.telegram_file_unique_id,
        "sent_as": upload.file_name,  # the sender's, for `record` to judge
        "mime": upload.mime_type,
        "photo": upload.from_photo,  # fetched again as a photo, and made a PDF again
    }


async def recalled(ctx: Context, kept: dict[str, Any], content: bytes) -> Upload:
    """The file `remembered` kept, from its bytes fetched again."""
    if kept.get("photo"):
        return await from_photo(ctx, content, kept["file_id"], kept["unique_id"])
    name = kept.get("sent_as", kept.get("name", ""))  # "name": kept before "sent_as" was
    return Upload(name, kept["mime"], content, kept["file_id"], kept["unique_id"])


def check(ctx: Context, spec: SopSpec, kind: str, upload: Upload) -> None:
    if kind not in spec.documents:
        raise DocumentRejected("unknown document kind", reason="kind", kind=kind)
    check_content(ctx, upload)


def check_content(ctx: Context, upload: Upload) -> None:
    """What a file must be whatever document it is: not empty, within the size, of a type
    accepted, read from its bytes."""
    settings = ctx.settings
    if not upload.content:
        raise DocumentRejected("empty file", reason="empty")
    if len(upload.content) > settings.max_document_bytes:
        raise DocumentRejected(
            "file too large",
            reason="size",
            limit_mb=settings.max_document_mb,
            size=len(upload.content),
        )
    found = files.detect(upload.content)
    if found.mime not in settings.allowed_mime_types:
        raise DocumentRejected(
            "file type not allowed",
            reason="type",
            detected=found.mime,
            extension=found.extension,
            claimed=upload.mime_type,
            accepted=sorted(settings.allowed_mime_types),
        )


async def record_refusal(ctx: Context, official_id: int, what: str, refusal: Refusal) -> None:
    """Record a file refused before there is a proposal to record it on (the intake's)."""
    async with UnitOfWork(ctx) as uow:
        uow.record(
            "action_refused",
            actor_id=official_id,
            payload={
                "action": what,
                "code": refusal.code,
                "detail": str(refusal),
                "official_id": official_id,
            }
            | {k: v for k, v in refusal.details.items() if k in ("reason", "detected", "claimed")},
        )
        await uow.commit()


async def record(
    uow: UnitOfWork,
    proposal: Proposal,
    task: Task | None,
    *,
    kind: str,
    upload: Upload,
    by: int,
    on_behalf_of: int | None = None,
) -> Document:
    """Archive the bytes (idempotent: content-addressed) and add the document row and event:
    on `task`, or, with None, on the proposal itself (given at registration)."""
    stored = uow.ctx.archive.store(upload.content)
    found = files.detect(upload.content)
    name = stored_name(upload, uow.spec_of(proposal).documents[kind].title)
    # Telegram re-sends a file_id under the name it was sent with: keep the id only if that
    # name was already safe, so a renamed file goes back from the archive under its new name.
    # A photo's id is the JPEG's, not the PDF's: that one goes back from the archive.
    same = name == upload.file_name and not upload.from_photo
    file_id = upload.telegram_file_id if same else None
    document = Document(
        proposal_id=proposal.id,
        task_id=task.id if task else None,
        step_key=task.step_key if task else None,
        kind=kind,
        telegram_file_id=file_id,
        telegram_file_unique_id=None if upload.from_photo else upload.telegram_file_unique_id,
        file_name=name,
        mime_type=found.mime or "application/octet-stream",
        size=stored.size,
        sha256=stored.sha256,
        archive_path=stored.path,
        uploaded_by_id=by,
        uploaded_at=uow.now,
    )
    uow.session.add(document)
    await uow.session.flush()
    uow.reads.document_added(document)
    uow.record(
        "document_attached",
        task=task,
        proposal=proposal,
        actor_id=by,
        on_behalf_of_id=on_behalf_of,
        document_id=document.id,
        payload={"kind": kind, "name": name, "sha256": stored.sha256},
    )
    return document
