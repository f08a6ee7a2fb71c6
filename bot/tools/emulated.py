"""`disposisi demo`, `playground` and `bench`: the bot against the built-in Telegram emulator,
played through, played by hand in a browser, or measured.

The demo code is imported inside each command, never here: it imports the emulator, and it is
to move out of `bot/`, so nothing else of the CLI may come to depend on it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.core.config import load_settings
from bot.core.texts import text
from bot.tools.options import local_time


def demo(args: argparse.Namespace) -> int:
    import json

    from bot.core.render import Renderer
    from demo.run import as_json, run_demo

    settings = load_settings()
    start = local_time(args.start, settings, "--start") if args.start else None
    if args.start and start is None:
        return 2
    result = asyncio.run(run_demo(settings, args.path, start))
    if args.json:
        print(json.dumps(as_json(result), ensure_ascii=False, indent=2))
        return 0
    renderer = Renderer(settings.zone, html=False)
    print(renderer.render("demo", as_json(result)))
    print()
    print(renderer.render("demo_summary", as_json(result)))
    return 0


def playground(args: argparse.Namespace) -> int:
    from demo.playground import serve

    settings = load_settings()
    try:
        asyncio.run(serve(settings, args.host, args.port))
    except OSError as exc:  # the port is taken, most likely
        failed = text("cli", "playground_failed", host=args.host, port=args.port, error=exc)
        print(failed, file=sys.stderr)
        return 1
    return 0


def bench(args: argparse.Namespace) -> int:
    from bench.__main__ import main as run_benchmarks

    return run_benchmarks(args.rest)
