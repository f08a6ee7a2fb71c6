"""Letter drafts: a step's Word template filled with the case's data when the step starts and
sent with the task as a document, through the outbox (a crash neither loses nor doubles it);
the official's final letter, sent as a reply to the draft, passes the step's document gate as
any upload does. The template's checks at load: tests/test_letter_templates.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.core.clock import FrozenClock, ShiftedClock
from bot.core.config import Settings
from bot.core.paths import data_dir
from bot.core.render import Renderer
from bot.core.sop import letters
from bot.core.sop.loader import load_sop
from bot.runtime.sender import Sender
from bot.services.context import Context
from bot.services.uow import UnitOfWork
from bot.storage.db import read_session
from models import Document, Event, OutboxMessage
from models.outbox import DOCUMENT, SENT
from tests.bot_world import World, intake, office_world, through_step_7
from tests.conftest import MONDAY_0800, WIB, Office
from tests.helpers import events, open_tasks, outbox, register, to_step
from tests.test_letter_templates import template as _template
from tests.test_letter_templates import text_of as _text

SEED = data_dir("sops") / "kerjasama_pihak_ketiga.yaml"


# -- made when the step starts -----------------------------------------------------------------


async def _draft(ctx: Context, proposal_id: int, chat: int) -> tuple[OutboxMessage, bytes]:
    rows = [m for m in await outbox(ctx) if m.kind == DOCUMENT and m.proposal_id == proposal_id]
    (row,) = [m for m in rows if m.chat_id == chat]
    return row, ctx.archive.path_of(row.context["file"]["archive_path"]).read_bytes()


async def test_the_step_starts_with_a_draft_filled_with_the_case(
    ctx: Context, office: Office, clock: FrozenClock
) -> None:
    registered = await register(ctx, office, title="Kerja sama wisata bahari")
    clock.advance(timedelta(days=1))  # the draft is dated the day its step starts
    await to_step(ctx, office, registered.proposal_id, "tkksd_bahas")
    row, content = await _draft(ctx, registered.proposal_id, office.chats["tkksd"])
    text = _text(content)
    assert registered.number in text
    assert "Kerja sama wisata bahari" in text
    assert "Dinas Pariwisata" in text  # the origin
    assert "tanggal 23 November 2026" in text  # registered (MONDAY_0800), in Indonesian
    assert "Pangkalpinang, 24 November 2026" in text  # the day step 8 started
    assert "BIRO PEMERINTAHAN SETDA PROVINSI" in text  # the unit, from the SOP's header
    assert "Pejabat analis_ls" in text and "Kepala Biro Pemerintahan" in text  # who did what
    assert row.context["file"]["name"] == f"Konsep surat usulan {registered.number}.docx".replace(
        "/", "-"
    )
    task = (await open_tasks(ctx, registered.proposal_id))["tkksd"]
    assert row.task_id == task.id
    (issued,) = [e for e in await events(ctx, registered.proposal_id) if e.type == "record_issued"]
    assert issued.payload["kind"] == "surat" and issued.task_id == task.id
    assert issued.payload["sha256"] == row.context["file"]["sha256"]
    spec = load_sop(SEED)
    letter = spec.step("tkksd_bahas").letter
    assert letter is not None and issued.payload["template_sha256"] == letter.sha256
    # The task's own message comes first and says the draft comes with it.
    messages = [m for m in await outbox(ctx) if m.chat_id == office.chats["tkksd"]]
    assert messages[-1].id == row.id and messages[-2].template == "task_assigned"
    assert messages[-2].context["letter"] == "Konsep surat usulan"
    # The draft is no document of the case: the gate still waits for the official's upload.
    async with read_session(ctx.engine) as session:
        kinds = set(await session.scalars(select(Document.kind)))
    assert "konsep_surat" not in kinds


async def test_a_draft_that_cannot_be_filled_does_not_stop_the_step(
    ctx: Context, office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(content: bytes, context: dict[str, Any]) -> bytes:
        raise RuntimeError("rusak")

    monkeypatch.setattr(letters, "fill", broken)
    registered = await register(ctx, office)
    await to_step(ctx, office, registered.proposal_id, "tkksd_bahas")
    assert not [m for m in await outbox(ctx) if m.kind == DOCUMENT]
    tkksd = [m for m in await outbox(ctx) if m.chat_id == office.chats["tkksd"]]
    assert tkksd[-1].template == "task_assigned"


class _Bot:
    """Records the documents sent; a crash is a sender that claimed and never finished."""

    def __init__(self) -> None:
        self.documents: list[tuple[int, str, bytes, str]] = []

    async def send_message(self, chat_id: int, text: str, **_: Any) -> Any:
        return type("Sent", (), {"message_id": 1})()

    async def send_document(
        self, chat_id: int, handle: Any, *, filename: str, caption: str, **_: Any
    ) -> Any:
        self.documents.append((chat_id, filename, handle.read(), caption))
        return type("Sent", (), {"message_id": 100 + len(self.documents)})()


async def test_a_crash_neither_loses_nor_doubles_the_draft(
    ctx: Context, office: Office, clock: FrozenClock
) -> None:
    registered = await register(ctx, office)
    await to_step(ctx, office, registered.proposal_id, "tkksd_bahas")
    row, content = await _draft(ctx, registered.proposal_id, office.chats["tkksd"])
    crashed = Sender(ctx, _Bot(), Renderer(WIB))  # type: ignore[arg-type]
    assert row.id in [r.id for r in await crashed.claim()]  # claimed, then the process died
    bot = _Bot()
    after = Sender(ctx, bot, Renderer(WIB))  # type: ignore[arg-type]
    await after.drain()
    assert bot.documents == []  # still leased to the dead sender
    clock.advance(timedelta(seconds=61))  # its lease runs out
    while await after.drain():
        pass
    (sent,) = bot.documents
    assert sent[:3] == (office.chats["tkksd"], row.context["file"]["name"], content)
    assert "Draf «Konsep surat usulan»" in sent[3] and registered.number in sent[3]
    assert {m.status for m in await outbox(ctx) if m.id == row.id} == {SENT}
    assert await after.drain() == 0 and len(bot.documents) == 1


# -- end to end: the real bot, the emulator --------------------------------------------------


@pytest.fixture
async def world(settings: Settings, tmp_path: Path) -> AsyncIterator[World]:
    async with office_world(settings, tmp_path, clock=ShiftedClock(MONDAY_0800)) as w:
        yield w


async def _document(world: World, who: str, caption: str) -> dict[str, Any]:
    found = await world.tg.wait(world.uid(who), contains=caption, seconds=10)
    sent = [m for m in found if m.get("document")]
    assert sent, f"no document {caption!r} for {who}"
    return sent[-1]


async def test_the_draft_arrives_with_the_task_and_the_final_letter_passes_the_gate(
    world: World,
) -> None:
    number = await intake(world)
    await through_step_7(world, number)
    task = await world.task("tkksd", number)
    assert "Draf «Konsep surat usulan» dikirim bersama tugas ini" in task["text"]
    draft = await _document(world, "tkksd", "Draf «Konsep surat usulan», sudah diisi data")
    assert draft["message_id"] > task["message_id"]  # after the task's own message
    assert draft["document"]["file_name"] == f"Konsep surat usulan {number}.docx".replace("/", "-")
    _, content = await world.tg.file(draft["document"]["file_id"])
    text = _text(content)
    assert number in text and "Kerja sama wisata bahari" in text
    assert "23 November 2026" in text
    # The official edits it and sends it back as a reply to the draft: kept as the konsep.
    edited = _text(content).replace("[Nama Gubernur]", "Dr. H. Gubernur")
    final = _template(*edited.splitlines())
    mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    await world.tg.send(
        world.uid("tkksd"),
        document=("konsep-akhir.docx", mime, final),
        reply_to_message_id=draft["message_id"],
    )
    # The step lacks the minutes too, but a reply to the draft is the letter: no question.
    await world.latest("tkksd", "konsep-akhir.docx dilampirkan sebagai Konsep surat usulan")
    async with read_session(world.ctx.engine) as session:
        kept = (await session.scalars(select(Document).order_by(Document.id.desc()))).first()
        assert kept is not None
        assert (kept.kind, kept.file_name) == ("konsep_surat", "konsep-akhir.docx")
        issued = await session.scalars(select(Event).where(Event.type == "record_issued"))
        assert [e.payload["document"] for e in issued] == ["konsep_surat"]


async def test_a_draft_held_back_holds_its_chats_later_messages(ctx: Context) -> None:
    """A draft Telegram asked to wait for (a 429) keeps its place: the chat's next message
    must not overtake it, as for any message."""
    async with UnitOfWork(ctx) as uow:
        cause = uow.record("test")
        file = {"archive_path": "x", "name": "x.docx", "sha256": "x"}
        uow.send(2001, "letter_draft", {"file": file}, cause=cause, key="draft", document=True)
        uow.send(2001, "cancelled", {}, cause=cause, key="after")
        await uow.commit()
    sender = Sender(ctx, _Bot(), Renderer(WIB))  # type: ignore[arg-type]
    claimed = await sender.claim()
    assert [r.kind for r in claimed] == [DOCUMENT, "send"]
    draft = claimed[0]
    await sender._put_back([draft], delay=timedelta(seconds=30))
    await sender._put_back(claimed[1:])
    assert await sender.claim() == []  # the message after it waits for the draft


async def test_a_restricted_cases_draft_can_be_saved_to_be_edited(
    ctx: Context, office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A draft of a restricted case was sent protected: Telegram then lets no one save the file,
    so the official could not edit it. It goes unprotected, to the actor's private chat only,
    and its caption asks that it not be passed on."""
    from bot.core.sop.spec import SopSpec

    monkeypatch.setattr(SopSpec, "restricted", lambda self, fields: True)
    registered = await register(ctx, office, title="Kerja sama terbatas")
    await to_step(ctx, office, registered.proposal_id, "tkksd_bahas")
    row, _ = await _draft(ctx, registered.proposal_id, office.chats["tkksd"])
    assert not row.context.get("protect") and row.context["restricted"] is True
    caption = Renderer(WIB).render_caption(row.template, row.context)
    assert "jangan diteruskan" in caption and "tidak dapat" not in caption


async def test_the_draft_sent_back_unedited_or_another_cases_draft_is_refused(
    ctx: Context, office: Office
) -> None:
    """The gate took any .docx: the bot's own draft, placeholders and all, or the draft of
    another case, was stored as the case's letter. A file whose bytes are an issued draft is
    refused (recorded, as every refusal is); an edited one is taken."""
    from bot.services import tasks
    from bot.services.documents import Upload
    from bot.services.errors import DocumentRejected

    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    first = await register(ctx, office, title="Kerja sama pertama")
    second = await register(ctx, office, title="Kerja sama kedua")
    for case in (first, second):
        await to_step(ctx, office, case.proposal_id, "tkksd_bahas")
    _, own = await _draft(ctx, first.proposal_id, office.chats["tkksd"])
    _, other = await _draft(ctx, second.proposal_id, office.chats["tkksd"])
    task = (await open_tasks(ctx, first.proposal_id))["tkksd"]
    for content, reason in ((own, "draft"), (other, "other_draft")):
        with pytest.raises(DocumentRejected) as refused:
            await tasks.attach_document(
                ctx, task.id, office["tkksd"], "konsep_surat", Upload("k.docx", docx, content)
            )
        assert refused.value.details["reason"] == reason
        context = {"code": refused.value.code, "details": refused.value.details}
        said = Renderer(WIB).render("refusal", context)
        assert ("belum disunting" if reason == "draft" else "pengajuan lain") in said
    refusals = [e for e in await events(ctx, first.proposal_id) if e.type == "action_refused"]
    assert [e.payload.get("code") for e in refusals][-2:] == ["document_rejected"] * 2
    # Edited (here: a line added, as an official would in Word), it is the case's letter.
    import io

    from docx import Document as Word

    word = Word(io.BytesIO(own))
    word.add_paragraph("Disunting oleh Tim TKKSD.")
    edited = io.BytesIO()
    word.save(edited)
    await tasks.attach_document(
        ctx, task.id, office["tkksd"], "konsep_surat", Upload("k.docx", docx, edited.getvalue())
    )
