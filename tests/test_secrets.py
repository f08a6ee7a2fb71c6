"""Secrets never leave the process: whatever fails, nothing printed shows the bot token, its
secret half or a database password, and the operator reads one or two lines of Indonesian.

The failure cases run the real CLI as a subprocess and grep everything it printed."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core import redact

BOT_ID = "987654"
SECRET_HALF = "Zq9RahasiaBot_tok-en"
TOKEN = f"{BOT_ID}:{SECRET_HALF}"
BAD_TOKEN = "111111:badZq9RahasiaSaja"  # well formed, not this bot's: Telegram answers 401
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
    "WEBHOOK_LISTEN",
    "DEFAULT_STEP_MINUTES",
    "SOP_DIR",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", str(port), "--token", TOKEN],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + START_WITHIN
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the emulator did not come up"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(autouse=True)
def own_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process's registry of secrets, untouched by (and not touching) other tests."""
    monkeypatch.setattr(redact, "_known", {})


def _run(
    tmp_path: Path, *args: str, python: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """The CLI (or a script) in a clean directory (no stray .env) and a clean environment."""
    environment = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    environment |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.storage.db'}"} | env
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


def _without_info_lines(printed: str) -> str:
    """`run` logs the migration first; what follows is the failure."""
    return "\n".join(line for line in printed.splitlines() if " INFO " not in line)


def _short(printed: str) -> None:
    assert "Traceback" not in printed, printed
    assert len(printed.strip().splitlines()) <= 3, printed


@pytest.mark.parametrize("command", [("run",), ("invite", "karo")])
def test_a_wrong_api_path_is_a_rejected_token_and_the_token_is_not_printed(
    tmp_path: Path, emulator_url: str, command: tuple[str, ...]
) -> None:
    api = f"{emulator_url}/x/bot"  # getMe answers 404, PTB calls it an invalid token
    done = _run(tmp_path, *command, TELEGRAM_API_URL=api, TELEGRAM_BOT_TOKEN=TOKEN)
    printed = _printed(done)
    assert done.returncode == 2, printed
    assert "Token bot ditolak oleh Telegram: periksa TELEGRAM_BOT_TOKEN" in done.stderr
    assert f"TELEGRAM_API_URL={api}" in done.stderr
    # PTB's line about the answer that was not JSON stays; its traceback does not.
    _short(_without_info_lines(printed))


def test_invite_with_a_token_telegram_rejects(tmp_path: Path, emulator_url: str) -> None:
    done = _run(
        tmp_path,
        "invite",
        "karo",
        TELEGRAM_API_URL=f"{emulator_url}/bot",
        TELEGRAM_BOT_TOKEN=BAD_TOKEN,
    )
    printed = _printed(done)
    assert done.returncode == 2, printed
    assert "Token bot ditolak oleh Telegram: periksa TELEGRAM_BOT_TOKEN" in done.stderr
    _short(printed)


@pytest.mark.parametrize("command", [("run",), ("invite", "karo")])
def test_an_unreachable_api_is_named_in_one_short_message(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    api = f"http://127.0.0.1:{_free_port()}/bot"  # nothing listens there
    done = _run(tmp_path, *command, TELEGRAM_API_URL=api, TELEGRAM_BOT_TOKEN=TOKEN)
    printed = _printed(done)
    assert done.returncode == 2, printed
    assert f"Server Bot API tidak dapat dihubungi: periksa TELEGRAM_API_URL={api}" in (done.stderr)
    _short(_without_info_lines(printed))


@pytest.mark.parametrize("command", [("db", "upgrade"), ("run",), ("invite", "karo")])
def test_an_unreachable_database_is_named_without_its_password(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    port = _free_port()
    url = f"postgresql://disposisi:{PASSWORD_IN_URL}@127.0.0.1:{port}/kantor"
    done = _run(tmp_path, *command, DATABASE_URL=url, TELEGRAM_BOT_TOKEN=TOKEN)
    printed = _printed(done)
    assert done.returncode == 2, printed
    assert (
        "Basis data tidak dapat dipakai: periksa DATABASE_URL "
        f"(postgresql+asyncpg://disposisi:***@127.0.0.1:{port}/kantor)"
    ) in done.stderr
    _short(printed)


def test_a_malformed_setting_is_refused_in_indonesian(tmp_path: Path) -> None:
    done = _run(
        tmp_path,
        "run",
        TELEGRAM_BOT_TOKEN=TOKEN,
        DATABASE_URL=f"postgresql://disposisi:{PASSWORD_IN_URL}@127.0.0.1/kantor",
        DEFAULT_STEP_MINUTES="nol",
    )
    printed = _printed(done)
    assert done.returncode == 2, printed
    assert done.stderr.splitlines() == [
        "Konfigurasi salah:",
        "  DEFAULT_STEP_MINUTES: harus bilangan bulat, misalnya 60",
    ]


# A command that fails in a way nobody planned for, with the token in its error.
UNEXPECTED = textwrap.dedent(
    """
    import os, sys
    from bot.tools import cli

    def broken(_args):
        token = os.environ["TELEGRAM_BOT_TOKEN"]
        try:
            raise ValueError("https://api.telegram.org/bot" + token.replace(":", "%3A"))
        except ValueError as exc:
            raise {error}("token " + token) from exc

    cli._audit_verify = broken
    sys.exit(cli.main(["audit", "verify"]))
    """
)


def test_an_unexpected_failure_shows_its_traceback_scrubbed(tmp_path: Path) -> None:
    done = _run(tmp_path, python=UNEXPECTED.format(error="RuntimeError"), TELEGRAM_BOT_TOKEN=TOKEN)
    printed = _printed(done)
    assert done.returncode == 1, printed
    assert "Traceback" in done.stderr and "RuntimeError: token <token>" in done.stderr
    assert "ValueError: https://api.telegram.org/bot" in done.stderr  # the cause, scrubbed too


def test_ctrl_c_ends_a_command_without_a_traceback(tmp_path: Path) -> None:
    done = _run(
        tmp_path, python=UNEXPECTED.format(error="KeyboardInterrupt"), TELEGRAM_BOT_TOKEN=TOKEN
    )
    assert done.returncode == 130
    assert _printed(done) == ""


# Output no one formatted on purpose: a warning logged before logging is set up, and a thread
# that dies, each with the token in it.
STRAY = textwrap.dedent(
    """
    import logging, os, sys, threading
    from bot.tools import cli

    def noisy(_args):
        token = os.environ["TELEGRAM_BOT_TOKEN"]
        try:
            raise ValueError("bot" + token)
        except ValueError:
            logging.getLogger("telegram.ext.Updater").warning("stray %s", token, exc_info=True)

        def die():
            raise RuntimeError("thread " + token)

        thread = threading.Thread(target=die, name="pekerja")
        thread.start()
        thread.join()
        return 0

    cli._audit_verify = noisy
    sys.exit(cli.main(["audit", "verify"]))
    """
)


def test_stray_log_lines_and_dying_threads_are_scrubbed(tmp_path: Path) -> None:
    done = _run(tmp_path, python=STRAY, TELEGRAM_BOT_TOKEN=TOKEN)
    printed = _printed(done)
    assert done.returncode == 0, printed
    assert "stray <token>" in printed and "ValueError: bot<token>" in printed
    assert "Exception in thread pekerja" in printed and "RuntimeError: thread <token>" in printed


LOGGED = textwrap.dedent(
    """
    import logging, os
    from bot.app import setup_logging
    from bot.core.config import load_settings

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


def test_a_webhook_port_in_use_is_named_in_one_short_message(
    tmp_path: Path, emulator_url: str
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        listen = f"127.0.0.1:{taken.getsockname()[1]}"
        done = _run(
            tmp_path,
            "run",
            TELEGRAM_API_URL=f"{emulator_url}/bot",
            TELEGRAM_BOT_TOKEN=TOKEN,
            WEBHOOK_URL="https://bot.kantor.example/telegram",
            WEBHOOK_LISTEN=listen,
        )
    printed = _printed(done)
    assert done.returncode == 2, printed
    assert f"Server webhook tidak dapat dibuka: periksa WEBHOOK_LISTEN={listen}" in done.stderr
    _short(_without_info_lines(printed))


@pytest.mark.parametrize(
    "malformed",
    ["badZq9RahasiaSaja", "987654:Zq9Rahasia#Bot_tok-en", "987654:Zq9Rahasia/../Bot_tok-en"],
)
def test_a_malformed_token_is_refused_before_it_is_put_in_a_url(
    tmp_path: Path, emulator_url: str, malformed: str
) -> None:
    """A "#" cut the token in the URL and the part before it showed in the error (review)."""
    done = _run(
        tmp_path, "run", TELEGRAM_API_URL=f"{emulator_url}/bot", TELEGRAM_BOT_TOKEN=malformed
    )
    printed = _printed(done)
    for part in ("Bot_tok-en", "badZq9", *malformed.split("#")):
        assert part not in printed, part
    assert done.returncode == 2, printed
    assert done.stderr.splitlines()[0] == "Konfigurasi salah:"
    assert done.stderr.splitlines()[1].startswith("  TELEGRAM_BOT_TOKEN: bentuknya bukan token")
    _short(printed)


_QUOTING_SERVER = textwrap.dedent(
    """
    import sys
    from aiohttp import web

    async def answer(request):  # a gateway that quotes the path it could not route
        text = "Bad Request: no route for " + request.path
        return web.json_response({"ok": False, "error_code": 400, "description": text}, status=400)

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", answer)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
    """
)


def test_a_token_an_api_server_quotes_back_is_masked_in_any_case(tmp_path: Path) -> None:
    """PTB capitalizes an API error's description (the rest lowercased): the token a server
    quotes back arrives as "987654:zq9rahasiabot_tok-en", and is masked all the same."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", _QUOTING_SERVER, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + START_WITHIN
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.1)
        api = f"http://127.0.0.1:{port}/bot"
        done = _run(tmp_path, "invite", "karo", TELEGRAM_API_URL=api, TELEGRAM_BOT_TOKEN=TOKEN)
    finally:
        server.terminate()
        server.wait(timeout=10)
    printed = _printed(done).lower()
    assert "no route for /bot<token>/getme" in printed, printed  # the server was heard
    for secret in SECRETS:
        assert secret.lower() not in printed, f"{secret!r} printed:\n{printed}"
