"""Every refusal: who may act, stale and repeated presses, missing and bad documents.
A refusal changes nothing but is recorded."""

from __future__ import annotations

import pytest

from bot.core.engine import ActionNotAllowed, Approve, Reject
from bot.services import tasks
from bot.services.context import Context
from bot.services.documents import Upload
from bot.services.errors import (
    AlreadyHandled,
    DocumentMissing,
    DocumentRejected,
    InvalidInput,
    NotFound,
    NotPermitted,
    NotYourTask,
)
from bot.services.proposals import register_proposal
from tests.conftest import Office
from tests.helpers import SOP, current_step, do, events, open_tasks, pdf, register, to_step


async def _refusals(ctx: Context) -> list[str]:
    return [e.payload["code"] for e in await events(ctx) if e.type == "action_refused"]


async def test_a_stranger_cannot_act_and_the_attempt_is_recorded(
    ctx: Context, office: Office
) -> None:
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    with pytest.raises(NotYourTask):
        await tasks.act(ctx, task.id, office["orang_lain"], Approve(), task.version)
    with pytest.raises(NotYourTask):  # a holder of another role is a stranger here too
        await tasks.act(ctx, task.id, office["gubernur"], Approve(), task.version)
    assert await current_step(ctx, reg.proposal_id) == {"karo_terima_disposisi"}
    assert await _refusals(ctx) == ["not_your_task", "not_your_task"]
    refused = next(e for e in await events(ctx) if e.type == "action_refused")
    assert refused.actor_id == office["orang_lain"] and refused.task_id == task.id


async def test_a_second_press_is_already_handled(ctx: Context, office: Office) -> None:
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    await tasks.act(ctx, task.id, office["karo"], Approve(), task.version)
    before = len(await events(ctx, reg.proposal_id))
    with pytest.raises(AlreadyHandled):
        await tasks.act(ctx, task.id, office["karo"], Approve(), task.version)
    with pytest.raises(AlreadyHandled):  # no version at all: the task is finished
        await tasks.act(ctx, task.id, office["karo"], Approve())
    after = await events(ctx, reg.proposal_id)
    assert [e.type for e in after[before:]] == ["action_refused", "action_refused"]
    assert await current_step(ctx, reg.proposal_id) == {"kabag_perintah_persiapan"}


async def test_a_stale_button_is_already_handled(ctx: Context, office: Office) -> None:
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    with pytest.raises(AlreadyHandled):
        await tasks.act(ctx, task.id, office["karo"], Approve(), task.version + 7)
    assert await current_step(ctx, reg.proposal_id) == {"karo_terima_disposisi"}


async def test_a_forged_task_id_is_not_found(ctx: Context, office: Office) -> None:
    with pytest.raises(NotFound):
        await tasks.act(ctx, 999_999, office["karo"], Approve(), 1)
    assert await _refusals(ctx) == ["not_found"]


async def test_approval_waits_for_the_required_upload(ctx: Context, office: Office) -> None:
    reg = await register(ctx, office)
    await to_step(ctx, office, reg.proposal_id, "analis_telaah")
    with pytest.raises(DocumentMissing) as refused:
        await do(ctx, office, reg.proposal_id, "analis_ls")
    assert refused.value.details["missing"] == ["Hasil telaah Dokumen KAK atau FS"]
    # The other analyst's review does not count for this analyst's task.
    await do(ctx, office, reg.proposal_id, "analis_pks", attach="hasil_telaah")
    with pytest.raises(DocumentMissing):
        await do(ctx, office, reg.proposal_id, "analis_ls")
    assert await current_step(ctx, reg.proposal_id) == {"analis_telaah"}


async def test_rejection_where_the_sop_has_none_is_not_allowed(
    ctx: Context, office: Office
) -> None:
    reg = await register(ctx, office)
    with pytest.raises(ActionNotAllowed):
        await do(ctx, office, reg.proposal_id, "karo", Reject("tidak mau"))
    assert await _refusals(ctx) == ["action_not_allowed"]


@pytest.mark.parametrize(
    ("upload", "reason"),
    [
        (Upload("virus.exe", "application/x-msdownload", b"MZ..."), "type"),
        (Upload("kosong.pdf", "application/pdf", b""), "empty"),
        (Upload("besar.pdf", "application/pdf", b"x" * (20 * 1024 * 1024 + 1)), "size"),
    ],
)
async def test_bad_files_are_refused_with_the_reason(
    ctx: Context, office: Office, upload: Upload, reason: str
) -> None:
    reg = await register(ctx, office)
    await to_step(ctx, office, reg.proposal_id, "analis_telaah")
    task = (await open_tasks(ctx, reg.proposal_id))["analis_ls"]
    archived = sorted(ctx.archive.root.rglob("*"))
    with pytest.raises(DocumentRejected) as refused:
        await tasks.attach_document(ctx, task.id, office["analis_ls"], "hasil_telaah", upload)
    assert refused.value.details["reason"] == reason
    assert sorted(ctx.archive.root.rglob("*")) == archived  # nothing stored


async def test_an_unknown_document_kind_is_refused(ctx: Context, office: Office) -> None:
    reg = await register(ctx, office)
    task = (await open_tasks(ctx, reg.proposal_id))["karo"]
    with pytest.raises(DocumentRejected):
        await tasks.attach_document(ctx, task.id, office["karo"], "foto_selfie", pdf())


async def test_attached_files_are_archived_with_their_hash(ctx: Context, office: Office) -> None:
    import hashlib

    from bot.services.queries import reading
    from models import Document

    reg = await register(ctx, office)
    async with reading(ctx) as session:
        document = await session.get(Document, 1)
    assert document is not None and document.proposal_id == reg.proposal_id
    content = ctx.archive.path_of(document.archive_path).read_bytes()
    assert hashlib.sha256(content).hexdigest() == document.sha256
    assert content.startswith(b"%PDF")


async def test_only_registrars_may_register(ctx: Context, office: Office) -> None:
    with pytest.raises(NotPermitted):
        await register_proposal(
            ctx,
            by=office["analis_ls"],
            sop_code=SOP,
            title="X",
            origin="Y",
            kind="KAK",
            document=pdf(),
        )
    # An admin may, whatever their roles.
    done = await register_proposal(
        ctx, by=office["admin"], sop_code=SOP, title="X", origin="Y", kind="FS", document=pdf()
    )
    assert done.number


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"kind": "MOU"}, InvalidInput),
        ({"kind": None}, InvalidInput),
        ({"title": "   "}, InvalidInput),
        ({"document": None}, DocumentMissing),
        ({"sop_code": "tidak_ada"}, NotFound),
    ],
)
async def test_registration_checks_its_input(
    ctx: Context, office: Office, changes: dict[str, object], error: type[Exception]
) -> None:
    fields: dict[str, object] = {
        "by": office["pengadministrasi"],
        "sop_code": SOP,
        "title": "Kerja sama",
        "origin": "PT X",
        "kind": "FS",
        "document": pdf(),
    } | changes
    with pytest.raises(error):
        await register_proposal(ctx, **fields)  # type: ignore[arg-type]
    assert [e for e in await events(ctx) if e.type == "proposal_registered"] == []
