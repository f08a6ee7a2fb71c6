"""`disposisi demo`: the emulator and the real bot in one process, on a throw-away SQLite
database, with no token and no network; the seed SOP played from intake to outcome.

Returns what each official saw and did (the tape) and a summary measured from the database:
each step, who did it, the working time it took against the SOP's standard, the number of
messages the bot sent, and of files: those the officials sent the case, those the bot sent them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path as FilePath
from typing import Any

from pydantic import SecretStr
from sqlalchemy import func, select

from bot.core.clock import ShiftedClock
from bot.core.config import Settings
from bot.core.sop.spec import Letter, SopSpec
from bot.records.timeline import StepTime, standard_minutes, step_times
from bot.services.context import Context, build_context
from bot.storage import migrate
from demo import player
from demo.scenario import NAMES, PATHS, Script, play
from demo.tape import Entry, Tape
from demo.world import SEED_SOP, TOKEN, World
from emulator.client import EmulatorClient
from emulator.server import Emulator
from models import Document, Official, Proposal, Task

QUICK = {
    "nudge_sweep_seconds": 0.2,  # the demo moves the clock; the sweep must notice at once
    "outbox_poll_seconds": 0.2,
    "private_chat_per_second": 30.0,  # the emulator's limits are off; no need to wait
    "group_chat_per_minute": 1200,
    "daily_digest": False,
}


StepRun = StepTime  # a row of the summary: the records' one measure of a step


@dataclass
class DemoResult:
    path: str
    about: str
    sop: str
    proposal: str
    title: str
    outcome: str | None
    verdict: str | None
    started_at: str
    entries: list[Entry]
    steps: list[StepRun]
    messages: dict[str, int] = field(default_factory=dict)  # Bot API calls by method
    wall_seconds: float = 0.0
    outcome_key: str | None = None
    documents: int = 0  # the files the officials sent that the case keeps (uploads)
    # what the steps are held to in working minutes, as the register counts it (a range's limit)
    standard_minutes: int = 0


# The script relies on these: the shipped SOPs, the office's usual rules. An operator's own
# SOP_DIR, calendar file or reminder policy would change the story, so the demo ignores them.
PINNED = (
    "sop_dir",
    "calendar_overrides",
    "default_step_minutes",
    "max_document_mb",
    "allowed_document_types",
    "nudge_repeat",
    "escalate_after",
    "office_hours",
    "holiday_country",
    "holiday_subdivision",
)


def pinned(base: Settings) -> Settings:
    return base.model_copy(update={name: Settings.model_fields[name].default for name in PINNED})


def demo_settings(base: Settings, scratch: FilePath, api_url: str) -> Settings:
    return pinned(base).model_copy(
        update={
            "database_url": f"sqlite+inline:///{scratch / 'demo.db'}",
            "archive_dir": scratch / "arsip",
            "telegram_bot_token": SecretStr(TOKEN),
            "telegram_api_url": f"{api_url}/bot",
            "webhook_url": None,
            **QUICK,
        }
    )


def default_start(base: Settings) -> datetime:
    """The next opening of the office from now: the demo's first day starts at the door."""
    from bot.services.context import build_calendar

    calendar = build_calendar(pinned(base))
    now = datetime.now(base.zone)
    return calendar.next_opening(now.replace(hour=0, minute=0, second=0, microsecond=0))


async def run_demo(
    base: Settings, path: str, start: datetime | None = None, keep: FilePath | None = None
) -> DemoResult:
    """The seed SOP, along one of the script's paths; `keep`: where to keep its database."""
    chosen = PATHS[path]

    async def seed(world: World, tape_on: Callable[[dict[str, str]], Tape]) -> DemoResult:
        await world.register_office(NAMES)
        titles = {r: t.title for r, t in world.ctx.sops.get(SEED_SOP).roles.items()}
        tape = tape_on({role: _display(role, titles) for role in world.users})
        assert isinstance(world.ctx.clock, ShiftedClock)
        number = await play(Script(world, tape, world.ctx.clock), chosen)
        await tape.settle()
        return await _summary(world.ctx, chosen.key, chosen.about, number, tape.entries)

    return await _staged(pinned(base), start, seed, keep=keep)


async def run_sop_demo(
    base: Settings,
    sop: SopSpec,
    choose: dict[str, str],
    start: datetime | None = None,
    keep: FilePath | None = None,
) -> DemoResult:
    """Any SOP file, from intake to an outcome (`demo.player`)."""
    assert sop.source, "the SOP is played from its file's text"

    async def any_sop(world: World, tape_on: Callable[[dict[str, str]], Tape]) -> DemoResult:
        tape = tape_on(await player.register_office(world, [sop]))
        played = await player.play(world, sop, choose)
        await tape.settle()
        result = await _summary(
            world.ctx, "sop", sop.header.name or sop.code, played.number, tape.entries
        )
        result.outcome_key = played.outcome
        return result

    def folder(scratch: FilePath) -> dict[str, Any]:
        sops = scratch / "sops"
        sops.mkdir()
        copy_sop(sop, sops, f"{sop.code}.yaml")
        return {"sop_dir": sops}

    return await _staged(pinned(base), start, any_sop, folder, keep)


def copy_sop(sop: SopSpec, folder: FilePath, name: str) -> None:
    """The SOP file into `folder` as `name`, with the letter templates its steps declare at the
    same paths relative to it (`letters/` beside it, sops/README.md): the bot loads the copy,
    and looks for them there. Written as they were read and checked when the file was loaded.
    The loader refuses a template outside the file's folder; checked again here, as this
    writes files."""
    (folder / name).write_text(sop.source, encoding="utf-8")
    for step, letter in _letters(sop):
        if _outside(letter.template):
            raise ValueError(f"{step}: letter template {letter.template!r} outside the folder")
        target = folder / os.path.normpath(letter.template)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(letter.content)


def _letters(sop: SopSpec) -> list[tuple[str, Letter]]:
    return [(step.key, step.letter) for step in sop.steps if step.letter is not None]


def _outside(template: str) -> bool:
    shown = os.path.normpath(template)
    return os.path.isabs(shown) or shown.split(os.sep)[0] == os.pardir


Play = Callable[[World, Callable[[dict[str, str]], Tape]], Awaitable[DemoResult]]


async def _staged(
    base: Settings,
    start: datetime | None,
    play_it: Play,
    more: Callable[[FilePath], dict[str, Any]] | None = None,
    keep: FilePath | None = None,
) -> DemoResult:
    """The emulator and the bot on a scratch database and clock; `play_it` registers the
    office and plays, given how to start the tape once the officials are named (registering
    them is not the story). With `keep`, the database is copied there once the bot stopped."""
    logging.getLogger("bot").setLevel(logging.WARNING)
    began = asyncio.get_running_loop().time()
    with tempfile.TemporaryDirectory(prefix="disposisi-demo-") as scratch:
        emulator = Emulator(token=TOKEN)
        url = await emulator.start()
        clock = ShiftedClock(start or default_start(base))
        settings = demo_settings(base, FilePath(scratch), url)
        if more is not None:
            settings = settings.model_copy(update=more(FilePath(scratch)))
        ctx = build_context(settings, clock=clock)
        world = World(emulator, EmulatorClient(url), ctx)
        before: dict[str, Any] = {}

        def tape_on(names: dict[str, str]) -> Tape:
            people = {uid: names.get(role, role) for role, uid in world.users.items()}
            tape = Tape(emulator, ctx, people, names)
            world.on_act = tape.act
            return tape

        try:
            await migrate.upgrade(ctx.engine)
            await world.start_bot()
            before.update((await world.tg.stats())["calls"])
            result = await play_it(world, tape_on)
            stats = await world.tg.stats()
            result.messages = {
                method: int(stats["calls"].get(method, 0)) - int(before.get(method, 0))
                for method in ("sendMessage", "editMessageText", "sendDocument")
            }
        finally:
            await world.close()
        if keep is not None:
            keep_database(FilePath(scratch) / "demo.db", keep)
    result.wall_seconds = round(asyncio.get_running_loop().time() - began, 1)
    return result


def keep_database(scratch: FilePath, keep: FilePath) -> None:
    """Copy the demo's database to `keep` whole, through SQLite's backup (the write-ahead log
    included), so that `disposisi rekap` and the other records can be run on it."""
    source, target = sqlite3.connect(scratch), sqlite3.connect(keep)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def _display(role: str, titles: dict[str, str]) -> str:
    name = NAMES.get(role, role)
    title = titles.get(role) or ("staf Bagian Kerja Sama" if role == "staf" else "admin")
    return f"{name} ({title})"


async def _summary(
    ctx: Context, path: str, about: str, number: str, entries: list[Entry]
) -> DemoResult:
    calendar = ctx.calendar
    async with ctx.sessions() as session:
        proposal = await session.scalar(select(Proposal).where(Proposal.number == number))
        assert proposal is not None
        spec = ctx.spec_of(proposal)
        rows = (
            await session.execute(
                select(Task, Official.name)
                .outerjoin(Official, Official.id == Task.completed_by_id)
                .where(Task.proposal_id == proposal.id)
                .order_by(Task.id)
            )
        ).all()
        documents = await session.scalar(
            select(func.count(Document.id)).where(Document.proposal_id == proposal.id)
        )
    steps = step_times(spec, rows, calendar, ctx.clock.now(), ctx.settings.default_step_minutes)
    outcome = spec.outcomes.get(proposal.outcome or "")
    return DemoResult(
        outcome_key=proposal.outcome,
        path=path,
        about=about,
        sop=f"{spec.code} v{spec.version}",
        proposal=number,
        title=proposal.title,
        outcome=outcome.title if outcome else None,
        verdict=proposal.verdict,
        started_at=proposal.registered_at.isoformat(),
        entries=entries,
        steps=steps,
        documents=documents or 0,
        standard_minutes=standard_minutes(steps),
    )


def as_json(result: DemoResult) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(result)
