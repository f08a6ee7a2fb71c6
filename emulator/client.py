"""A small async client for the control API, for tests, the demo and benchmarks:

async with EmulatorClient(url) as tg:
    ani = await tg.create_user("Ani", id=1001)
    await tg.send(ani["id"], "/start")
    [reply] = await tg.wait(ani["id"], count=1)
    await tg.press(ani["id"], reply["message_id"], label="Setuju")
"""

from __future__ import annotations

import base64
from types import TracebackType
from typing import Any

import aiohttp

Json = dict[str, Any]


class ControlError(Exception):
    """The control API refused: `status` and the JSON `body` ({"error": ..., ...})."""

    def __init__(self, status: int, body: Any) -> None:
        message = body.get("error") if isinstance(body, dict) else body
        super().__init__(f"{status}: {message}")
        self.status = status
        self.body = body


class EmulatorClient:
    def __init__(self, url: str, session: aiohttp.ClientSession | None = None) -> None:
        self.url = url.rstrip("/")
        self._session = session
        self._own_session = session is None

    async def __aenter__(self) -> EmulatorClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
        self._session = None

    async def call(self, verb: str, path: str, body: Json | None = None) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        if body is None and verb != "GET":
            body = {}  # the control API takes only JSON for what changes something
        async with self._session.request(verb, f"{self.url}/control/{path}", json=body) as r:
            answer = await r.json()
            if r.status >= 400:
                raise ControlError(r.status, answer)
            return answer

    async def create_user(
        self,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "id",
        id: int | None = None,
        note: str | None = None,
        started: bool = False,
    ) -> Json:
        body: Json = {"first_name": first_name, "language_code": language_code}
        if started:
            body["started"] = True
        fields = (("last_name", last_name), ("username", username), ("id", id), ("note", note))
        for key, value in fields:
            if value is not None:
                body[key] = value
        user: Json = await self.call("POST", "users", body)
        return user

    async def block(self, user_id: int, blocked: bool = True) -> Json:
        answer: Json = await self.call("POST", f"users/{user_id}/block", {"blocked": blocked})
        return answer

    async def create_chat(
        self, title: str, members: list[int], *, type: str = "group", bot_admin: bool = False
    ) -> Json:
        body = {"title": title, "members": members, "type": type, "bot_admin": bot_admin}
        chat: Json = await self.call("POST", "chats", body)
        return chat

    async def send(
        self,
        user_id: int,
        text: str | None = None,
        *,
        chat_id: int | None = None,
        document: tuple[str, str, bytes] | None = None,
        photo: bytes | None = None,
        caption: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> Json:
        """A user sends a message: text, a document (file_name, mime_type, content), or a
        photo (an image's bytes, kept as Telegram keeps photos: JPEG, in sizes)."""
        body: Json = {"user_id": user_id}
        if text is not None:
            body["text"] = text
        if chat_id is not None:
            body["chat_id"] = chat_id
        if document is not None:
            name, mime, content = document
            encoded = base64.b64encode(content).decode("ascii")
            body["document"] = {"file_name": name, "mime_type": mime, "content_base64": encoded}
        if photo is not None:
            body["photo"] = {"content_base64": base64.b64encode(photo).decode("ascii")}
        if caption is not None:
            body["caption"] = caption
        if reply_to_message_id is not None:
            body["reply_to_message_id"] = reply_to_message_id
        sent: Json = await self.call("POST", "messages", body)
        return sent

    async def press(
        self,
        user_id: int,
        message_id: int,
        *,
        chat_id: int | None = None,
        label: str | None = None,
        callback_data: str | None = None,
        wait: float = 5.0,
    ) -> Json:
        body: Json = {
            "user_id": user_id,
            "chat_id": user_id if chat_id is None else chat_id,
            "message_id": message_id,
            "wait": wait,
        }
        if label is not None:
            body["label"] = label
        if callback_data is not None:
            body["callback_data"] = callback_data
        pressed: Json = await self.call("POST", "press", body)
        return pressed

    async def overview(self) -> list[Json]:
        listed: list[Json] = await self.call("GET", "overview")
        return listed

    async def messages(self, chat_id: int, since_message_id: int = 0) -> list[Json]:
        path = f"chats/{chat_id}/messages?since_message_id={since_message_id}"
        listed: list[Json] = await self.call("GET", path)
        return listed

    async def wait(
        self,
        chat_id: int,
        *,
        count: int | None = None,
        contains: str | None = None,
        edited_contains: str | None = None,
        since_message_id: int = 0,
        seconds: float = 5.0,
    ) -> list[Json]:
        """The bot's matching messages once they are there; ControlError(408) after `seconds`."""
        body: Json = {"chat_id": chat_id, "since_message_id": since_message_id, "timeout": seconds}
        for key, value in (
            ("count", count),
            ("contains", contains),
            ("edited_contains", edited_contains),
        ):
            if value is not None:
                body[key] = value
        answer: Json = await self.call("POST", "wait", body)
        found: list[Json] = answer["messages"]
        return found

    async def fault(
        self,
        method: str,
        *,
        count: int = 1,
        status: int | None = None,
        retry_after: int | None = None,
        hang_seconds: float | None = None,
        description: str | None = None,
    ) -> Json:
        body: Json = {"method": method, "count": count}
        for key, value in (
            ("status", status),
            ("retry_after", retry_after),
            ("hang_seconds", hang_seconds),
            ("description", description),
        ):
            if value is not None:
                body[key] = value
        answer: Json = await self.call("POST", "faults", body)
        return answer

    async def clear_faults(self) -> None:
        await self.call("DELETE", "faults")

    async def flood(self, enabled: bool, **limits: int) -> Json:
        answer: Json = await self.call("POST", "flood", {"enabled": enabled, **limits})
        return answer

    async def stats(self) -> Json:
        answer: Json = await self.call("GET", "stats")
        return answer

    async def commands(self) -> list[Json]:
        answer: list[Json] = await self.call("GET", "commands")
        return answer

    async def expire_callbacks(self) -> int:
        answer: Json = await self.call("POST", "callbacks/expire")
        expired: int = answer["expired"]
        return expired

    async def file(self, file_id: str) -> tuple[Json, bytes]:
        """A file's metadata and its content."""
        answer: Json = await self.call("GET", f"files/{file_id}")
        return answer, base64.b64decode(answer["content_base64"])

    async def updates(self) -> Json:
        answer: Json = await self.call("GET", "updates")
        return answer

    async def reset(self) -> None:
        await self.call("POST", "reset")
