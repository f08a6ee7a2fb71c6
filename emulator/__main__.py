"""python -m emulator --port PORT [--token 123:test] [--host 127.0.0.1] [--flood]"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from emulator.core import DEFAULT_TOKEN, TOKEN
from emulator.server import Emulator


def _token(value: str) -> str:
    if TOKEN.fullmatch(value) is None:
        raise argparse.ArgumentTypeError("a bot token is <digits>:<characters>, as Telegram's are")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m emulator", description="A local Telegram Bot API emulator."
    )
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--token",
        default=DEFAULT_TOKEN,
        type=_token,
        help=f"the only bot token answered; another gets 401 (default {DEFAULT_TOKEN})",
    )
    parser.add_argument("--flood", action="store_true", help="enforce Telegram's flood limits")
    parser.add_argument("--bot-username", default="disposisi_test_bot")
    parser.add_argument(
        "--callback-max-age", type=float, default=900.0, help="seconds a callback query stays open"
    )
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    emulator = Emulator(
        token=args.token,
        bot_username=args.bot_username,
        flood_limits=args.flood,
        callback_query_max_age=args.callback_max_age,
    )
    url = await emulator.start(host=args.host, port=args.port)
    print(f"Telegram emulator on {url}", flush=True)
    # The default token is public (the README's); one given is not echoed, in case it is real.
    shown = args.token if args.token == DEFAULT_TOKEN else "(the one given with --token)"
    print(f"  bot:  token {shown}", flush=True)
    print(f"        base_url={url}/bot  base_file_url={url}/file/bot", flush=True)
    print(f"  control: {url}/control/...", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await emulator.stop()


def main(argv: list[str] | None = None) -> None:
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
