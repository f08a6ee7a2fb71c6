"""The control API: tests, the demo and benchmarks act as Telegram's users through it, and read
what the chats show. JSON in and out; errors are {"error": "..."} with a 4xx status.
See emulator/README.md for every endpoint."""

from __future__ import annotations

from aiohttp import web

from emulator.control import admin, people
from emulator.control.base import View, view


def routes() -> list[web.RouteDef]:
    table: list[tuple[str, str, View]] = [
        ("POST", "/control/users", people.create_user),
        ("GET", "/control/users", people.list_users),
        ("POST", "/control/users/{user_id}/block", people.block_user),
        ("POST", "/control/chats", people.create_chat),
        ("GET", "/control/chats", people.list_chats),
        ("GET", "/control/chats/{chat_id}/messages", people.chat_messages),
        ("GET", "/control/overview", people.overview),
        ("POST", "/control/messages", people.send_message),
        ("POST", "/control/press", people.press),
        ("POST", "/control/wait", people.wait),
        ("POST", "/control/faults", admin.add_fault),
        ("DELETE", "/control/faults", admin.clear_faults),
        ("GET", "/control/faults", admin.list_faults),
        ("POST", "/control/flood", admin.flood),
        ("GET", "/control/stats", admin.stats),
        ("GET", "/control/commands", admin.commands),
        ("POST", "/control/callbacks/expire", admin.expire_callbacks),
        ("GET", "/control/files/{file_id}", admin.file),
        ("POST", "/control/reset", admin.reset),
        ("GET", "/control/updates", admin.updates),
    ]
    routes = [web.route(verb, path, view(handler)) for verb, path, handler in table]
    return [*routes, web.get("/control/files/{file_id}/download", admin.download)]
