"""The running bot: PTB Application wired to the services, the outbox sender beside it,
long polling by default or a webhook when WEBHOOK_URL is set."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import secrets
import socket
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiohttp import web
from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken
from telegram.ext import ApplicationBuilder, Defaults

import handlers
from bot.core import redact
from bot.core.config import Settings
from bot.core.render import Renderer
from bot.records import jadwal
from bot.runtime import jobs
from bot.runtime.inbox import Inbox
from bot.runtime.ratelimit import TelegramLimits
from bot.runtime.sender import Sender
from bot.runtime.types import CONTEXT_TYPES, CallbackContext, TelegramApp
from bot.services import sops_in_force, updates
from bot.services.context import Context
from bot.storage import migrate
from handlers.common import reply

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SENDER_GRACE_SECONDS = 15.0


class CannotListen(Exception):
    """The webhook server could not take WEBHOOK_LISTEN (in use, not permitted, not here)."""


def api_urls(api_url: str | None) -> tuple[str, str] | None:
    """(base_url, base_file_url) for PTB; accepts ".../bot" as Telegram writes it, or the root."""
    if not api_url:
        return None
    root = api_url.rstrip("/").removesuffix("/bot")
    return f"{root}/bot", f"{root}/file/bot"


def setup_logging(settings: Settings) -> None:
    """Log at LOG_LEVEL; every line, exception text included, scrubbed of the secrets."""
    redact.setup_logging(settings.log_level)


class InboxApplication(TelegramApp):
    """PTB's Application, with each stored update handled under the inbox's lease and marked
    handled with its effects (`services.updates`). Updates not stored — a stranger's, which
    cause nothing — are handled as they come."""

    async def process_update(self, update: object) -> None:
        unstored = self.bot_data.unstored
        if not isinstance(update, Update) or update.update_id in unstored:
            unstored.discard(getattr(update, "update_id", -1))
            await super().process_update(update)
            return
        user = update.effective_user
        speaker = user.id if user is not None else None
        async with updates.handling(self.bot_data.ctx, update.update_id, speaker) as taken:
            if taken is not None:
                await super().process_update(update)


def build(ctx: Context, token: str, *, polling: bool = True) -> TelegramApp:
    # The builder's type changes with each of its settings; what it builds is a TelegramApp.
    builder: Any = (
        ApplicationBuilder()
        .token(token)
        .application_class(InboxApplication)
        .context_types(CONTEXT_TYPES)
        # Every text the bot sends is a template rendered for Telegram's HTML.
        .defaults(Defaults(parse_mode=ParseMode.HTML))
    )
    if ctx.settings.telegram_rate_limits:
        limiter = TelegramLimits(
            private_per_second=ctx.settings.private_chat_per_second,
            group_per_minute=ctx.settings.group_chat_per_minute,
        )
        builder = builder.rate_limiter(limiter)
    urls = api_urls(ctx.settings.telegram_api_url)
    if urls is not None:
        builder = builder.base_url(urls[0]).base_file_url(urls[1])
    builder = builder.updater(None)  # the inbox polls (`Inbox.poll`): store, then confirm
    application: TelegramApp = builder.concurrent_updates(8).build()
    application.bot_data.ctx = ctx
    application.bot_data.renderer = Renderer(
        ctx.settings.zone, noun=ctx.sops.noun(), menu=handlers.menu(ctx.sops)
    )
    handlers.register(application, ctx.sops)
    application.add_error_handler(on_error)
    return application


async def on_error(update: object, context: CallbackContext) -> None:
    """Log (the token is filtered out), count the failure against the update in the inbox
    (retried, then set aside), and tell the user something useful."""
    error = context.error
    if isinstance(error, updates.TakenElsewhere):  # another instance answered it already
        log.info("update handled by another instance; this handling's effects rolled back")
        return
    log.error("while handling an update", exc_info=error)
    updates.failed_now(redact.scrub(f"{type(error).__name__}: {error}" if error else "?"))
    if isinstance(update, Update) and update.effective_chat is not None:
        with contextlib.suppress(Exception):
            if update.callback_query is not None:
                await update.callback_query.answer(
                    context.bot_data.renderer.render("error", {}),
                    show_alert=True,
                )
            else:
                await reply(update, context, "error")


@dataclass
class Running:
    application: TelegramApp
    sender_task: asyncio.Task[None]
    sender_stop: asyncio.Event
    inbox: Inbox
    inbox_task: asyncio.Task[None]
    web_runner: web.AppRunner | None = None


async def start(ctx: Context, *, migrate_first: bool = True) -> Running:
    """Start everything inside the running event loop; `stop` undoes it."""
    settings = ctx.settings
    if settings.telegram_bot_token is None:
        raise RuntimeError("TELEGRAM_BOT_TOKEN is not set")
    if migrate_first:
        await migrate.upgrade(ctx.engine)
    await sops_in_force.ensure(ctx)  # before any Telegram call: refuse files that strand cases
    polling = not settings.webhook_url
    # The webhook's port is taken first: one in use is said before anything starts.
    listening = None if polling else _listen(settings.webhook_listen)
    try:
        return await _started(ctx, settings.telegram_bot_token.get_secret_value(), listening)
    except BaseException:
        if listening is not None:
            listening.close()
        raise


async def _started(ctx: Context, token: str, listening: socket.socket | None) -> Running:
    settings, polling = ctx.settings, listening is None
    application = build(ctx, token, polling=polling)
    await application.initialize()
    await set_commands(application)
    jobs.schedule(application, ctx, reports=jadwal.send_due)
    await application.start()
    renderer = application.bot_data.renderer
    sender = Sender(
        ctx, application.bot, renderer, lease=timedelta(seconds=settings.outbox_lease_seconds)
    )
    sender_stop = asyncio.Event()
    sender_task = asyncio.create_task(
        sender.run(ctx.outbox_wakeup, settings.outbox_poll_seconds, sender_stop)
    )
    inbox = Inbox(ctx, application)
    if polling:
        await application.bot.delete_webhook()
    inbox_task = asyncio.create_task(inbox.run(poll=polling))
    running = Running(application, sender_task, sender_stop, inbox, inbox_task)
    if listening is not None:
        running.web_runner = await _start_webhook(ctx, application, inbox, listening)
    ctx.outbox_wakeup.set()
    log.info("bot @%s running (%s)", application.bot.username, "polling" if polling else "webhook")
    return running


async def stop(running: Running) -> None:
    application = running.application
    running.inbox_task.cancel()  # mid-poll is fine: what was not stored is fetched again
    with contextlib.suppress(asyncio.CancelledError, InvalidToken):
        await running.inbox_task
    if running.web_runner is not None:
        await running.web_runner.cleanup()
    running.sender_stop.set()
    application.bot_data.ctx.outbox_wakeup.set()
    try:  # let the drain in hand finish; only a stuck one is cancelled
        await asyncio.wait_for(asyncio.shield(running.sender_task), SENDER_GRACE_SECONDS)
    except TimeoutError:
        running.sender_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running.sender_task
    await application.stop()
    await application.shutdown()


async def set_commands(application: TelegramApp) -> None:
    lines = application.bot_data.renderer.render("commands", {}).splitlines()
    commands = [BotCommand(*line.split(" - ", 1)) for line in lines if " - " in line]
    await application.bot.set_my_commands(commands)


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def _listen(where: str) -> socket.socket:
    """A listening socket on WEBHOOK_LISTEN (host:port), or CannotListen saying why."""
    host, _, port = where.rpartition(":")
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, int(port)), family=family)
    except OSError as exc:  # taken, not ours to bind, not this host's address
        raise CannotListen(exc.strerror or str(exc)) from None


async def _start_webhook(
    ctx: Context,
    application: TelegramApp,
    inbox: Inbox,
    listening: socket.socket,
) -> web.AppRunner:
    """Our own small webhook server: record each update, then answer 200, then handle it."""
    settings = ctx.settings
    assert settings.webhook_url is not None
    secret = (
        settings.webhook_secret.get_secret_value()
        if settings.webhook_secret
        else secrets.token_urlsafe(32)
    )
    redact.remember("WEBHOOK_SECRET", secret)
    path = "/" + settings.webhook_url.split("://", 1)[-1].partition("/")[2]

    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        # In constant time, so that the answer's timing tells nothing of the secret; as bytes,
        # as a header may carry what is not ASCII (and compare_digest refuses such text).
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, expected):
            return web.Response(status=403)
        try:  # strict JSON: no NaN or Infinity (PostgreSQL's JSON refuses them), no abyss
            payload = json.loads(await request.text(), parse_constant=_not_json)
        except (ValueError, RecursionError):
            return web.Response(status=400, text="bad JSON")
        update_id = payload.get("update_id") if isinstance(payload, dict) else None
        # An int, not a bool (True is an int to Python), that fits the column (a BIGINT).
        if type(update_id) is not int or not 0 <= update_id < 2**63:
            return web.Response(status=400, text="not an update")
        if inbox.parse(payload) is None:  # malformed: refused, and not stored
            return web.Response(status=400, text="not an update")
        await inbox.take_in([payload])  # stored before the 200, then handled
        return web.Response(text="ok")

    server = web.Application()
    server.router.add_post(path, receive)
    # A short grace: Telegram does not keep a push waiting, and a stop must not hang on an
    # idle keep-alive connection.
    runner = web.AppRunner(server, access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    await web.SockSite(runner, listening).start()
    await application.bot.set_webhook(
        settings.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES
    )
    return runner
