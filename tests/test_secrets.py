"""Secrets never leave the process: nothing logged shows the bot token, its secret half or a
database password."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot import redact

BOT_ID = "987654"
SECRET_HALF = "Zq9RahasiaBot_tok-en"
TOKEN = f"{BOT_ID}:{SECRET_HALF}"
BAD_TOKEN = "badZq9RahasiaSaja"  # no bot id: the emulator, like Telegram, refuses it
PASSWORD = "s4ndi@Rahasia/DB"
PASSWORD_IN_URL = "s4ndi%40Rahasia%2FDB"
SECRETS = (TOKEN, SECRET_HALF, BAD_TOKEN, PASSWORD, PASSWORD_IN_URL, "Zq9Rahasia")
START_WITHIN = 30.0  # seconds for the emulator to come up
# Settings the surrounding environment may carry: each test sets its own.
SETTINGS = (
    "DATABASE_URL",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_URL",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "DEFAULT_STEP_MINUTES",
    "SOP_DIR",
)


@pytest.fixture(autouse=True)
def own_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process's registry of secrets, untouched by (and not touching) other tests."""
    monkeypatch.setattr(redact, "_known", {})


def _run(
    tmp_path: Path, *args: str, python: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """The CLI (or a script) in a clean directory (no stray .env) and a clean environment."""
    environment = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    environment |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"} | env
    command = ["-c", python, *args] if python else ["-m", "bot", *args]
    return subprocess.run(
        [sys.executable, *command],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _printed(done: subprocess.CompletedProcess[str]) -> str:
    """Everything the command printed; asserts that no secret is in it."""
    printed = done.stdout + done.stderr
    for secret in SECRETS:
        assert secret not in printed, f"{secret!r} printed:\n{printed}"
    return printed


LOGGED = textwrap.dedent(
    """
    import logging, os
    from bot.app import setup_logging
    from bot.config import load_settings

    setup_logging(load_settings())
    token = os.environ["TELEGRAM_BOT_TOKEN"]
    try:
        raise RuntimeError("The token `" + token + "` was rejected by the server.")
    except RuntimeError:
        logging.getLogger("telegram.ext.Application").exception("while polling %s", token)
    """
)


def test_a_logged_exception_is_scrubbed_in_the_formatted_output(tmp_path: Path) -> None:
    done = _run(tmp_path, python=LOGGED, TELEGRAM_BOT_TOKEN=TOKEN)
    printed = _printed(done)
    assert done.returncode == 0, printed
    assert "while polling <token>" in printed
    assert "RuntimeError: The token `<token>` was rejected by the server." in printed


def test_the_formatter_scrubs_the_message_the_exception_and_the_stack() -> None:
    redact.protect_values(token=TOKEN, webhook_secret=None, urls={})
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
    except RuntimeError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "GET %s", (f"/bot{TOKEN}/getMe",), sys.exc_info()
        )
    record.stack_info = f"stack with {SECRET_HALF}"
    formatter = redact.ScrubbingFormatter()
    text = formatter.format(record)
    assert "GET /bot<token>/getMe" in text and "The token `<token>`" in text
    assert SECRET_HALF not in text and "stack with <token>" in text
    # What it caches for other handlers is the scrubbed text.
    assert record.exc_text is not None and SECRET_HALF not in record.exc_text


def test_scrub_masks_each_secret_in_each_form() -> None:
    redact.protect_values(
        token=TOKEN,
        webhook_secret="hook-Rahasia-99",
        urls={"DATABASE_URL": f"postgresql://bot:{PASSWORD_IN_URL}@db/kantor"},
    )
    text = (
        f"{TOKEN} | {BOT_ID}%3A{SECRET_HALF} | {SECRET_HALF} | {PASSWORD} | {PASSWORD_IN_URL}"
        f" | {PASSWORD!r} | hook-Rahasia-99"
    )
    assert redact.scrub(text) == ("<token> | <token> | <token> | *** | *** | '***' | <rahasia>")


def test_scrub_forgets_a_secret_the_configuration_no_longer_has() -> None:
    redact.protect_values(token=TOKEN, webhook_secret=None, urls={})
    redact.protect_values(token=None, webhook_secret=None, urls={})
    assert redact.scrub(TOKEN) == TOKEN
