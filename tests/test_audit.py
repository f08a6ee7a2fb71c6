"""The audit trail is a hash chain: any altered or removed event is found and named."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.services.context import Context
from bot.services.queries import reading
from bot.storage import audit
from bot.tools.cli import main
from models import Event
from tests.conftest import Office
from tests.helpers import events, register, to_step

BOTH = pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)


async def _verify(ctx: Context) -> audit.Verification:
    async with reading(ctx) as session:
        return await audit.verify(session)


async def _tamper(ctx: Context, sql: str) -> None:
    """Change the events as someone with full rights on the database could: the append-only
    trigger goes first."""
    async with ctx.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("ALTER TABLE events DISABLE TRIGGER events_append_only"))
        else:
            await connection.execute(text("DROP TRIGGER IF EXISTS events_no_update"))
            await connection.execute(text("DROP TRIGGER IF EXISTS events_no_delete"))
        await connection.execute(text(sql))


@pytest.fixture
async def trail(ctx: Context, office: Office) -> int:
    reg = await register(ctx, office)
    await to_step(ctx, office, reg.proposal_id, "analis_telaah")
    return len(await events(ctx))


@BOTH
async def test_an_intact_chain_verifies(ctx: Context, trail: int) -> None:
    result = await _verify(ctx)
    assert result.ok and result.checked == trail > 10


@BOTH
async def test_an_altered_event_is_named(ctx: Context, trail: int) -> None:
    await _tamper(ctx, "UPDATE events SET step_key = 'dipalsukan' WHERE id = 7")
    result = await _verify(ctx)
    assert (result.ok, result.problem, result.event_id, result.checked) == (False, "altered", 7, 6)


@BOTH
@pytest.mark.parametrize("sql", ["UPDATE events SET type = 'x'", "DELETE FROM events"])
async def test_the_database_refuses_to_change_events(ctx: Context, trail: int, sql: str) -> None:
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError, match="append-only"):
        async with ctx.engine.begin() as connection:
            await connection.execute(text(sql))
    assert (await _verify(ctx)).ok


async def test_a_missing_head_is_a_break(ctx: Context, trail: int) -> None:
    await _tamper(ctx, "DELETE FROM audit_head")
    assert (await _verify(ctx)).problem == "head_removed"


async def test_a_forger_who_rehashes_an_event_breaks_the_next_link(
    ctx: Context, trail: int
) -> None:
    await _tamper(ctx, "SELECT 1")
    async with ctx.sessions() as session, session.begin():
        forged = await session.get(Event, 5)
        assert forged is not None
        forged.step_key = "dipalsukan"
        forged.hash = audit.digest(forged)  # a consistent hash for the forged content
    result = await _verify(ctx)
    assert (result.problem, result.event_id, result.checked) == ("rehashed", 5, 4)


@BOTH
async def test_a_removed_event_is_named(ctx: Context, trail: int) -> None:
    await _tamper(ctx, "DELETE FROM events WHERE id = 4")
    result = await _verify(ctx)
    assert (result.problem, result.event_id, result.checked) == ("removed", 4, 3)


async def test_removing_the_newest_events_is_seen_by_the_head(ctx: Context, trail: int) -> None:
    await _tamper(ctx, f"DELETE FROM events WHERE id > {trail - 2}")
    result = await _verify(ctx)
    assert (result.problem, result.event_id, result.head_id) == ("newest_removed", trail - 1, trail)


async def test_cli_audit_verify(
    ctx: Context, trail: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", ctx.settings.database_url)
    assert await _run(main, ["audit", "verify"]) == 0
    assert f"{trail} peristiwa diperiksa" in capsys.readouterr().out
    await _tamper(ctx, "UPDATE events SET payload = '{}' WHERE id = 3")
    assert await _run(main, ["audit", "verify"]) == 1
    said = capsys.readouterr().err
    assert said == "Jejak audit RUSAK: peristiwa 3 telah diubah; 2 peristiwa sebelumnya utuh\n"


@pytest.mark.parametrize(
    ("sql", "said"),
    [
        (
            "DELETE FROM events WHERE id = 4",
            "peristiwa 4 telah dihapus; 3 peristiwa sebelumnya utuh",
        ),
        ("DELETE FROM events WHERE id >= {last}", "peristiwa {last}, yang terbaru, telah dihapus"),
        (
            "DELETE FROM events WHERE id >= {last} - 1",
            "peristiwa {before} s.d. {last}, yang terbaru",
        ),
        ("UPDATE audit_head SET last_hash = '{zero}'", "peristiwa terbaru ({last}) tidak cocok"),
        ("DELETE FROM audit_head", "kepala rantai (tabel audit_head) telah dihapus"),
    ],
)
async def test_cli_audit_verify_says_each_break_in_indonesian(
    ctx: Context,
    trail: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sql: str,
    said: str,
) -> None:
    monkeypatch.setenv("DATABASE_URL", ctx.settings.database_url)
    numbers = {"last": trail, "before": trail - 1, "zero": "0" * 64}
    await _tamper(ctx, sql.format(**numbers))
    assert await _run(main, ["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"Jejak audit RUSAK: {said.format(**numbers)}"), err
    assert "event" not in err and "removed" not in err and len(err.splitlines()) == 1


async def _run(command: object, argv: list[str]) -> int:
    """The CLI runs its own event loop: call it from a thread, as a shell would."""
    import asyncio

    return await asyncio.to_thread(command, argv)  # type: ignore[arg-type]
