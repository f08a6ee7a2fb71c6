"""Checks of an SOP's step graph: every step reachable from the first, an outcome reachable from
every step, and every document a step expects already there on every path to it.

Each check walks the steps to a fixed point and reports through `add(line, message, step)`;
`bot.core.sop.validate` runs them once the references are checked.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.core.sop.spec import SopSpec, Step
from bot.core.sop.words import say

Add = Callable[[int | None, str, str | None], None]


def check_graph(spec: SopSpec, steps: dict[str, Step], add: Add) -> None:
    """Steps the first cannot reach, and steps from which no outcome can be reached."""
    first = spec.first_step
    reached = {first.key}
    todo = [first]
    while todo:
        for target in todo.pop().targets():
            if target.step in steps and target.step not in reached:
                reached.add(target.step)
                todo.append(steps[target.step])
    for key, step in steps.items():
        if key not in reached:
            add(step.line, say("unreachable", first=first.key), key)

    # Steps from which some known outcome can be reached, grown to a fixed point.
    ending: set[str] = set()
    changed = True
    while changed:
        changed = False
        for key, step in steps.items():
            if key not in ending and any(
                t.end in spec.outcomes or t.step in ending for t in step.targets()
            ):
                ending.add(key)
                changed = True
    for key, step in steps.items():
        if key in ending or not step.targets():  # no way out at all: reported already
            continue
        if key == first.key:
            add(step.line, say("no_outcome_from_first"), key)
        else:
            add(step.line, say("no_outcome_from_step"), key)


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
