"""`disposisi sop check` and `sop show`: an SOP file as the operator writes it, checked or drawn,
and the refusal to start on SOP files that cannot run."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.core.config import Settings, settings_if_valid
from bot.core.texts import text

if TYPE_CHECKING:
    from bot.core.sop.spec import SopSpec


def check(args: argparse.Namespace) -> int:
    from bot.core.sop.loader import SopFileError, load_sop

    failed = False
    loaded = []
    for path in args.files:
        try:
            spec = load_sop(path)
            loaded.append(spec)
        except SopFileError as exc:
            failed = True
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            print(text("cli", "sop_problems", file=path, count=len(exc.problems)), file=sys.stderr)
            continue
        decisions = sum(1 for s in spec.steps if s.is_decision)
        summary = text(
            "cli",
            "sop_ok",
            file=path,
            code=spec.code,
            version=spec.version,
            steps=len(spec.steps),
            roles=len(spec.roles),
            decisions=decisions,
            outcomes=len(spec.outcomes),
        )
        print(summary)
    _warn_if_in_force_differs(loaded)
    return 1 if failed else 0


def _warn_if_in_force_differs(specs: list[SopSpec]) -> None:
    """A warning, not a failure: the file may be meant as a new version's draft."""
    from bot.services.sops_in_force import differing

    settings = settings_if_valid()
    if settings is None:
        return  # checking a file needs no configuration
    for warning in asyncio.run(differing(settings.database_url, specs)):
        print(warning, file=sys.stderr)


def show(args: argparse.Namespace) -> int:
    from bot.core.sop.loader import SopFileError, load_sop
    from bot.core.sop.render import mermaid, steps_table

    try:
        spec = load_sop(args.file)
    except SopFileError as exc:
        print(exc, file=sys.stderr)
        return 1
    if not args.mermaid:
        # Showing a file needs no configuration either: without one, the defaults.
        settings = settings_if_valid() or Settings(_env_file=None)  # type: ignore[call-arg]
        default = settings.default_step_minutes
        header = spec.header
        print(
            text(
                "cli",
                "sop_header",
                name=header.name,
                institution=header.institution,
                number=header.number,
            )
        )
        print()  # the blank line before the table
        print(steps_table(spec, default))
        print()
    print(mermaid(spec))
    return 0


def sop_codes(settings: Settings) -> set[str]:
    """The codes of the SOPs in force (SOP_DIR, or the ones shipped)."""
    from bot.core.sop.registry import SopRegistry

    registry = SopRegistry(settings.sop_dir)
    return {spec.code for spec in registry.all()}


def refuse(problems: Sequence[object]) -> int:
    """The bot does not start on SOP files it cannot run safely: say why, without a traceback."""
    print(text("cli", "sops_refused", count=len(problems)), file=sys.stderr)
    for problem in problems:
        print(_indent(str(problem)), file=sys.stderr)
    return 1


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())
