"""The SOPs in force: each `(code, version)` that has cases, pinned to what its file said.

Cases store only `(code, version, step key)`, so a file edited under the same version (a step
key renamed, a branch moved) strands them: every press and /status would fail. The content is
recorded with the version's first case, and start-up compares every recorded version that still
has cases with the files loaded now (`ensure`), refusing to run on a mismatch.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from sqlalchemy import case, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.config import normalize_database_url
from bot.core.paths import data_dir
from bot.core.sop.fingerprint import fingerprint as content_fingerprint
from bot.core.sop.fingerprint import plain
from bot.core.sop.loader import SopProblem
from bot.core.sop.spec import SopSpec
from bot.core.texts import text
from bot.services.context import Context
from bot.services.uow import UnitOfWork
from bot.storage.db import create_engine, read_session
from models import Proposal
from models.proposals import OPEN
from models.sops import SopVersion

AREA = "in_force"  # the words: templates/texts/in_force.yaml


def _say(entry: str, /, **fields: object) -> str:
    """The catalogue's text `entry`; `{new_version}`, what to do instead, is filled in."""
    return text(AREA, entry, new_version=text(AREA, "new_version"), **fields)


class SopsInForceError(Exception):
    """The loaded SOP files do not match the versions that running cases depend on."""

    def __init__(self, problems: Iterable[SopProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class SopVersionConflict(Exception):
    """This instance's file differs from the content recorded for the same version (another
    instance, or a file edited while the bot runs)."""


def fingerprint(spec: SopSpec) -> str:
    """SHA-256 of the spec's parsed content (see bot.core.sop.fingerprint); set by the loader."""
    if not spec.fingerprint:
        raise ValueError(f"SOP {spec.code} version {spec.version} was not loaded from a file")
    return spec.fingerprint


async def record(uow: UnitOfWork, spec: SopSpec) -> None:
    """Pin `spec` as in force, in the unit's transaction (with the case it is registered for).

    The insert is a no-op when the row exists, so two instances registering the first case of a
    version at once both succeed; then the row must hold this very content.
    """
    session = uow.session
    insert = pg_insert if uow.ctx.engine.dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert(SopVersion)
        .values(
            code=spec.code,
            version=spec.version,
            fingerprint=fingerprint(spec),
            content=spec.source,
            recorded_at=uow.now,
        )
        .on_conflict_do_nothing(index_elements=["code", "version"])
    )
    recorded = (
        await session.execute(
            select(SopVersion.fingerprint, SopVersion.content).where(
                SopVersion.code == spec.code, SopVersion.version == spec.version
            )
        )
    ).one()
    if not matches(spec, recorded.fingerprint, recorded.content):
        raise SopVersionConflict(
            _say("recorded_otherwise", file=spec.path, code=spec.code, version=spec.version)
        )


def matches(spec: SopSpec, recorded: str, content: str) -> bool:
    """Does the loaded file say what was recorded? A row recorded before the fingerprint left
    wording out holds the whole file's hash: its content is fingerprinted again to compare."""
    return recorded == spec.fingerprint or _refingerprinted(content) == spec.fingerprint


@functools.lru_cache(maxsize=64)
def _refingerprinted(content: str) -> str | None:
    try:
        return content_fingerprint(YAML(typ="rt").load(content))
    except YAMLError:
        return None


@dataclass(frozen=True)
class _InForce:
    row: SopVersion
    cases: int
    open_cases: int


async def check(ctx: Context) -> list[SopProblem]:
    """Every recorded version that has cases, against the loaded registry."""
    async with read_session(ctx.engine) as session:
        in_force = await _in_force(session)
    problems = []
    folder = str(ctx.settings.sop_dir or data_dir("sops"))
    for found in in_force:
        code, version = found.row.code, found.row.version
        try:
            spec = ctx.sops.get(code, version)
        except KeyError:
            if found.open_cases:
                problems.append(_gone(folder, found))
            continue
        if not matches(spec, found.row.fingerprint, found.row.content):
            problems.append(_changed(spec, found))
    return problems


async def ensure(ctx: Context) -> None:
    """Refuse to run (SopsInForceError) when `check` finds a problem."""
    problems = await check(ctx)
    if problems:
        raise SopsInForceError(problems)


async def recorded(session: AsyncSession, keys: Iterable[tuple[str, str]]) -> list[SopVersion]:
    """The recorded rows among `keys` (code, version)."""
    wanted = set(keys)
    rows = await session.scalars(select(SopVersion))
    return [row for row in rows if (row.code, row.version) in wanted]


def changes(spec: SopSpec, row: SopVersion) -> str:
    """What differs between the recorded content and the file, in a few words."""
    try:
        before, after = (plain(YAML(typ="rt").load(t)) for t in (row.content, spec.source))
    except YAMLError:
        return text(AREA, "content_differs")
    if not isinstance(before, dict) or not isinstance(after, dict):
        return text(AREA, "content_differs")
    said = []
    old_steps, new_steps = _steps(before), _steps(after)
    if gone := [k for k in old_steps if k not in new_steps]:
        said.append(text(AREA, "steps_gone", steps=", ".join(gone)))
    if added := [k for k in new_steps if k not in old_steps]:
        said.append(text(AREA, "steps_added", steps=", ".join(added)))
    if edited := [k for k in old_steps if k in new_steps and old_steps[k] != new_steps[k]]:
        said.append(text(AREA, "steps_edited", steps=", ".join(edited)))
    fields = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if others := [k for k in fields if k != "steps"]:
        said.append(text(AREA, "parts_edited", parts=", ".join(others)))
    if not said and old_steps != new_steps:
        said.append(text(AREA, "steps_reordered"))
    return "; ".join(said) or text(AREA, "content_differs")


def _steps(data: dict[str, object]) -> dict[str, object]:
    steps = data.get("steps")
    if not isinstance(steps, list):
        return {}
    return {str(s.get("key")): s for s in steps if isinstance(s, dict)}


async def _in_force(session: AsyncSession) -> list[_InForce]:
    is_open = case((Proposal.status == OPEN, 1), else_=0)
    counts = (
        select(
            Proposal.sop_code,
            Proposal.sop_version,
            func.count().label("cases"),
            func.sum(is_open).label("open_cases"),
        )
        .group_by(Proposal.sop_code, Proposal.sop_version)
        .subquery()
    )
    query = (
        select(SopVersion, counts.c.cases, counts.c.open_cases)
        .join(
            counts,
            (counts.c.sop_code == SopVersion.code) & (counts.c.sop_version == SopVersion.version),
        )
        .order_by(SopVersion.code, SopVersion.version)
    )
    return [_InForce(row, int(n), int(o or 0)) for row, n, o in await session.execute(query)]


def _changed(spec: SopSpec, found: _InForce) -> SopProblem:
    return SopProblem(
        spec.path or "<sop>",
        None,
        None,
        _say(
            "changed",
            code=spec.code,
            version=spec.version,
            cases=found.cases,
            open_cases=found.open_cases,
            changes=changes(spec, found.row),
        ),
    )


def _gone(folder: str, found: _InForce) -> SopProblem:
    code, version = found.row.code, found.row.version
    return SopProblem(
        folder,
        None,
        None,
        _say("gone", code=code, version=version, open_cases=found.open_cases),
    )


async def differing(database_url: str, specs: Iterable[SopSpec]) -> list[SopProblem]:
    """Warnings for `sop check`: files whose version is recorded with other content.

    Only an existing database is read (a SQLite file is never created here); one that is absent,
    unreachable or not migrated yet has nothing recorded, so nothing to warn about.
    """
    specs = list(specs)
    normalized = normalize_database_url(database_url)
    url = make_url(normalized)
    if _no_sqlite_file(url):
        return []
    engine = create_engine(normalized, **_quick_connect(url))
    try:
        async with read_session(engine) as session:
            rows = await recorded(session, [(s.code, s.version) for s in specs])
    except (OSError, SQLAlchemyError):
        return []
    finally:
        await engine.dispose()
    by_key = {(row.code, row.version): row for row in rows}
    warnings = []
    for spec in specs:
        row = by_key.get((spec.code, spec.version))
        if row is not None and not matches(spec, row.fingerprint, row.content):
            warnings.append(
                SopProblem(
                    spec.path or "<sop>",
                    None,
                    None,
                    _say(
                        "differs",
                        code=spec.code,
                        version=spec.version,
                        changes=changes(spec, row),
                    ),
                )
            )
    return warnings


def _no_sqlite_file(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file()


def _quick_connect(url: URL) -> dict[str, Any]:
    # A checking tool should not hang for a minute on a database server that is down.
    return {"connect_args": {"timeout": 5}} if url.get_backend_name() == "postgresql" else {}
