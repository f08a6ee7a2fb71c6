"""The control API for the emulator itself: faults, flood limits, statistics, stored commands,
callback expiry, uploaded files, the update log and reset."""

from __future__ import annotations

import base64
from urllib.parse import quote

from aiohttp import web

from emulator.botapi import CORE
from emulator.control.base import ControlError, Json, field
from emulator.core import Core, Fault
from emulator.rules import FloodLimits
from emulator.state import BOT


async def add_fault(core: Core, request: web.Request, body: Json) -> Json:
    name = field(body, "method", str, required=True)
    count = field(body, "count", int, default=1)
    status = field(body, "status", int)
    hang = field(body, "hang_seconds", float)
    if status is not None and not 400 <= status <= 599:
        raise ControlError(400, "status must be an HTTP error status (400-599)")
    fault = Fault(status if status or hang else 500, field(body, "retry_after", int), hang)
    fault.description = field(body, "description", str)
    return {"method": name, "pending": core.faults.add(name, fault, count)}


async def clear_faults(core: Core, request: web.Request, body: Json) -> Json:
    core.faults.clear()
    return {"pending": {}}


async def list_faults(core: Core, request: web.Request, body: Json) -> Json:
    return {"pending": core.faults.pending()}


async def flood(core: Core, request: web.Request, body: Json) -> Json:
    core.flood.enabled = field(body, "enabled", bool, default=core.flood.enabled)
    limits = core.flood.limits
    for name in vars(FloodLimits()):
        value = field(body, name, int)
        if value is not None:
            setattr(limits, name, value)
    core.flood.reset()
    return {"enabled": core.flood.enabled, "limits": vars(limits)}


async def stats(core: Core, request: web.Request, body: Json) -> Json:
    return {
        **core.stats.as_json(),
        "pending_updates": len(core.world.pending),
        "webhook_pushes": core.delivery.pushed,
        "polls_waiting": core.delivery.polls_waiting,
    }


async def commands(core: Core, request: web.Request, body: Json) -> list[Json]:
    return [
        {"scope": core.world.scopes[scope], "language_code": language, "commands": listed}
        for (scope, language), listed in core.world.commands.items()
    ]


async def expire_callbacks(core: Core, request: web.Request, body: Json) -> Json:
    open_queries = [q for q in core.world.callbacks.values() if not q.answered and not q.expired]
    for query in open_queries:
        query.expired = True
    return {"expired": len(open_queries)}


async def download(request: web.Request) -> web.Response:
    """A file's bytes, as a browser downloads them (the playground's document links)."""
    core: Core = request.app[CORE]
    stored = core.world.files.get(request.match_info["file_id"])
    if stored is None:
        return web.json_response({"error": "no such file"}, status=404)
    name = stored.file_name or "berkas"
    plain = (c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
    fallback = "".join(plain)
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
    # Never the uploader's own type: a file named .html must not become a page of this site.
    return web.Response(
        body=stored.content,
        content_type="application/octet-stream",
        headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"},
    )


async def file(core: Core, request: web.Request, body: Json) -> Json:
    stored = core.world.files.get(request.match_info["file_id"])
    if stored is None:
        raise ControlError(404, "no such file")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_name": stored.file_name,
        "mime_type": stored.mime_type,
        "file_size": len(stored.content),
        "file_path": stored.file_path,
        "uploaded_by": "bot" if stored.uploaded_by == BOT else stored.uploaded_by,
        "content_base64": base64.b64encode(stored.content).decode("ascii"),
    }


async def reset(core: Core, request: web.Request, body: Json) -> Json:
    await core.reset()
    return {"reset": True}


async def updates(core: Core, request: web.Request, body: Json) -> Json:
    pending = {r.update_id for r in core.world.pending}
    return {
        "updates": [r.preview() for r in core.world.history],
        "pending_update_ids": sorted(pending),
    }
