"""Who may call the emulator. It answers as Telegram (the Bot API) and as every user (the control
API and the playground), so a web page elsewhere must drive neither: one policy, here, for both.

- On a loopback address only loopback `Host` names are answered, which stops DNS rebinding (a
  page whose name now points at 127.0.0.1 still sends its own name as Host).
- A request that may change something must not come from another web origin: a browser names
  the page's origin in `Origin` (on POSTs and on fetches) and, in current browsers, says
  `Sec-Fetch-Site: cross-site` even where it sends no Origin (an `<img>` or a link, which is
  enough for `GET /bot<token>/setWebhook?url=…`). Telegram clients send neither header.
- The control API takes only `application/json` bodies: a page elsewhere cannot send that
  without asking first (a CORS preflight, which is never allowed).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable

from aiohttp import web

HOSTS = web.AppKey("hosts", set)  # the Host headers answered; empty: any (not on loopback)
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
_FOREIGN_SITES = ("cross-site", "same-site")  # same-site: another port of the same machine


def is_loopback(host: str) -> bool:
    """Is `host` (as bound: "127.0.0.2", "::1", "localhost") a loopback address? All of
    127.0.0.0/8 is, not only 127.0.0.1."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def loopback_hosts(port: int, bound: str = "127.0.0.1") -> set[str]:
    """The Host headers that name this server on a loopback address (`bound` as it is written
    in a URL, e.g. "127.0.0.2" or "[::1]")."""
    known = {*LOOPBACK, bound}
    names = {f"{name}:{port}" for name in known}
    return names | known if port == 80 else names  # clients omit the default port


def refusal(request: web.Request, *, changes: bool) -> str | None:
    """Why the request is refused, or None. `changes`: it may change something (any Bot API
    call, since Telegram takes GET too; a control API POST or DELETE)."""
    hosts = request.app[HOSTS]
    if hosts and request.host not in hosts:
        return "unknown Host"
    if not changes:
        return None
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"{request.scheme}://{request.host}":
        return "cross-origin request"
    if request.headers.get("Sec-Fetch-Site") in _FOREIGN_SITES:
        return "cross-site request"
    return None


def _bot_api_refused(reason: str) -> web.Response:
    # Telegram's envelope, so that a Telegram client reports it as it would any refusal.
    body = {"ok": False, "error_code": 403, "description": f"Forbidden: {reason}"}
    return web.json_response(body, status=403)


@web.middleware
async def guard(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    if request.path.startswith(("/bot", "/file/bot")):
        reason = refusal(request, changes=True)
        if reason is not None:
            return _bot_api_refused(reason)
        return await handler(request)
    changes = request.method not in ("GET", "HEAD")
    reason = refusal(request, changes=changes)
    if reason is not None:
        return web.json_response({"error": reason}, status=403)
    json_only = changes and request.path.startswith(("/control", "/playground"))
    if json_only and request.content_type != "application/json":
        return web.json_response({"error": "send application/json"}, status=415)
    return await handler(request)
