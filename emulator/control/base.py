"""The control API's plumbing: JSON views, field checks, lookups; errors are {"error": ...}."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from emulator.botapi import CORE
from emulator.core import Core
from emulator.state import Chat, User

Json = dict[str, Any]
View = Callable[[Core, web.Request, Json], Awaitable[Any]]


class ControlError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra


def view(action: View) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        body: Any = {}
        if request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                return web.json_response({"error": "the body must be JSON"}, status=400)
        if not isinstance(body, dict):
            return web.json_response({"error": "the body must be a JSON object"}, status=400)
        try:
            result = await action(request.app[CORE], request, body)
        except ControlError as error:
            return web.json_response({"error": error.message, **error.extra}, status=error.status)
        return web.json_response(result)

    return handler


def field(body: Json, name: str, kind: type, default: Any = None, required: bool = False) -> Any:
    value = body.get(name, default)
    if value is None:
        if required:
            raise ControlError(400, f"{name} is required")
        return None
    if kind is float and isinstance(value, int):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ControlError(400, f"{name} must be of type {kind.__name__}")
    return value


def user_of(core: Core, user_id: Any) -> User:
    user = core.world.users.get(user_id) if isinstance(user_id, int) else None
    if user is None:
        raise ControlError(404, f"no user {user_id}")
    return user


def chat_of(core: Core, chat_id: Any) -> Chat:
    chat = core.world.chats.get(chat_id) if isinstance(chat_id, int) else None
    if chat is None:
        raise ControlError(404, f"no chat {chat_id}")
    return chat


def path_int(request: web.Request, name: str) -> int:
    try:
        return int(request.match_info[name])
    except ValueError:
        raise ControlError(400, f"{name} must be an integer") from None
