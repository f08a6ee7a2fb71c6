"""What is wrong with an SOP file: one `SopProblem` each, raised together in one `SopFileError`.

Shared by the loader (structural problems) and `bot.core.sop.validate` (semantic ones); callers
import both names from `bot.core.sop.loader`, which re-exports them.

Problems are told cause first (`rank`): the file itself (unreadable, not YAML), then its
structure (duplicate or unknown keys, wrong types), then references and the rules of a step,
and last the step graph, whose problems are often only the consequence of an earlier one (a
mistyped target strands the steps behind it; those are folded into that problem).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.core.sop.words import say

# Where each field was written, for problems found after the spec is built:
# ("step", key, "actors") -> 1-based line. See `validate.validate`.
LineIndex = dict[tuple[str, ...], int]

# The order in which problems are told: a cause before what it causes.
FILE, STRUCTURE, REFERENCE, GRAPH = range(4)


@dataclass(frozen=True)
class SopProblem:
    """One thing wrong with an SOP file; `line` (and `column`) 1-based, `step` the step key if
    any; `rank` orders it among the others (FILE … GRAPH)."""

    file: str
    line: int | None
    step: str | None
    message: str
    column: int | None = None
    rank: int = field(default=REFERENCE, compare=False)

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where = f"{where}:{self.line}" + (f":{self.column}" if self.column else "")
        if self.step:
            return say("problem_in_step", where=where, step=self.step, message=self.message)
        return say("problem", where=where, message=self.message)


def in_order(problems: Iterable[SopProblem]) -> list[SopProblem]:
    """Causes first (by rank), then by place in the file."""
    return sorted(problems, key=lambda p: (p.rank, p.line or 0, p.column or 0))


class SopFileError(Exception):
    """An SOP file that cannot be used; `problems` lists every problem found."""

    def __init__(self, problems: Sequence[SopProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
