"""`disposisi demo`, `playground` and `bench`: the bot against the built-in Telegram emulator,
played through, played by hand in a browser, or measured.

The demo code is imported inside each command, never here: it imports the emulator, and it is
to move out of `bot/`, so nothing else of the CLI may come to depend on it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.config import Settings, load_settings
from bot.core.texts import text
from bot.tools.options import local_time

if TYPE_CHECKING:
    from bot.core.sop.spec import SopSpec


def demo(args: argparse.Namespace) -> int:
    import json

    from bot.core.render import Renderer
    from demo.run import as_json, run_demo

    settings = load_settings()
    start = local_time(args.start, settings, "--start") if args.start else None
    if args.start and start is None:
        return 2
    if args.keep and not _may_keep(Path(args.keep)):
        return 2
    if args.sop:
        return _demo_sop(args, settings, start)
    if args.choose:
        print(text("cli", "choose_needs_sop"), file=sys.stderr)
        return 2
    keep = Path(args.keep) if args.keep else None
    result = asyncio.run(run_demo(settings, args.path, start, keep))
    if args.json:
        print(json.dumps(as_json(result), ensure_ascii=False, indent=2))
    else:
        renderer = Renderer(settings.zone, html=False)
        print(renderer.render("demo", as_json(result)))
        print()
        print(renderer.render("demo_summary", as_json(result)))
    _kept(args, keep)
    return 0


def _may_keep(keep: Path) -> bool:
    """`--keep FILE.db` names a new file in a folder that exists: a demo never overwrites a
    database (it could be the office's own)."""
    if keep.exists():
        print(text("cli", "keep_exists", path=keep), file=sys.stderr)
        return False
    if not keep.parent.is_dir():
        print(text("cli", "keep_no_folder", path=keep), file=sys.stderr)
        return False
    return True


def _kept(args: argparse.Namespace, keep: Path | None) -> None:
    """How to run the records on the database kept (on stderr under --json: stdout is JSON).
    A demo of an SOP file needs that file's folder as SOP_DIR to read its cases."""
    if keep is None:
        return
    sop_dir = f"SOP_DIR={Path(args.sop).parent} " if args.sop else ""
    said = text("cli", "demo_kept", path=keep, url=f"sqlite:///{keep}", sop_dir=sop_dir)
    print(said, file=sys.stderr if args.json else sys.stdout)


def _demo_sop(args: argparse.Namespace, settings: Settings, start: datetime | None) -> int:
    """`demo --sop FILE [--choose STEP=OPTION]...`: exit 0 naming the outcome reached; 2 for a
    file or a choice that cannot be played, 1 when the play stops short of an outcome."""
    import json

    from bot.core.render import Renderer
    from demo.player import PlayError, check_choices
    from demo.run import as_json, run_sop_demo

    spec = _sop_file(Path(args.sop))
    if spec is None:
        return 2
    choose: dict[str, str] = {}
    for given in args.choose:
        step, sep, option = given.partition("=")
        if not sep or not step.strip() or not option.strip():
            print(text("cli", "choose_malformed", given=given), file=sys.stderr)
            return 2
        choose[step.strip()] = option.strip()
    wrong = check_choices(spec, choose)
    for said in wrong:
        print(text("cli", "choose_wrong", file=args.sop, problem=said), file=sys.stderr)
    if wrong:
        return 2
    keep = Path(args.keep) if args.keep else None
    try:
        result = asyncio.run(run_sop_demo(settings, spec, choose, start, keep))
    except PlayError as exc:
        print(text("cli", "demo_stuck", file=args.sop, problem=exc), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(as_json(result), ensure_ascii=False, indent=2))
    else:
        renderer = Renderer(settings.zone, html=False)
        print(renderer.render("demo", as_json(result)))
        print()
        print(renderer.render("demo_summary", as_json(result)))
    _kept(args, keep)
    return 0 if result.outcome_key else 1


def _sop_file(path: Path) -> SopSpec | None:
    """The SOP in `path`, or None after printing its problems as `sop check` does."""
    from bot.core.sop.loader import SopFileError, load_sop

    try:
        spec = load_sop(path)
    except SopFileError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(text("cli", "sop_problems", file=path, count=len(exc.problems)), file=sys.stderr)
        return None
    return spec


def playground(args: argparse.Namespace) -> int:
    from demo.playground import serve

    settings = load_settings()
    sop_file = Path(args.sop) if args.sop else None
    if sop_file is not None and _sop_file(sop_file) is None:
        return 2
    try:
        asyncio.run(serve(settings, args.host, args.port, sop_file))
    except OSError as exc:  # the port is taken, most likely
        failed = text("cli", "playground_failed", host=args.host, port=args.port, error=exc)
        print(failed, file=sys.stderr)
        return 1
    return 0


def bench(args: argparse.Namespace) -> int:
    from bench.__main__ import main as run_benchmarks

    return run_benchmarks(args.rest)
