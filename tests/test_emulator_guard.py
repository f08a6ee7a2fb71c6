"""The control API and the playground act as any user, the Bot API as Telegram: other web pages
must drive none of them, and files downloaded from them must not become pages of the emulator's
site."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from emulator.client import EmulatorClient
from emulator.guard import loopback_hosts
from emulator.server import Emulator
from tests.emulator_fixtures import TOKEN, ptb_bot


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    emu = Emulator(token=TOKEN)
    await emu.start()
    yield emu
    await emu.stop()


async def test_a_page_elsewhere_cannot_act_as_a_user(emulator: Emulator) -> None:
    async with EmulatorClient(emulator.url) as control:
        user = await control.create_user("Siti")
    body = f'{{"user_id": {user["id"]}, "text": "/usulan"}}'
    async with aiohttp.ClientSession() as http:
        # A cross-site form or fetch without a preflight can only send "simple" types.
        plain = await http.post(
            f"{emulator.url}/control/messages", data=body, headers={"Content-Type": "text/plain"}
        )
        assert plain.status == 415
        other = await http.post(
            f"{emulator.url}/control/messages",
            data=body,
            headers={"Content-Type": "application/json", "Origin": "http://evil.example"},
        )
        assert other.status == 403
        rebound = await http.get(
            f"{emulator.url}/control/overview", headers={"Host": "evil.example"}
        )
        assert rebound.status == 403
        same = await http.post(
            f"{emulator.url}/control/messages",
            data=body,
            headers={"Content-Type": "application/json", "Origin": emulator.url},
        )
        assert same.status == 200
    assert [m.text for m in emulator.world.chats[user["id"]].messages.values()] == ["/usulan"]


async def test_a_download_is_an_attachment_whatever_its_type_and_name(
    emulator: Emulator,
) -> None:
    name = 'surat "Ñusantara".html'
    async with EmulatorClient(emulator.url) as control:
        user = await control.create_user("Siti")
        sent = await control.send(
            user["id"], document=(name, "text/html", b"<script>alert(1)</script>")
        )
    file_id = sent["message"]["document"]["file_id"]
    async with aiohttp.ClientSession() as http:
        got = await http.get(f"{emulator.url}/control/files/{file_id}/download")
        assert got.status == 200
        assert got.headers["Content-Type"] == "application/octet-stream"
        assert got.headers["X-Content-Type-Options"] == "nosniff"
        disposition = got.headers["Content-Disposition"]
        assert disposition.startswith('attachment; filename="surat _')
        assert "filename*=UTF-8''surat%20%22%C3%91usantara%22.html" in disposition
        assert await got.read() == b"<script>alert(1)</script>"
        missing = await http.get(f"{emulator.url}/control/files/nope/download")
        assert missing.status == 404


async def test_a_page_elsewhere_cannot_call_the_bot_api(emulator: Emulator) -> None:
    api = f"{emulator.url}/bot{TOKEN}"
    hook = {"url": "http://evil.example/hook"}
    async with aiohttp.ClientSession() as http:
        # A cross-site form POST names its page in Origin.
        other = await http.post(
            f"{api}/setWebhook", data=hook, headers={"Origin": "http://evil.example"}
        )
        assert other.status == 403
        assert await other.json() == {
            "ok": False,
            "error_code": 403,
            "description": "Forbidden: cross-origin request",
        }
        # An <img src=".../setWebhook?url=..."> sends no Origin, but says where it comes from.
        image = await http.get(
            f"{api}/setWebhook", params=hook, headers={"Sec-Fetch-Site": "cross-site"}
        )
        assert image.status == 403
        rebound = await http.post(f"{api}/setWebhook", data=hook, headers={"Host": "evil.example"})
        assert rebound.status == 403
        assert (await rebound.json())["description"] == "Forbidden: unknown Host"
        assert emulator.core.delivery.info()["url"] == ""  # the bot still polls
        download = await http.get(
            f"{emulator.url}/file/bot{TOKEN}/documents/x", headers={"Host": "evil.example"}
        )
        assert download.status == 403
        from_here = await http.get(f"{api}/getMe", headers={"Origin": emulator.url})
        assert from_here.status == 200


async def test_telegram_clients_on_any_loopback_name_are_answered(emulator: Emulator) -> None:
    port = emulator.url.rsplit(":", 1)[1]
    async with aiohttp.ClientSession() as http:
        for name in ("127.0.0.1", "localhost", "[::1]"):
            got = await http.get(
                f"{emulator.url}/bot{TOKEN}/getMe", headers={"Host": f"{name}:{port}"}
            )
            assert got.status == 200, name
    async with ptb_bot(emulator) as bot:  # httpx: no Origin, Host 127.0.0.1:PORT
        assert (await bot.get_me()).username == "disposisi_test_bot"
        assert await bot.set_webhook("http://127.0.0.1:9/hook")
    assert emulator.core.delivery.info()["url"] == "http://127.0.0.1:9/hook"


def test_on_port_80_a_loopback_name_may_come_without_the_port() -> None:
    assert loopback_hosts(8081) == {"127.0.0.1:8081", "localhost:8081", "[::1]:8081"}
    assert {"127.0.0.1", "localhost", "[::1]", "localhost:80"} <= loopback_hosts(80)


async def test_on_another_loopback_address_a_foreign_host_name_is_refused() -> None:
    """All of 127.0.0.0/8 is loopback: bound to 127.0.0.2, a rebound name is refused too, and
    the address itself is answered."""
    emu = Emulator(token=TOKEN)
    try:
        await emu.start(host="127.0.0.2")
    except OSError:  # a system where only 127.0.0.1 is configured
        pytest.skip("127.0.0.2 is not a local address here")
    try:
        port = emu.url.rsplit(":", 1)[1]
        async with aiohttp.ClientSession() as http:
            for host, status in (("rebound.example", 403), ("127.0.0.2", 200)):
                got = await http.get(
                    f"{emu.url}/bot{TOKEN}/getMe", headers={"Host": f"{host}:{port}"}
                )
                assert got.status == status, host
    finally:
        await emu.stop()
