"""The playground in a real browser (Debian's chromium, driven by Playwright): a person picks an
official, writes, presses buttons, uploads and downloads a file, and sees the next official's
message appear — the real bot behind the emulator's page."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.core.config import Settings
from demo.playground import Playground, start_playground
from tests.conftest import MONDAY_0800

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
UPLOAD = b"%PDF-1.4\n% kajian kelayakan dermaga\n"


def _browser_or_skip() -> None:
    missing = []
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e '.[dev]')")
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install -y chromium)")
    if missing:
        reason = "no browser to test the playground with: missing " + " and ".join(missing)
        if os.environ.get("DISPOSISI_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
async def playground(settings: Settings) -> AsyncIterator[Playground]:
    _browser_or_skip()
    running = await start_playground(settings, start=MONDAY_0800)
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def page(playground: Playground) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            tab = await browser.new_page(viewport={"width": 1280, "height": 860})
            await tab.goto(playground.url)
            yield tab
        finally:
            await browser.close()


async def _open(page: Any, name: str) -> None:
    await page.click(f"#chats li:has-text('{name}')")
    await page.wait_for_selector(f"#chat-title:has-text('{name}')")


async def _write(page: Any, text: str) -> None:
    await page.fill("#text", text)
    await page.click("#send")


async def _press(page: Any, label: str) -> None:
    await page.locator("button.inline", has_text=label).last.click()


async def test_play_the_sop_in_the_browser(page: Any, playground: Playground) -> None:
    from playwright.async_api import expect

    messages = page.locator("#messages")
    await _open(page, "Siti Aminah")
    await expect(page.locator("#chat-note")).to_have_text("Pengadministrasi Umum")
    await _write(page, "/usulan")
    await _press(page, "FS — ")
    await expect(messages).to_contain_text("Tulis judul usulan")
    await _write(page, "Dermaga <img src=x onerror=\"document.title='diretas'\"> Kelayang")
    await expect(messages).to_contain_text("Asal usulan")
    await _write(page, "PT Timah Wisata")
    await _press(page, "Dinas Pariwisata")
    await expect(messages).to_contain_text("Kirim berkas")
    await page.set_input_files(
        "#file", files=[{"name": "fs.pdf", "mimeType": "application/pdf", "buffer": UPLOAD}]
    )
    await expect(messages).to_contain_text("catatan untuk pelaksana")
    await _press(page, "Lewati")
    await _press(page, "✅ Daftarkan")
    await expect(messages).to_contain_text("Usulan terdaftar: 0001/KS/2026")
    # What a user typed is shown as text, never run as markup.
    await expect(messages).to_contain_text("Dermaga <img src=x")
    assert await page.locator("#messages img").count() == 0
    assert await page.title() == "Disposisi Bot — Playground"

    await _open(page, "Agus Salim")  # the Karo has a task, with its buttons
    await expect(messages).to_contain_text("Tugas baru")
    await _press(page, "✅ Setujui")
    await expect(page.locator("#toast")).to_contain_text("Tersimpan")
    await expect(messages).to_contain_text("Disetujui oleh Agus Salim")

    await _open(page, "Rina Marlina")  # the next official's message appears
    await expect(messages).to_contain_text("Langkah 2")
    await _press(page, "📄 fs.pdf")  # the proposal's document, sent back by the bot
    link = page.locator("a.document", has_text="fs.pdf")
    await expect(link).to_be_visible()
    async with page.expect_download() as waiting:
        await link.click()
    download = await waiting.value
    saved = Path(await download.path())
    assert await asyncio.to_thread(saved.read_bytes) == UPLOAD

    await _open(page, "Tim Kerja Sama")
    await expect(messages).to_contain_text("Langkah 2")

    await _open(page, "Rina Marlina")
    await page.click("#clock button[data-minutes='30']")  # past the step's 5 minutes
    await expect(page.locator("#clock-now")).to_contain_text(re.compile(r"08:3\d"))
    await expect(messages).to_contain_text("Pengingat")
    shot = os.environ.get("DISPOSISI_SCREENSHOT")
    if shot:  # how the README's picture is made
        await page.evaluate("document.getElementById('toast').hidden = true")
        await page.screenshot(path=shot)
