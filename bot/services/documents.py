"""Incoming files: checked (type, size, kind), archived by SHA-256, then recorded."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.context import Context
from bot.services.errors import DocumentRejected
from bot.services.uow import UnitOfWork
from bot.sop.spec import SopSpec
from models import Document, Event


@dataclass(frozen=True)
class Upload:
    """A file as received (by a handler from Telegram, by the CLI from disk)."""

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
    if upload.mime_type not in settings.allowed_mime_types:
        raise DocumentRejected("file type not allowed", reason="type", mime_type=upload.mime_type)


async def record(
    uow: UnitOfWork,
    *,
    proposal_id: int,
    task_id: int | None,
    step_key: str | None,
    kind: str,
    upload: Upload,
    by: int,
    on_behalf_of: int | None = None,
) -> tuple[Document, Event]:
    """Archive the bytes (idempotent: content-addressed) and add the document row and event."""
    stored = uow.ctx.archive.store(upload.content)
    document = Document(
        proposal_id=proposal_id,
        task_id=task_id,
        step_key=step_key,
        kind=kind,
        telegram_file_id=upload.telegram_file_id,
        telegram_file_unique_id=upload.telegram_file_unique_id,
        file_name=upload.file_name,
        mime_type=upload.mime_type,
        size=stored.size,
        sha256=stored.sha256,
        archive_path=stored.path,
        uploaded_by_id=by,
        uploaded_at=uow.now,
    )
    uow.session.add(document)
    await uow.session.flush()
    uow.document_added(document)
    event = uow.record(
        "document_attached",
        proposal_id=proposal_id,
        task_id=task_id,
        step_key=step_key,
        actor_id=by,
        on_behalf_of_id=on_behalf_of,
        document_id=document.id,
        payload={"kind": kind, "name": upload.file_name, "sha256": stored.sha256},
    )
    return document, event
