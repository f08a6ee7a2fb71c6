"""`disposisi run` and `invite`: the bot serving the office, and the one-time links by which an
official or an IT admin registers with it."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.core.config import load_settings
from bot.core.texts import text
from bot.tools.options import require_token
from bot.tools.sop_files import refuse


def run(_args: argparse.Namespace) -> int:
    import signal

    from bot import app
    from bot.core.sop.loader import SopFileError
    from bot.services.context import build_context
    from bot.services.sops_in_force import SopsInForceError

    settings = load_settings()
    require_token(settings)  # refused before anything starts
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
        return refuse(exc.problems, starting=True)
    return 0


class _UnknownRole(Exception):
    """No SOP in force has the role asked for; the message says which there are."""


def invite(args: argparse.Namespace) -> int:
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from telegram import Bot

    from bot.app import api_urls
    from bot.core.render import Renderer
    from bot.services import limits
    from bot.services.context import build_context
    from bot.services.errors import Refusal
    from bot.services.invites import create_invite
    from bot.storage.migrate import upgrade
    from bot.tools.sop_files import unknown_role
    from handlers.admin import deep_link

    settings = load_settings()
    token = require_token(settings)
    is_admin = args.role == "admin"

    async def make() -> str:
        ctx = build_context(settings)
        try:
            why = None if is_admin else unknown_role(args.role, ctx.sops.all())
            if why is not None:
                raise _UnknownRole(why)
            limits.check("unit", args.unit)  # what the operator typed, before any connection
            limits.check("name", args.name)
            await upgrade(ctx.engine)
            urls = api_urls(settings.telegram_api_url)
            bot = Bot(token, base_url=urls[0], base_file_url=urls[1]) if urls else Bot(token)
            async with bot:  # Telegram asked first: out of reach, no invitation is left behind
                username = bot.username
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
        return deep_link(username, secret)

    try:
        print(asyncio.run(make()))
    except _UnknownRole as exc:
        print(exc, file=sys.stderr)
        return 2
    except Refusal as exc:
        context: dict[str, object] = {"code": exc.code, "details": exc.details}
        reason = Renderer(ZoneInfo("UTC"), html=False).render("refusal", context).strip()
        print(text("cli", "invite_refused", reason=reason), file=sys.stderr)
        return 2
    return 0
