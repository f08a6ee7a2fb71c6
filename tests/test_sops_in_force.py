"""SOPs in force are pinned: a version's content is recorded with its first case, and a file
changed under that version (which would strand its running cases) is refused at start-up."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot import app
from bot.core.clock import FrozenClock
from bot.core.config import Settings
from bot.services import sops_in_force
from bot.services.context import Context, build_context
from bot.services.queries import reading
from bot.services.sops_in_force import SopsInForceError
from models import Proposal, SopVersion
from models.proposals import CLOSED
from tests.conftest import Office, seed_office
from tests.helpers import SOP, register
from tests.test_sop_fingerprint import COMMENTED, RENAMED, REWORDED, SEED, TEXT

VERSION_2 = RENAMED.replace('version: "2020.1"', 'version: "2020.2"')
# A closed port: a start that gets past the check fails on its first Telegram call instead.
NO_TELEGRAM = {"telegram_bot_token": "123:bogus", "telegram_api_url": "http://127.0.0.1:9/bot"}

Contexts = Callable[..., Context]


@pytest.fixture
async def contexts(
    settings: Settings, clock: FrozenClock, tmp_path: Path
) -> AsyncIterator[Contexts]:
    """Contexts on one database, each with its own SOP folder holding the given files."""
    made: list[Context] = []

    def make(**files: str) -> Context:
        folder = tmp_path / f"sops{len(made)}"
        folder.mkdir()
        for name, text in files.items():
            (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
        update = {"sop_dir": folder, **NO_TELEGRAM}
        made.append(build_context(settings.model_copy(update=update), clock=clock))
        return made[-1]

    yield make
    for ctx in made:
        await ctx.close()


async def _in_force(contexts: Contexts) -> tuple[Context, Office]:
    """A database where one case of the seed SOP, version 2020.1, is running."""
    ctx = contexts(kerjasama=TEXT)
    office = await seed_office(ctx)
    await register(ctx, office)
    return ctx, office


# -- recording -------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
async def test_registration_records_the_version_once(contexts: Contexts) -> None:
    ctx = contexts(kerjasama=TEXT)
    office = await seed_office(ctx)
    # Two first cases at once (two instances): the second insert is a no-op, not an error.
    await asyncio.gather(register(ctx, office), register(ctx, office))
    await register(ctx, office)
    async with reading(ctx) as session:
        rows = list(await session.scalars(select(SopVersion)))
    spec = ctx.sops.get(SOP)
    assert [(r.code, r.version) for r in rows] == [(SOP, "2020.1")]
    assert rows[0].fingerprint == spec.fingerprint and rows[0].content == TEXT


# -- the check at start ----------------------------------------------------------------------------


async def test_a_step_key_renamed_under_the_same_version_is_refused_at_start(
    contexts: Contexts,
) -> None:
    await _in_force(contexts)
    changed = contexts(kerjasama=RENAMED)
    with pytest.raises(SopsInForceError) as refused:
        await app.start(changed)
    [problem] = refused.value.problems
    assert problem.file == str(changed.settings.sop_dir / "kerjasama.yaml")  # type: ignore[operator]
    text = str(problem)
    assert "versi 2020.1" in text and "1 berjalan" in text
    assert "langkah hilang: tkksd_bahas" in text and "langkah baru: tkksd_rapat" in text
    assert "naikkan versi" in text and "biarkan file versi lama di SOP_DIR" in text


async def test_comments_and_layout_changes_are_accepted(contexts: Contexts) -> None:
    await _in_force(contexts)
    assert await sops_in_force.check(contexts(kerjasama=COMMENTED)) == []


async def test_rewording_a_version_in_force_is_accepted(contexts: Contexts) -> None:
    _, office = await _in_force(contexts)
    reworded = contexts(kerjasama=REWORDED)
    assert await sops_in_force.check(reworded) == []
    await register(reworded, office)  # the conflict check at registration agrees


async def test_a_version_recorded_with_the_whole_file_hashed_still_matches(
    contexts: Contexts,
) -> None:
    """Rows recorded before the fingerprint left wording out hold the whole file's hash."""
    ctx, office = await _in_force(contexts)
    async with ctx.sessions() as session, session.begin():
        await session.execute(update(SopVersion).values(fingerprint="0" * 64))
    assert await sops_in_force.check(contexts(kerjasama=REWORDED)) == []
    await register(contexts(kerjasama=TEXT), office)
    [problem] = await sops_in_force.check(contexts(kerjasama=RENAMED))
    assert "langkah hilang: tkksd_bahas" in str(problem)


async def test_a_new_version_beside_the_old_is_accepted_and_used(contexts: Contexts) -> None:
    _, office = await _in_force(contexts)
    both = contexts(kerjasama=TEXT, kerjasama_2=VERSION_2)
    assert await sops_in_force.check(both) == []
    await register(both, office)
    async with reading(both) as session:
        versions = set(await session.scalars(select(SopVersion.version)))
    assert versions == {"2020.1", "2020.2"}


async def test_a_version_with_open_cases_may_not_leave_the_folder(contexts: Contexts) -> None:
    ctx, _ = await _in_force(contexts)
    only_new = contexts(kerjasama_2=VERSION_2)
    [problem] = await sops_in_force.check(only_new)
    assert "versi 2020.1 tidak ada lagi" in str(problem) and "1 kasus" in str(problem)
    assert problem.file == str(only_new.settings.sop_dir)
    async with ctx.sessions() as session, session.begin():
        await session.execute(update(Proposal).values(status=CLOSED))
    assert await sops_in_force.check(only_new) == []  # closed cases strand nothing


async def test_a_file_differing_from_another_instance_refuses_registration(
    contexts: Contexts,
) -> None:
    _, office = await _in_force(contexts)
    other = contexts(kerjasama=RENAMED)
    with pytest.raises(sops_in_force.SopVersionConflict, match="naikkan versi"):
        await register(other, office)


# -- the operator's commands -----------------------------------------------------------------------


def _run(database_url: str, sop_dir: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "DATABASE_URL": database_url,
        "SOP_DIR": str(sop_dir),
        "TELEGRAM_BOT_TOKEN": NO_TELEGRAM["telegram_bot_token"],
        "TELEGRAM_API_URL": NO_TELEGRAM["telegram_api_url"],
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _refused(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stderr  # a file to fix, as a setting to fix
    assert "Traceback" not in done.stderr and "bogus" not in done.stderr
    refusal = done.stderr.split("Bot tidak dijalankan:", 1)[1]  # after the migration's log
    *said, fix = refusal.rstrip("\n").splitlines()
    assert fix == "Perbaiki lalu periksa dengan: disposisi sop check BERKAS"
    return "\n".join(said)


async def test_run_refuses_a_changed_file_naming_it(contexts: Contexts) -> None:
    ctx, _ = await _in_force(contexts)
    changed = contexts(kerjasama=RENAMED).settings.sop_dir
    assert changed is not None
    err = _refused(await asyncio.to_thread(_run, ctx.settings.database_url, changed))
    assert f"{changed / 'kerjasama.yaml'}: SOP kerjasama_pihak_ketiga versi 2020.1" in err


def test_run_refuses_a_missing_sop_dir(settings: Settings, tmp_path: Path) -> None:
    err = _refused(_run(settings.database_url, tmp_path / "nope"))
    assert f"{tmp_path / 'nope'}: folder SOP tidak ada" in err


def test_run_lists_every_problem_of_a_broken_file(settings: Settings, tmp_path: Path) -> None:
    broken = TEXT.replace("actors: [kabag_ks]", "actors: [kabag_humas]").replace(
        "time: 3 jam", "time: tiga jam"
    )
    assert broken.count("kabag_humas") and "tiga jam" in broken
    (tmp_path / "rusak.yaml").write_text(broken, encoding="utf-8")
    err = _refused(_run(settings.database_url, tmp_path))
    lines = [line.strip() for line in err.splitlines()[1:]]
    assert all(line.startswith(f"{tmp_path / 'rusak.yaml'}:") for line in lines)
    assert any("kabag_humas" in line for line in lines)
    assert any("tiga jam" in line for line in lines)


async def test_sop_check_warns_of_a_file_differing_from_the_version_in_force(
    contexts: Contexts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx, _ = await _in_force(contexts)
    changed, same = tmp_path / "ubah.yaml", tmp_path / "sama.yaml"
    changed.write_text(RENAMED, encoding="utf-8")
    same.write_text(COMMENTED, encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", ctx.settings.database_url)
    done = await asyncio.to_thread(_sop_check, changed, same)
    assert done.returncode == 0, done.stderr  # a warning, not a failure
    [warning] = done.stderr.splitlines()
    assert warning.startswith(f"{changed}: PERINGATAN: SOP kerjasama_pihak_ketiga versi 2020.1")
    assert "langkah hilang: tkksd_bahas" in warning and "naikkan versi" in warning


def test_sop_check_without_a_database_says_nothing_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    absent = tmp_path / "belum_ada.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{absent}")
    done = _sop_check(SEED)
    assert done.returncode == 0 and done.stderr == ""
    assert not absent.exists()  # checking a file never creates a database


def _sop_check(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "sop", "check", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_a_closed_case_whose_version_left_the_folder_is_still_answered(
    contexts: Contexts, clock: FrozenClock
) -> None:
    """Once its cases are closed, an old version's file may go; /status of such a case is
    then a plain answer, and the next morning's digest still lists it, not an error."""
    from datetime import timedelta

    from bot.core.render import Renderer
    from bot.services import digest, queries
    from bot.services.errors import SopGone
    from bot.services.uow import UnitOfWork
    from tests.helpers import viewer

    ctx, office = await _in_force(contexts)
    async with ctx.sessions() as session, session.begin():
        await session.execute(
            update(Proposal).values(status=CLOSED, closed_at=clock.now(), outcome="dikirim")
        )
    only_new = contexts(kerjasama_2=VERSION_2)
    assert await sops_in_force.check(only_new) == []
    async with reading(only_new) as session:
        number = await session.scalar(select(Proposal.number))
    assert number is not None
    with pytest.raises(SopGone) as refused:
        await queries.proposal_status(only_new, number, await viewer(only_new, office["admin"]))
    said = Renderer(only_new.settings.zone).render(
        "refusal", {"code": refused.value.code, "details": refused.value.details}
    )
    assert "versi 2020.1, yang tidak dimuat lagi" in said and f"/riwayat {number}" in said
    # ... and /riwayat, which that answer points to, shows it (the keys where titles are gone).
    history = await queries.proposal_history(
        only_new, number, await viewer(only_new, office["admin"])
    )
    text = Renderer(only_new.settings.zone).render("history", {"history": history})
    assert f"Riwayat {number}" in text and "didaftarkan" in text
    monday = clock.now().astimezone(only_new.settings.zone).date()
    async with UnitOfWork(only_new) as uow:
        summary = await digest.summarise(uow, None, monday, monday + timedelta(days=1))
    assert [f["number"] for f in summary["finished"]] == [number]
