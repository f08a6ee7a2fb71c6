"""Checks of an SOP's step graph: every step reachable from the first, an outcome reachable from
every step, and every document a step expects already there on every path to it.

Each check walks the steps to a fixed point; `bot.core.sop.validate` runs them once the
references are checked, and reports through `add(line, message, step)`.

A broken reference (a mistyped target, a duplicated step key, a way out that could not be read)
is reported where it is written; the steps it cuts off would then be reported unreachable one by
one, the real mistake lost among them. So the walks are made twice: as written, then with each
broken reference taken to go where its author probably meant (a `Detour`: the closest step key,
or, not knowing, somewhere that ends). What only the first walk misses is a consequence of the
detour's problem, and is folded into it (`FollowOns`) rather than reported on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.core.sop.problems import SopProblem, in_order
from bot.core.sop.spec import SopSpec, Step
from bot.core.sop.words import say

Add = Callable[[int | None, str, str | None], None]


@dataclass(frozen=True)
class Detour:
    """A way out of step `source` (an index in spec.steps) found broken by `cause`, and where
    it was probably meant to go: the step of index `to`, or (None) somewhere that ends."""

    source: int
    to: int | None
    cause: SopProblem


@dataclass
class FollowOns:
    """The steps that are only unreachable, or only without a way to an outcome, because of one
    problem: said with it."""

    unreachable: list[str] = field(default_factory=list)
    no_outcome: list[str] = field(default_factory=list)


def check_graph(
    spec: SopSpec,
    detours: Iterable[Detour],
    duplicates: dict[int, SopProblem],
    add: Add,
) -> dict[SopProblem, FollowOns]:
    """Steps the first cannot reach, and steps from which no outcome can be reached.

    `duplicates`: the index of each step whose key an earlier step has, with the problem that
    says so; a reference to that key may have meant either. Reports the problems no other
    problem explains, and returns the others by the problem that explains them."""
    walk = _Walk(spec, list(detours), duplicates)
    follow_ons: dict[SopProblem, FollowOns] = {}
    first = spec.first_step.key

    reached, cause_of = walk.reach()
    for i, step in enumerate(spec.steps):
        if i in reached or i in duplicates:
            continue
        if i in cause_of:
            follow_ons.setdefault(cause_of[i], FollowOns()).unreachable.append(step.key)
        else:
            add(step.line, say("unreachable", first=first), step.key)

    ending, end_cause = walk.ending()
    for i, step in enumerate(spec.steps):
        if i in ending or i in duplicates:
            continue
        if i in end_cause:
            if end_cause[i] in walk.own_causes(i):  # its own broken way out, reported already
                continue
            follow_ons.setdefault(end_cause[i], FollowOns()).no_outcome.append(step.key)
        elif i == 0:
            add(step.line, say("no_outcome_from_first"), step.key)
        else:
            add(step.line, say("no_outcome_from_step"), step.key)
    return follow_ons


class _Walk:
    """The step graph by index, as written (`out`) and with the detours taken (`repaired`)."""

    def __init__(
        self, spec: SopSpec, detours: list[Detour], duplicates: dict[int, SopProblem]
    ) -> None:
        steps = spec.steps
        self.n = len(steps)
        index: dict[str, int] = {}
        for i, step in enumerate(steps):
            index.setdefault(step.key, i)
        self.out: list[list[int]] = [
            [index[t.step] for t in s.targets() if t.step in index] for s in steps
        ]
        self.ends = [any(t.end in spec.outcomes for t in s.targets()) for s in steps]
        # (to, cause) of each step's detours; a duplicate is reached wherever its key is.
        self.repaired: list[list[tuple[int | None, SopProblem]]] = [[] for _ in steps]
        for detour in detours:
            self.repaired[detour.source].append((detour.to, detour.cause))
        for i, cause in duplicates.items():
            self.repaired[index[steps[i].key]].append((i, cause))

    def own_causes(self, i: int) -> set[SopProblem]:
        """The problems of step `i`'s own broken ways out."""
        return {cause for _, cause in self.repaired[i]}

    def reach(self) -> tuple[set[int], dict[int, SopProblem]]:
        """The steps reached from the first as written, and the cause of each reached only by
        a detour (the first cause, in the order problems are told, whose detour reaches it)."""
        reached = self._closure({0}, set())
        cause_of: dict[int, SopProblem] = {}
        causes = in_order({c for ways in self.repaired for _, c in ways})
        changed = True
        while changed:
            changed = False
            for cause in causes:
                known = reached | set(cause_of)
                starts = {
                    to
                    for i in known
                    for to, c in self.repaired[i]
                    if c == cause and to is not None and to not in known
                }
                for j in self._closure(starts, known, detours=True):
                    cause_of[j] = cause
                    changed = True
        return reached, cause_of

    def ending(self) -> tuple[set[int], dict[int, SopProblem]]:
        """The steps from which an outcome is reached as written, and the cause of each from
        which one is reached only by a detour."""
        ending = {i for i in range(self.n) if self.ends[i]}
        changed = True
        while changed:
            changed = False
            for i in range(self.n):
                if i not in ending and any(j in ending for j in self.out[i]):
                    ending.add(i)
                    changed = True
        end_cause: dict[int, SopProblem] = {}
        changed = True
        while changed:
            changed = False
            for i in range(self.n):
                if i in ending or i in end_cause:
                    continue
                found = [c for to, c in self.repaired[i] if to is None or to in ending]
                found += [end_cause[to] for to, _ in self.repaired[i] if to in end_cause]
                found += [end_cause[j] for j in self.out[i] if j in end_cause]
                if found:
                    end_cause[i] = in_order(found)[0]
                    changed = True
        return ending, end_cause

    def _closure(self, starts: set[int], known: set[int], *, detours: bool = False) -> set[int]:
        """`starts` and what they lead to, less `known`; by the detours too if asked."""
        found = set(starts) - known
        todo = list(found)
        while todo:
            i = todo.pop()
            nexts = list(self.out[i])
            if detours:
                nexts += [to for to, _ in self.repaired[i] if to is not None]
            for j in nexts:
                if j not in found and j not in known:
                    found.add(j)
                    todo.append(j)
        return found


def check_documents_available(spec: SopSpec, steps: dict[str, Step], add: Add) -> None:
    """A document required with upload: false must be on the proposal on every path there."""
    every = set(spec.documents)
    first = spec.first_step.key
    start = {spec.intake.document} & every if spec.intake.document else set()
    # Documents surely present when a step starts; grows smaller to a fixed point.
    present: dict[str, set[str]] = {key: set(every) for key in steps}
    present[first] = set(start)
    changed = True
    while changed:
        changed = False
        for key, step in steps.items():
            for target, extra in _edges(step):
                if target not in present:
                    continue
                # A reject sends the work back: the step's own uploads may not have happened.
                after = present[key] | (extra if extra is not None else set())
                narrowed = present[target] & after
                if narrowed != present[target]:
                    present[target] = narrowed
                    changed = True
    for key, step in steps.items():
        have = present[key]
        own = {r.document for r in step.requires if r.upload}
        needs = [*step.requires]
        if step.decision is not None:
            needs.extend(r for o in step.decision.options for r in o.requires)
        for req in needs:
            if req.upload or req.document not in every or req.document in have | own:
                continue
            add(req.line, say("document_not_there", document=req.document), key)


def _edges(step: Step) -> list[tuple[str, set[str] | None]]:
    """(target step, documents uploaded on the way); None for a reject (no uploads assumed)."""
    own = {r.document for r in step.requires if r.upload}
    edges: list[tuple[str, set[str] | None]] = []
    if step.on_approve is not None and step.on_approve.target.step is not None:
        edges.append((step.on_approve.target.step, own))
    if step.on_reject is not None and step.on_reject.target.step is not None:
        edges.append((step.on_reject.target.step, None))
    if step.decision is not None:
        for option in step.decision.options:
            if option.target.step is not None:
                edges.append(
                    (option.target.step, own | {r.document for r in option.requires if r.upload})
                )
    return edges
