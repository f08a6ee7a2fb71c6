"""`disposisi sop check`, `sop show` and `sop roles`: an SOP file as the operator writes it,
checked, drawn, or its roles listed for `disposisi invite`; and the refusal to start on SOP files
that cannot run."""

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
            _tell(path, exc.problems)
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
    if not _together(loaded):
        failed = True
    _warn_if_in_force_differs(loaded)
    return 1 if failed else 0


def _together(specs: list[SopSpec]) -> bool:
    """Files checked together are an SOP_DIR to be: two SOPs claiming one command are told as
    the bot would refuse them at start. (Two files of one version may be a draft beside its
    original: `_warn_if_in_force_differs` compares them with what is in force instead.)"""
    from bot.core.sop.registry import commands_twice

    clashes = commands_twice(specs)
    for problem in clashes:
        print(problem, file=sys.stderr)
    if clashes:
        print(text("cli", "sop_clashes", count=len(clashes)), file=sys.stderr)
    return not clashes


def _tell(path: object, problems: Sequence[object]) -> None:
    """A file's problems, then how many."""
    for problem in problems:
        print(problem, file=sys.stderr)
    print(text("cli", "sop_problems", file=path, count=len(problems)), file=sys.stderr)


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


def roles(args: argparse.Namespace) -> int:
    """The role keys to pass to `disposisi invite`, with their titles and who registers."""
    from bot.core.sop.loader import SopFileError, load_sop
    from bot.core.sop.registry import SopRegistry

    specs: list[SopSpec] = []
    if args.files:
        failed = False
        for path in args.files:
            try:
                specs.append(load_sop(path))
            except SopFileError as exc:
                failed = True
                _tell(path, exc.problems)
        if failed:
            return 1
    else:  # the SOPs in force; a broken SOP_DIR is told by the CLI as for `run`
        settings = settings_if_valid() or Settings(_env_file=None)  # type: ignore[call-arg]
        specs = SopRegistry(settings.sop_dir).latest()
        if args.sop is not None:
            specs = [spec for spec in specs if spec.code == args.sop]
            if not specs:
                print(text("cli", "unknown_sop", option="--sop", code=args.sop), file=sys.stderr)
                return 2
    print("\n\n".join(roles_of(spec) for spec in specs))
    print()
    print(text("cli", "roles_admin"))
    return 0


def roles_of(spec: SopSpec) -> str:
    """One SOP's roles: key, title and what is special about each."""
    registrars = spec.intake.registrars
    noun = spec.case.noun or text("cli", "case_noun")
    width = max((len(key) for key in spec.roles), default=0)
    lines = [
        text("cli", "roles_header", code=spec.code, version=spec.version, name=spec.header.name),
        text("cli", "roles_intro"),
    ]
    for key, role in spec.roles.items():
        notes = []
        if key in registrars:
            notes.append(text("cli", "role_registers", noun=noun))
        if key == spec.intake.origin_role:
            notes.append(text("cli", "role_origin", noun=noun))
        line = text("cli", "role_line", role=key.ljust(width), title=role.title)
        if notes:
            line += text("cli", "role_notes", notes="; ".join(notes))
        lines.append(line)
    lines.append(text("cli", "roles_registrars", noun=noun, roles=", ".join(registrars)))
    return "\n".join(lines)


def unknown_role(role: str, specs: Sequence[SopSpec]) -> str | None:
    """Why `role` cannot be invited (no SOP has it), or None when some SOP has it."""
    import difflib

    known = sorted({key for spec in specs for key in spec.roles})
    if role in known:
        return None
    close = difflib.get_close_matches(role, known, n=1)
    hint = text("cli", "did_you_mean", name=close[0]) if close else ""
    return text("cli", "unknown_role", role=role, hint=hint, known=", ".join(known))


def sop_codes(settings: Settings) -> set[str]:
    """The codes of the SOPs in force (SOP_DIR, or the ones shipped)."""
    from bot.core.sop.registry import SopRegistry

    registry = SopRegistry(settings.sop_dir)
    return {spec.code for spec in registry.all()}


def refuse(problems: Sequence[object], *, starting: bool = False) -> int:
    """The bot does not start (nor a command use) SOP files it cannot run safely: say why and
    what to do, without a traceback; exit 2, as for any setting to fix."""
    header = "sops_refused" if starting else "sops_unusable"
    print(text("cli", header, count=len(problems)), file=sys.stderr)
    for problem in problems:
        print(_indent(str(problem)), file=sys.stderr)
    print(text("cli", "sops_fix"), file=sys.stderr)
    return 2


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())
