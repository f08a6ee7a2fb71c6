"""`disposisi`: the operators' command line.

disposisi sop check FILE...     validate SOP files (exit 1 naming file, line and step)
disposisi sop show FILE         the steps as a table, then the flowchart as Mermaid
disposisi db upgrade            create or migrate the schema (a no-op when up to date)
disposisi audit verify          recompute the audit hash chain
disposisi reminders simulate    walk a clock over some days: when reminders and digests go
disposisi demo                  the whole SOP on a built-in Telegram emulator, no token needed
disposisi playground            the emulator's web page beside the bot: play each official
disposisi bench [--quick]       benchmarks against the baseline of a bare PTB bot (bench/)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot import failures, redact
from bot.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from bot.sop.spec import SopSpec


def main(argv: Sequence[str] | None = None) -> int:
    redact.install()  # from here on, no traceback or stray log line shows a secret
    redact.protect_environment(os.environ)  # until the settings are read (a .env may add)
    failures.quiet_library_tracebacks()
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        result: int = args.run(args)
        return result
    except KeyboardInterrupt:  # Ctrl-C before the command set up its own handling
        return 130
    except Exception as exc:
        from bot.sop.loader import SopFileError

        if isinstance(exc, SopFileError):  # any command that loads SOP_DIR: its problems
            return _refuse_sops(exc.problems)
        return _failed(exc)


def _failed(error: Exception) -> int:
    """A failure the operator can fix: its one or two lines, exit 2. Anything else is a bug:
    its traceback, scrubbed, exit 1."""
    failure = failures.explain(error)
    if failure is None:
        print(redact.format_exception(error), end="", file=sys.stderr)
        return 1
    print(failures.message(failure), file=sys.stderr)
    return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="disposisi", description="Disposisi Bot")
    commands = parser.add_subparsers(title="commands")

    sop = commands.add_parser("sop", help="SOP definition files").add_subparsers(title="sop")
    check = sop.add_parser("check", help="validate SOP files")
    check.add_argument("files", nargs="+", type=Path)
    check.set_defaults(run=_sop_check)
    show = sop.add_parser("show", help="print an SOP's steps and its Mermaid flowchart")
    show.add_argument("file", type=Path)
    show.add_argument("--mermaid", action="store_true", help="only the flowchart")
    show.set_defaults(run=_sop_show)

    db = commands.add_parser("db", help="the database").add_subparsers(title="db")
    db_upgrade = db.add_parser("upgrade", help="apply migrations (DATABASE_URL)")
    db_upgrade.set_defaults(run=_db_upgrade)

    run = commands.add_parser("run", help="run the bot (TELEGRAM_BOT_TOKEN)")
    run.set_defaults(run=_run)

    invite = commands.add_parser("invite", help="print a one-time registration link")
    invite.add_argument("role", help="an SOP role key, or 'admin' for an IT admin")
    invite.add_argument("--unit", help="the unit (e.g. the agency) the role is held in")
    invite.add_argument("--name", help="the official's name, as the record should show it")
    invite.add_argument("--days", type=int, default=7, help="days the link stays valid")
    invite.set_defaults(run=_invite)

    audit = commands.add_parser("audit", help="the audit trail").add_subparsers(title="audit")
    verify = audit.add_parser("verify", help="recompute the event hash chain")
    verify.set_defaults(run=_audit_verify)

    inbox = commands.add_parser("inbox", help="updates set aside after failing, with why")
    inbox.set_defaults(run=_inbox)

    demo = commands.add_parser("demo", help="play the seed SOP on the built-in emulator")
    demo.add_argument("--path", choices=("fs", "kak", "rejected"), default="fs")
    demo.add_argument("--json", action="store_true", help="print the run as JSON")
    demo.add_argument("--start", help="the bot's clock at the start, e.g. '2026-11-23 08:00'")
    demo.set_defaults(run=_demo)

    playground = commands.add_parser(
        "playground", help="the emulator's web page beside the bot: play each official"
    )
    playground.add_argument("--host", default="127.0.0.1")
    playground.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    playground.set_defaults(run=_playground)

    bench = commands.add_parser(
        "bench", help="benchmarks (python -m bench --help)", add_help=False, prefix_chars="\0"
    )
    bench.add_argument("rest", nargs=argparse.REMAINDER)
    bench.set_defaults(run=_bench)

    remind = commands.add_parser("reminders", help="reminders of overdue tasks")
    simulate = remind.add_subparsers(title="reminders").add_parser(
        "simulate",
        help="leave a new proposal's first task untouched and show when reminders go",
    )
    simulate.add_argument(
        "--from", dest="start", required=True, help="local start, e.g. '2026-11-27 14:00'"
    )
    simulate.add_argument("--days", type=float, default=4.0, help="how long to walk (days)")
    simulate.add_argument("--sop", help="SOP code (default: the first one)")
    simulate.add_argument("--json", action="store_true", help="print the walk as JSON")
    simulate.set_defaults(run=_reminders_simulate)
    return parser


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())


def _sop_check(args: argparse.Namespace) -> int:
    from bot.sop.loader import SopFileError, load_sop

    failed = False
    loaded = []
    for path in args.files:
        try:
            spec = load_sop(path)
            loaded.append(spec)
        except SopFileError as exc:
            failed = True
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            print(f"{path}: {len(exc.problems)} masalah", file=sys.stderr)
            continue
        decisions = sum(1 for s in spec.steps if s.is_decision)
        print(
            f"{path}: OK — {spec.code} v{spec.version}: {len(spec.steps)} langkah, "
            f"{len(spec.roles)} peran, {decisions} keputusan, {len(spec.outcomes)} hasil akhir"
        )
    _warn_if_in_force_differs(loaded)
    return 1 if failed else 0


def _warn_if_in_force_differs(specs: list[SopSpec]) -> None:
    """A warning, not a failure: the file may be meant as a new version's draft."""
    from bot.services.sops_in_force import differing

    try:
        database_url = load_settings().database_url
    except ConfigError:
        return  # checking a file needs no configuration
    for warning in asyncio.run(differing(database_url, specs)):
        print(warning, file=sys.stderr)


def _sop_show(args: argparse.Namespace) -> int:
    from bot.sop.loader import SopFileError, load_sop
    from bot.sop.render import mermaid, steps_table

    try:
        spec = load_sop(args.file)
    except SopFileError as exc:
        print(exc, file=sys.stderr)
        return 1
    if not args.mermaid:
        default = _settings_or_default().default_step_minutes
        print(f"{spec.header.name}\n{spec.header.institution} — Nomor {spec.header.number}\n")
        print(steps_table(spec, default))
        print()
    print(mermaid(spec))
    return 0


def _settings_or_default() -> Settings:
    try:
        return load_settings()
    except ConfigError:
        return Settings(_env_file=None)  # type: ignore[call-arg]  # showing a file needs no config


def _db_upgrade(_args: argparse.Namespace) -> int:
    from bot.db import create_engine, redact_url
    from bot.migrate import upgrade

    settings = load_settings()

    async def run() -> tuple[str | None, str | None]:
        engine = create_engine(settings.database_url)
        try:
            return await upgrade(engine)
        finally:
            await engine.dispose()

    before, after = asyncio.run(run())
    where = redact_url(settings.database_url)
    if before == after:
        print(f"{where}: sudah mutakhir (revisi {after})")
    else:
        print(f"{where}: dimigrasikan {before or 'kosong'} → {after}")
    return 0


def _audit_verify(_args: argparse.Namespace) -> int:
    from bot import audit
    from bot.db import create_engine, read_session

    settings = load_settings()

    async def run() -> audit.Verification:
        engine = create_engine(settings.database_url)
        try:
            async with read_session(engine) as session:
                return await audit.verify(session)
        finally:
            await engine.dispose()

    result = asyncio.run(run())
    if not result.ok:
        print(f"Jejak audit RUSAK: {result.problem} (diperiksa {result.checked})", file=sys.stderr)
        return 1
    print(
        f"Jejak audit utuh: {result.checked} peristiwa diperiksa; hash terakhir {result.last_hash}"
    )
    return 0


def _inbox(_args: argparse.Namespace) -> int:
    """The updates the bot gave up on (`services.updates`): for the admins to look into."""
    from bot.render import Renderer
    from bot.services import updates
    from bot.services.context import build_context

    settings = load_settings()

    async def run() -> list[updates.SetAside]:
        ctx = build_context(settings)
        try:
            return await updates.set_aside_list(ctx)
        finally:
            await ctx.close()

    found = asyncio.run(run())
    print(Renderer(settings.zone, html=False).render("inbox_set_aside", {"updates": found}))
    return 0


def _reminders_simulate(args: argparse.Namespace) -> int:
    import dataclasses
    import json
    from datetime import timedelta

    from bot.render import Renderer
    from bot.tools import simulate

    settings = load_settings()
    start = _local_time(args.start, settings, "--from")
    if start is None:
        return 2
    if args.sop is not None and args.sop not in _sop_codes(settings):
        print(f"--sop: SOP tidak dikenal: {args.sop!r}", file=sys.stderr)
        return 2
    until = start + timedelta(days=args.days)
    walked = asyncio.run(simulate.walk(settings, start, until, args.sop))
    if args.json:
        print(json.dumps(dataclasses.asdict(walked), ensure_ascii=False, indent=2))
    else:
        text = Renderer(settings.zone, html=False).render(
            "reminder_walk", dataclasses.asdict(walked)
        )
        print(text)
    return 0


def _local_time(text: str, settings: Settings, option: str) -> datetime | None:
    """An ISO date and time, in the office's zone unless it says otherwise; None if unreadable."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        print(
            f"{option}: bukan waktu yang dikenal: {text!r} (contoh: 2026-11-27 14:00)",
            file=sys.stderr,
        )
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=settings.zone)


def _demo(args: argparse.Namespace) -> int:
    import json

    from bot.demo.run import as_json, run_demo
    from bot.render import Renderer

    settings = load_settings()
    start = _local_time(args.start, settings, "--start") if args.start else None
    if args.start and start is None:
        return 2
    result = asyncio.run(run_demo(settings, args.path, start))
    if args.json:
        print(json.dumps(as_json(result), ensure_ascii=False, indent=2))
        return 0
    renderer = Renderer(settings.zone, html=False)
    print(renderer.render("demo", as_json(result)))
    print()
    print(renderer.render("demo_summary", as_json(result)))
    return 0


def _playground(args: argparse.Namespace) -> int:
    from bot.demo.playground import serve

    settings = load_settings()
    try:
        asyncio.run(serve(settings, args.host, args.port))
    except OSError as exc:  # the port is taken, most likely
        print(
            f"Playground tidak dapat dijalankan di {args.host}:{args.port}: {exc}", file=sys.stderr
        )
        return 1
    return 0


def _bench(args: argparse.Namespace) -> int:
    from bench.__main__ import main as bench

    return bench(args.rest)


def _sop_codes(settings: Settings) -> set[str]:
    from bot.sop.registry import SopRegistry

    registry = SopRegistry(settings.sop_dir) if settings.sop_dir else SopRegistry()
    return {spec.code for spec in registry.all()}


def _require_token(settings: Settings) -> str:
    if settings.telegram_bot_token is None:
        raise ConfigError("TELEGRAM_BOT_TOKEN: belum diisi")
    return settings.telegram_bot_token.get_secret_value()


def _run(_args: argparse.Namespace) -> int:
    import signal

    from bot import app
    from bot.services.context import build_context
    from bot.services.sops_in_force import SopsInForceError
    from bot.sop.loader import SopFileError

    settings = load_settings()
    if _require_token(settings) is None:
        return 2
    app.setup_logging(settings)

    async def serve() -> None:
        ctx = build_context(settings)
        running = await app.start(ctx)
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopping.set)
        await stopping.wait()
        await app.stop(running)
        await ctx.close()

    try:
        asyncio.run(serve())
    except (SopFileError, SopsInForceError) as exc:
        return _refuse_sops(exc.problems)
    return 0


def _refuse_sops(problems: Sequence[object]) -> int:
    """The bot does not start on SOP files it cannot run safely: say why, without a traceback."""
    print(f"Bot tidak dijalankan: {len(problems)} masalah pada SOP (SOP_DIR):", file=sys.stderr)
    for problem in problems:
        print(_indent(str(problem)), file=sys.stderr)
    return 1


def _invite(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from telegram import Bot

    from bot.app import api_urls
    from bot.migrate import upgrade
    from bot.services.context import build_context
    from bot.services.errors import Refusal
    from bot.services.invites import create_invite
    from handlers.admin import deep_link

    settings = load_settings()
    token = _require_token(settings)
    if token is None:
        return 2

    async def make() -> str:
        ctx = build_context(settings)
        try:
            await upgrade(ctx.engine)
            is_admin = args.role == "admin"
            secret = await create_invite(
                ctx,
                role=None if is_admin else args.role,
                unit=args.unit,
                name=args.name,
                is_admin=is_admin,
                valid_for=timedelta(days=args.days),
            )
        finally:
            await ctx.close()
        urls = api_urls(settings.telegram_api_url)
        bot = Bot(token, base_url=urls[0], base_file_url=urls[1]) if urls else Bot(token)
        async with bot:
            return deep_link(bot.username, secret)

    try:
        print(asyncio.run(make()))
    except Refusal as exc:
        print(f"Undangan ditolak: {exc}", file=sys.stderr)
        return 1
    return 0
