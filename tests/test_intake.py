"""The intake wizard as data (`services.intake`): the table's questions in order, each taking
only what it accepts, the answers kept in the conversation row."""

from __future__ import annotations

import pytest

from bot.services import conversations, intake
from bot.services.context import Context
from bot.services.documents import Upload
from bot.services.errors import DocumentRejected, NotPermitted
from bot.services.queries import official_by_telegram
from models import Official
from tests.conftest import AGENCY, Office
from tests.helpers import events

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(120)


async def _official(ctx: Context, office: Office, role: str) -> Official:
    found = await official_by_telegram(ctx, office.chats[role])
    assert found is not None
    return found


def _upload(content: bytes) -> Upload:
    return Upload("../usulan.pdf", "application/pdf", content, "file-1", "unique-1")


async def test_the_questions_come_in_the_table_s_order_and_register(
    ctx: Context, office: Office
) -> None:
    me = await _official(ctx, office, "pengadministrasi")
    asked = await intake.start(ctx, me)
    assert asked.question.stage == "kind"
    assert [o.label.split(" — ")[0] for o in asked.options] == ["KAK", "FS"]
    assert await intake.take_press(ctx, me, intake.SKIP, 0) is None  # kind is not skippable
    taken = await intake.take_press(ctx, me, "ik", 0)
    assert taken is not None and taken.answers["kind"] == "KAK"
    asked = await intake.ask_next(ctx, me, taken.answers)
    assert asked.question.stage == "title"
    assert await intake.take_text(ctx, me, asked.answers, "") is None  # asked again
    asked = await intake.take_text(ctx, me, asked.answers, "Kerja sama wisata") or asked
    assert asked.question.stage == "origin"
    asked = await intake.take_text(ctx, me, asked.answers, AGENCY) or asked
    assert (asked.question.stage, [o.value for o in asked.options]) == ("unit", [AGENCY])
    assert asked.answers["units"] == [AGENCY]  # remembered: a later press means what was shown
    assert await intake.take_press(ctx, me, "iu", 1) is None
    taken = await intake.take_press(ctx, me, "iu", 0)
    assert taken is not None
    asked = await intake.ask_next(ctx, me, taken.answers)
    assert asked.question.stage == "document" and intake.takes_file(ctx, asked.answers)
    assert asked.shows["document"] == "Dokumen KAK atau FS"
    assert asked.shows["wording"]["noun"] == "usulan"  # the seed's own word, from its file

    async def receive() -> Upload:
        return _upload(PDF)

    asked = await intake.take_file(ctx, me, asked.answers, receive)
    assert asked.answers["file"]["name"] == "usulan.pdf"
    assert (asked.question.stage, asked.question.skippable) == ("note", True)
    taken = await intake.take_press(ctx, me, intake.SKIP, 0)
    assert taken is not None and taken.answers["note"] is None
    asked = await intake.ask_next(ctx, me, taken.answers)
    assert asked.question.stage == "confirm" and asked.shows["kind_title"].startswith("Kerangka")
    taken = await intake.take_press(ctx, me, intake.CONFIRM, 0)
    assert taken is not None and taken.confirmed

    async def fetch(file_id: str) -> bytes:
        assert file_id == "file-1"
        return PDF

    done = await intake.register(ctx, me, taken.answers, fetch)
    assert done.number
    assert await conversations.awaited(ctx, office.chats["pengadministrasi"]) is None


async def test_a_wrong_file_is_refused_recorded_and_the_answers_kept(
    ctx: Context, office: Office
) -> None:
    me = await _official(ctx, office, "pengadministrasi")
    answers = {"sop": "kerjasama_pihak_ketiga", "kind": "KAK", "title": "T", "origin": "O"}
    answers |= {"unit": AGENCY, "stage": "document"}

    async def receive() -> Upload:
        return _upload(EXE)

    with pytest.raises(DocumentRejected):
        await intake.take_file(ctx, me, dict(answers), receive)
    refused = [e for e in await events(ctx) if e.type == "action_refused"]
    assert [e.payload["action"] for e in refused] == ["register"]
    assert await intake.take_text(ctx, me, answers, "a text") is None  # still a file awaited


async def test_only_a_registrar_begins(ctx: Context, office: Office) -> None:
    with pytest.raises(NotPermitted):
        await intake.start(ctx, await _official(ctx, office, "staf"))
