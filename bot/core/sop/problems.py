"""What is wrong with an SOP file: one `SopProblem` each, raised together in one `SopFileError`.

Shared by the loader (structural problems) and `bot.core.sop.validate` (semantic ones); callers
import both names from `bot.core.sop.loader`, which re-exports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.sop.words import say

# Where each field was written, for problems found after the spec is built:
# ("step", key, "actors") -> 1-based line. See `validate.validate`.
LineIndex = dict[tuple[str, ...], int]


@dataclass(frozen=True)
class SopProblem:
    """One thing wrong with an SOP file; `line` is 1-based, `step` the step key if any."""

    file: str
    line: int | None
    step: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.step:
            return say("problem_in_step", where=where, step=self.step, message=self.message)
        return say("problem", where=where, message=self.message)


class SopFileError(Exception):
    """An SOP file that cannot be used; `problems` lists every problem found."""

    def __init__(self, problems: Sequence[SopProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
