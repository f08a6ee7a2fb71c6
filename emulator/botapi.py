"""The Bot API over HTTP: `/bot<token>/<method>` and file downloads at `/file/bot<token>/<path>`.

Every call goes through `handle`: token check, injected faults, the method, and Telegram's answer
envelope. The methods on messages live in `emulator.messaging`, on files in `emulator.documents`
and on pinned messages in `emulator.pinning` (imported here so they register); the others are
here."""

from __future__ import annotations

import asyncio
import hmac
import re
from typing import Any

from aiohttp import web

from emulator import documents, messaging, pinning  # noqa: F401  (they register methods)
from emulator.core import TOKEN, Core
from emulator.params import Params, read_params
from emulator.registry import METHODS, Described, canonical, method
from emulator.rules import ApiError, bad_request
from emulator.schema import schema
from emulator.shapes import bot_json

CORE = web.AppKey("core", Core)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SCOPES = {
    "default": (),
    "all_private_chats": (),
    "all_group_chats": (),
    "all_chat_administrators": (),
    "chat": ("chat_id",),
    "chat_administrators": ("chat_id",),
    "chat_member": ("chat_id", "user_id"),
}


def error_body(error: ApiError) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ok": False,
        "error_code": error.code,
        "description": error.description,
    }
    if error.retry_after is not None:
        body["parameters"] = {"retry_after": error.retry_after}
    return body


async def _apply_fault(core: Core, name: str) -> None:
    fault = core.faults.take(name)
    if fault is None:
        return
    core.stats.faults_injected += 1
    if fault.hang_seconds:
        await asyncio.sleep(fault.hang_seconds)
        if fault.status is None:
            return  # slow, then answered normally
    status = fault.status or 500
    retry_after = (fault.retry_after or 1) if status == 429 else None
    raise ApiError(status, fault.describe(), retry_after)


def _note_parameters(core: Core, name: str, params: Params) -> None:
    known = schema().method(name)
    if known is not None:
        unknown = params.names() - schema().parameters(known)
        if unknown:
            core.stats.unknown_parameters[name] |= unknown


def _token_refused(core: Core, token: str) -> web.Response | None:
    """Telegram's answers: 404 for what is not a token at all, 401 for another bot's token
    (PTB raises InvalidToken on both), so a mistyped token fails here as it does there."""
    if TOKEN.fullmatch(token) is None:
        return web.json_response(error_body(ApiError(404, "Not Found")), status=404)
    if not hmac.compare_digest(token.encode(), core.config.token.encode()):
        return web.json_response(error_body(ApiError(401, "Unauthorized")), status=401)
    return None


async def handle(request: web.Request) -> web.Response:
    core = request.app[CORE]
    refused = _token_refused(core, request.match_info["token"])
    if refused is not None:
        return refused
    name = canonical(request.match_info["method"]) or request.match_info["method"]
    core.stats.calls[name] += 1
    params = Params()
    try:
        params = await read_params(request)
        await _apply_fault(core, name)
        handler = METHODS.get(name)
        if handler is None:
            raise ApiError(404, "Not Found")
        _note_parameters(core, name, params)
        result = await handler(core, params)
    except ApiError as error:
        core.stats.errors[name] += 1
        if error.code == 429:
            core.stats.too_many_requests[name] += 1
        core.log(name, params, error=error)
        return web.json_response(error_body(error), status=error.code)
    body: dict[str, Any] = {"ok": True, "result": result}
    if isinstance(result, Described):
        body = {"ok": True, "result": result.result, "description": result.description}
    core.log(name, params, result=body["result"])
    return web.json_response(body)


async def download(request: web.Request) -> web.Response:
    core = request.app[CORE]
    refused = _token_refused(core, request.match_info["token"])
    if refused is not None:
        return refused
    stored = core.world.file_by_path(request.match_info["path"])
    if stored is None:
        return web.json_response(error_body(ApiError(404, "Not Found")), status=404)
    mime = stored.mime_type or "application/octet-stream"
    return web.Response(body=stored.content, headers={"Content-Type": mime})


def routes() -> list[web.RouteDef]:
    return [
        web.route("*", "/bot{token}/{method}", handle),
        web.get("/file/bot{token}/{path:.+}", download),
    ]


# -- methods that are not about messages --------------------------------------------------------


@method("getMe")
async def get_me(core: Core, p: Params) -> dict[str, Any]:
    return bot_json(core.world, full=True)


@method("getUpdates")
async def get_updates(core: Core, p: Params) -> list[dict[str, Any]]:
    return await core.delivery.get_updates(
        p.opt_int("offset") or 0,
        p.opt_int("limit") or 100,
        p.opt_float("timeout") or 0.0,
        p.opt_json("allowed_updates"),
    )


@method("setWebhook")
async def set_webhook(core: Core, p: Params) -> Described:
    description = await core.delivery.set_webhook(
        url=p.opt_str("url") or "",
        secret_token=p.opt_str("secret_token"),
        max_connections=p.opt_int("max_connections"),
        allowed=p.opt_json("allowed_updates"),
        ip_address=p.opt_str("ip_address"),
        drop_pending=p.opt_bool("drop_pending_updates"),
    )
    return Described(True, description)


@method("deleteWebhook")
async def delete_webhook(core: Core, p: Params) -> Described:
    description = await core.delivery.delete_webhook(p.opt_bool("drop_pending_updates"))
    return Described(True, description)


@method("getWebhookInfo")
async def get_webhook_info(core: Core, p: Params) -> dict[str, Any]:
    return core.delivery.info()


def _scope_key(core: Core, p: Params) -> tuple[str, str]:
    scope = p.opt_json("scope")
    if scope is None:
        scope = {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
        raise bad_request("can't parse BotCommandScope")
    needed = _SCOPES[scope["type"]]
    if any(name not in scope for name in needed):
        raise bad_request(f"can't parse BotCommandScope: {', '.join(needed)} required")
    if "chat_id" in needed and scope["chat_id"] not in core.world.chats:
        raise bad_request("chat not found")
    normalized = {key: scope[key] for key in ("type", *needed)}
    language = p.opt_str("language_code") or ""
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise bad_request("invalid language code specified")
    return repr(sorted(normalized.items())), language


@method("setMyCommands")
async def set_my_commands(core: Core, p: Params) -> bool:
    commands = p.opt_json("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands")
    stored: list[dict[str, str]] = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand JSON object")
        name, description = command.get("command"), command.get("description")
        if not isinstance(name, str) or not _COMMAND.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        stored.append({"command": name, "description": description.strip()})
    key = _scope_key(core, p)
    core.world.commands[key] = stored
    core.world.scopes[key[0]] = p.opt_json("scope") or {"type": "default"}
    if not stored:
        del core.world.commands[key]
    core.world.changed.fire()
    return True


@method("getMyCommands")
async def get_my_commands(core: Core, p: Params) -> list[dict[str, str]]:
    return list(core.world.commands.get(_scope_key(core, p), []))


@method("deleteMyCommands")
async def delete_my_commands(core: Core, p: Params) -> bool:
    core.world.commands.pop(_scope_key(core, p), None)
    core.world.changed.fire()
    return True


@method("sendChatAction")
async def send_chat_action(core: Core, p: Params) -> bool:
    messaging.find_chat(core, p)
    if not p.opt_str("action"):
        raise bad_request("action is empty")
    return True


@method("logOut")
async def log_out(core: Core, p: Params) -> bool:
    return True


@method("close")
async def close(core: Core, p: Params) -> bool:
    return True
