"""`disposisi reminders simulate`: when the reminders, escalations and digests of a new
proposal's first task would go (the walk itself is `bot.tools.simulate`)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.core.config import load_settings
from bot.core.texts import text
from bot.tools.options import local_time
from bot.tools.sop_files import sop_codes


def simulate(args: argparse.Namespace) -> int:
    import dataclasses
    import json
    from datetime import timedelta

    from bot.core.render import Renderer
    from bot.tools.simulate import walk

    settings = load_settings()
    start = local_time(args.start, settings, "--from")
    if start is None:
        return 2
    if args.sop is not None and args.sop not in sop_codes(settings):
        print(text("cli", "unknown_sop", option="--sop", code=args.sop), file=sys.stderr)
        return 2
    until = start + timedelta(days=args.days)
    walked = asyncio.run(walk(settings, start, until, args.sop))
    if args.json:
        print(json.dumps(dataclasses.asdict(walked), ensure_ascii=False, indent=2))
    else:
        print(
            Renderer(settings.zone, html=False).render("reminder_walk", dataclasses.asdict(walked))
        )
    return 0
