"""Incoming files: checked (type read from the content, size, kind), archived by SHA-256, then
recorded under a safe name. Every upload passes here: a task's attachment and the intake's file."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core import files
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


def check(ctx: Context, spec: SopSpec, kind: str, upload: Upload) -> None:
    settings = ctx.settings
    if kind not in spec.documents:
        raise DocumentRejected("unknown document kind", reason="kind", kind=kind)
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
    name = files.safe_name(upload.file_name, found)
    # Telegram re-sends a file_id under the name it was sent with: keep the id only if that
    # name was already safe, so a renamed file goes back from the archive under its new name.
    file_id = upload.telegram_file_id if name == upload.file_name else None
    document = Document(
        proposal_id=proposal.id,
        task_id=task.id if task else None,
        step_key=task.step_key if task else None,
        kind=kind,
        telegram_file_id=file_id,
        telegram_file_unique_id=upload.telegram_file_unique_id,
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
