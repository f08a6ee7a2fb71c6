"""Update delivery, as Telegram does it: getUpdates with offsets and long polling, or a webhook
that receives every update as a JSON POST, in order, retried until it answers 2xx."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from emulator.rules import ApiError, bad_request
from emulator.state import UpdateRecord, World

# What Telegram sends when allowed_updates was never given.
DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
TERMINATED = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_SECRET_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


@dataclass
class Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    ip_address: str | None


class Delivery:
    def __init__(self, world: World) -> None:
        self.world = world
        self.webhook: Webhook | None = None
        self.allowed_updates: set[str] | None = None
        self.polls_waiting = 0
        self.pushed = 0
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.closing = False
        self._generation = 0
        self._pusher: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    # -- getUpdates -----------------------------------------------------------------------------
    def _allowed(self, record: UpdateRecord) -> bool:
        if self.allowed_updates is None:
            return record.kind not in DEFAULT_EXCLUDED
        return record.kind in self.allowed_updates

    def _ready(self, limit: int) -> list[UpdateRecord]:
        pending = self.world.pending
        pending[:] = [r for r in pending if self._allowed(r)]
        return pending[:limit]

    def _set_allowed(self, allowed: Any) -> None:
        if allowed is None:
            return
        if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed):
            raise bad_request("can't parse allowed updates")
        self.allowed_updates = set(allowed) if allowed else None

    def _confirm(self, offset: int) -> None:
        pending = self.world.pending
        if offset > 0:
            pending[:] = [r for r in pending if r.update_id >= offset]
        elif offset < 0:
            pending[:] = pending[offset:]

    async def get_updates(
        self, offset: int, limit: int, poll_seconds: float, allowed: Any
    ) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(409, WEBHOOK_ACTIVE)
        self._set_allowed(allowed)
        self._confirm(offset)
        limit = min(max(limit, 1), 100)
        self._generation += 1
        generation = self._generation
        self.polls_waiting += 1
        self.world.changed.fire()  # an older poll is terminated; waiters on polls_waiting wake
        try:
            await self.world.changed.wait_until(
                lambda: (
                    self.closing
                    or generation != self._generation
                    or self.webhook is not None
                    or bool(self._ready(limit))
                ),
                max(poll_seconds, 0.0),
            )
        finally:
            self.polls_waiting -= 1
        if generation != self._generation:
            raise ApiError(409, TERMINATED)
        if self.webhook is not None:
            return []
        return [record.payload() for record in self._ready(limit)]

    # -- webhooks -------------------------------------------------------------------------------
    async def set_webhook(
        self,
        url: str,
        secret_token: str | None,
        max_connections: int | None,
        allowed: Any,
        ip_address: str | None,
        drop_pending: bool,
    ) -> str:
        if not url:
            return await self.delete_webhook(drop_pending)
        if not url.lower().startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if secret_token is not None and not (
            1 <= len(secret_token) <= 256 and set(secret_token) <= _SECRET_CHARS
        ):
            raise bad_request("secret token contains unallowed characters")
        self._set_allowed(allowed)
        if drop_pending:
            self.world.pending.clear()
        already = self.webhook is not None and self.webhook.url == url
        await self._stop_pusher()
        self.webhook = Webhook(url, secret_token, max_connections or 40, ip_address)
        self.last_error_date = self.last_error_message = None
        self._pusher = asyncio.create_task(self._push_loop(self.webhook))
        self.world.changed.fire()
        return "Webhook is already set" if already else "Webhook was set"

    async def delete_webhook(self, drop_pending: bool) -> str:
        if drop_pending:
            self.world.pending.clear()
        had = self.webhook is not None
        await self._stop_pusher()
        self.webhook = None
        self.world.changed.fire()
        return "Webhook was deleted" if had else "Webhook is already deleted"

    def info(self) -> dict[str, Any]:
        hook = self.webhook
        out: dict[str, Any] = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len([r for r in self.world.pending if self._allowed(r)]),
        }
        if hook is not None:
            out["max_connections"] = hook.max_connections
            if hook.ip_address:
                out["ip_address"] = hook.ip_address
            if self.allowed_updates is not None:
                out["allowed_updates"] = sorted(self.allowed_updates)
            if self.last_error_date is not None:
                out["last_error_date"] = self.last_error_date
                out["last_error_message"] = self.last_error_message or ""
        return out

    async def _push_loop(self, hook: Webhook) -> None:
        backoff = 0.05
        while True:
            await self.world.changed.wait_until(lambda: bool(self._ready(1)), 3600.0)
            records = self._ready(1)
            if not records:
                continue
            record = records[0]
            error = await self._post(hook, record.payload())
            if error is None:
                with contextlib.suppress(ValueError):
                    self.world.pending.remove(record)
                self.pushed += 1
                backoff = 0.05
                self.world.changed.fire()
            else:
                self.last_error_date, self.last_error_message = int(time.time()), error
                self.world.changed.fire()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 1.0)

    async def _post(self, hook: Webhook, payload: dict[str, Any]) -> str | None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        try:
            async with self._session.post(hook.url, data=json.dumps(payload), headers=headers) as r:
                await r.read()
                if 200 <= r.status < 300:
                    return None
                return f"Wrong response from the webhook: {r.status} {r.reason or ''}".strip()
        except (aiohttp.ClientError, TimeoutError) as exc:
            return f"Connection failed: {exc or type(exc).__name__}"

    async def _stop_pusher(self) -> None:
        task, self._pusher = self._pusher, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def reset(self) -> None:
        await self._stop_pusher()
        self.webhook = None
        self.allowed_updates = None
        self.last_error_date = self.last_error_message = None

    async def close(self) -> None:
        self.closing = True
        self.world.changed.fire()
        await self._stop_pusher()
        if self._session is not None:
            await self._session.close()
