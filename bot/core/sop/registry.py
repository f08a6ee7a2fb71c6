"""Every SOP the bot knows: the `*.yaml` files of one folder, loaded and validated at start-up.

Proposals refer to `(code, version)`, so an old version stays loadable while cases started under
it are finished; new cases use the latest version of a code.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot.core.paths import data_dir
from bot.core.sop.loader import SopFileError, SopProblem, load_sop
from bot.core.sop.spec import SopSpec
from bot.core.sop.words import say


def version_key(version: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key for versions: "2020.10" > "2020.9"; non-numeric parts sort after numbers."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in version.split(".")
    )


def _empty_folder(root: Path) -> str:
    if not root.exists():
        return say("no_sop_folder")
    if not root.is_dir():
        return say("sop_dir_not_folder")
    return say("no_sop_files")


def commands_twice(specs: Iterable[SopSpec]) -> list[SopProblem]:
    """SOPs of different codes whose own command (`case.command`) is the same, each version the
    latest of its code: each file is told of the others, as neither can be the one the command
    registers in."""
    latest: dict[str, SopSpec] = {}
    for spec in specs:
        if spec.code not in latest or version_key(spec.version) > version_key(
            latest[spec.code].version
        ):
            latest[spec.code] = spec
    by_command: dict[str, list[SopSpec]] = {}
    for spec in latest.values():
        if spec.case.command is not None:
            by_command.setdefault(spec.case.command, []).append(spec)
    problems = []
    for command, claiming in by_command.items():
        for spec in claiming if len(claiming) > 1 else ():
            others = ", ".join(_where(other) for other in claiming if other is not spec)
            message = say("command_twice", name=command, others=others)
            problems.append(
                SopProblem(spec.path or "<sop>", spec.case.command_line or None, None, message)
            )
    return problems


def _where(spec: SopSpec) -> str:
    """An SOP as a problem names it: its code and where its command is written."""
    place = spec.path or "<sop>"
    if spec.case.command_line:
        place = f"{place}:{spec.case.command_line}"
    return f"{spec.code} ({place})"


class SopRegistry:
    """SOP specs by `(code, version)`, and by code alone for the latest version."""

    def __init__(self, folder: str | Path | None = None) -> None:
        """Load every `*.yaml` directly in `folder` (default: the project's `sops/`).

        Sub-folders are not scanned. Raises SopFileError with the problems of every bad file,
        or when the folder is missing or holds no `*.yaml`.
        """
        root = Path(folder) if folder is not None else data_dir("sops")
        specs: list[SopSpec] = []
        problems: list[SopProblem] = []
        paths = sorted(root.glob("*.yaml")) if root.is_dir() else []
        if not paths:  # a bot with no SOP would start and then refuse every registration
            raise SopFileError([SopProblem(str(root), None, None, _empty_folder(root))])
        for path in paths:
            try:
                specs.append(load_sop(path))
            except SopFileError as exc:
                problems.extend(exc.problems)
        self._specs: dict[tuple[str, str], SopSpec] = {}
        problems.extend(self._add(specs))
        if problems:
            raise SopFileError(problems)

    @classmethod
    def of(cls, specs: Iterable[SopSpec]) -> SopRegistry:
        """A registry of specs already loaded (tests, tools); raises SopFileError on clashes."""
        registry = cls.__new__(cls)
        registry._specs = {}
        problems = registry._add(specs)
        if problems:
            raise SopFileError(problems)
        return registry

    def _add(self, specs: Iterable[SopSpec]) -> list[SopProblem]:
        problems = []
        for spec in specs:
            key = (spec.code, spec.version)
            if key in self._specs:
                other = self._specs[key].path
                problems.append(
                    SopProblem(
                        spec.path or "<sop>",
                        None,
                        None,
                        say("sop_defined_twice", code=spec.code, version=spec.version, other=other),
                    )
                )
            else:
                self._specs[key] = spec
        return problems + commands_twice(self.latest())

    def get(self, code: str, version: str | None = None) -> SopSpec:
        """The spec of `code` at `version`, or its latest version; KeyError if unknown."""
        if version is not None:
            try:
                return self._specs[(code, version)]
            except KeyError:
                raise KeyError(say("no_such_version", code=code, version=version)) from None
        versions = [spec for (c, _), spec in self._specs.items() if c == code]
        if not versions:
            raise KeyError(say("no_such_sop", code=code))
        return max(versions, key=lambda spec: version_key(spec.version))

    def all(self) -> list[SopSpec]:
        """Every spec, by code then version."""
        return sorted(self._specs.values(), key=lambda s: (s.code, version_key(s.version)))

    def latest(self) -> list[SopSpec]:
        """The latest version of each code, by code."""
        return [self.get(code) for code in sorted({code for code, _ in self._specs})]

    def role_title(self, key: str) -> str:
        """What the SOPs call role `key` (the newest SOP that has it); the key if none does."""
        for spec in reversed(self.all()):
            if key in spec.roles:
                return spec.roles[key].title
        return key

    def noun(self) -> str | None:
        """What every SOP in force calls a case, when they agree; None: the neutral word."""
        nouns = {spec.case.noun for spec in self.latest()}
        return nouns.pop() if len(nouns) == 1 else None

    def __contains__(self, code: object) -> bool:
        return any(c == code for c, _ in self._specs)

    def __len__(self) -> int:
        return len(self._specs)
