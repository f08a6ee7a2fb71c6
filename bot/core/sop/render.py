"""An SOP spec shown back to people: a terminal table of the "Mutu Baku" and a Mermaid flowchart.

The flowchart uses the Permenpan RB 35/2012 symbols: terminator (stadium), process (rectangle),
decision (rhombus), off-page connector (pentagon, Mermaid v11 `@{ shape: off-page }`) where the
flow goes back to an earlier step, and arrows for the flow lines.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence

from bot.core.sop.duration import format_day_standard, format_minutes
from bot.core.sop.spec import Option, Requirement, SopSpec, Step, Target
from bot.core.sop.words import say

_DASHES = re.compile(r"\s*[-–—]\s*")


# -- table ------------------------------------------------------------------------------


def steps_table(spec: SopSpec, default_minutes: int) -> str:
    """The steps as a plain-text table: who, time standard, required inputs, output, next.

    `default_minutes` is the configured time for steps the SOP gives none, shown as such.
    """
    rows = [
        [
            str(step.number),
            actor_titles(spec, step),
            _time(step, default_minutes),
            "\n".join(_requirement(spec, r) for r in step.requires) or "—",
            step.output or "—",
            "\n".join(_next(spec, step)),
        ]
        for step in spec.steps
    ]
    columns = _columns()
    widths = [
        min(cap, max([len(title)] + [len(line) for row in rows for line in row[i].splitlines()]))
        for i, (title, cap) in enumerate(columns)
    ]
    rule = "  ".join("─" * w for w in widths)
    lines = [f"{spec.header.name} ({spec.code} v{spec.version})", ""]
    lines += [*_table_row([title for title, _ in columns], widths), rule]
    for row in rows:
        lines += [*_table_row(row, widths), rule]
    lines += [say("upload_legend"), _total(spec, default_minutes)]
    return "\n".join(lines)


def _columns() -> tuple[tuple[str, int], ...]:
    """The table's columns: title and widest width."""
    return (
        (say("column_number"), 3),
        (say("column_actors"), 24),
        (say("column_time"), 20),
        (say("column_requires"), 24),
        (say("column_output"), 13),
        (say("column_next"), 36),
    )


def actor_titles(spec: SopSpec, step: Step) -> str:
    """ "Gubernur", or "semua: A; B" / "salah satu: A; B" when several officials act."""
    titles = spec.actor_titles(step)
    named = spec.intake.asks(step.actor_from or "")
    if named is not None:  # the person intake names: which roles they are chosen among
        roles = "; ".join(spec.roles[r].title if r in spec.roles else r for r in named.roles)
        return say("actors_named", field=named.label, roles=roles)
    if step.actor_from is not None:
        if step.completion == "all":
            return say("actors_disposed_all", actors="; ".join(titles))
        return say("actors_disposed_any", actors="; ".join(titles))
    if len(titles) == 1:
        return titles[0]
    if step.completion == "all":
        return say("actors_all", actors="; ".join(titles))
    return say("actors_any", actors="; ".join(titles))


def _table_row(cells: Sequence[str], widths: Sequence[int]) -> list[str]:
    wrapped = [
        [piece for line in cell.splitlines() for piece in textwrap.wrap(line, w) or [""]]
        for cell, w in zip(cells, widths, strict=True)
    ]
    height = max(len(c) for c in wrapped)
    return [
        "  ".join(
            (c[i] if i < len(c) else "").ljust(w) for c, w in zip(wrapped, widths, strict=True)
        ).rstrip()
        for i in range(height)
    ]


def _time(step: Step, default_minutes: int) -> str:
    if step.time.in_days and step.time.text:
        # As written, and what it is counted as where the words differ ("2 minggu").
        words = format_day_standard(step.time)
        same = words.lower() == _DASHES.sub("–", step.time.text.lower())
        return step.time.text if same else say("time_as_counted", text=step.time.text, words=words)
    if step.time.given and step.time.text:
        return step.time.text
    return say("time_not_given", minutes=default_minutes)


def _requirement(spec: SopSpec, req: Requirement) -> str:
    doc = spec.documents.get(req.document)
    title = doc.title if doc else req.document
    return f"✓ {title}" if req.upload else title


def _target(spec: SopSpec, target: Target) -> str:
    if target.step is not None:
        number = next((s.number for s in spec.steps if s.key == target.step), None)
        return str(number) if number is not None else target.step
    assert target.end is not None
    outcome = spec.outcomes.get(target.end)
    return say("to_outcome", outcome=outcome.title if outcome else target.end)


def _next(spec: SopSpec, step: Step) -> list[str]:
    found: list[str] = []
    if step.decision is not None:
        found += [
            f"{o.label} → {_target(spec, o.target)}{_uploads(spec, o)}"
            for o in step.decision.options
        ]
    both = step.on_approve is not None and step.on_reject is not None
    if step.on_approve is not None:
        yes = f"{say('answer_yes')} " if both else ""
        if step.disposition is not None:
            yes = f"{say('answer_disposed')} "
        found.append(f"{yes}→ {_target(spec, step.on_approve.target)}")
    inform = step.disposition.on_inform if step.disposition else None
    if inform is not None:
        found.append(f"{say('answer_informed')} → {_target(spec, inform.target)}")
    if step.on_reject is not None:
        found.append(f"{say('answer_no')} → {_target(spec, step.on_reject.target)}")
    return found or ["—"]


def _uploads(spec: SopSpec, option: Option) -> str:
    uploads = [_requirement(spec, r) for r in option.requires if r.upload]
    return f" [{', '.join(uploads)}]" if uploads else ""


def _total(spec: SopSpec, default_minutes: int) -> str:
    """Sum of the time standards (a range counts with its limit), as in SOP.md; the steps in
    working days are summed apart, since a working day is not a number of minutes."""
    timed = [s.time.limit_minutes or s.time.target_minutes or 0 for s in spec.steps if s.time.given]
    days = sum(s.time.limit_days or s.time.target_days or 0 for s in spec.steps)
    untimed = len(spec.steps) - len(timed)
    total = sum(timed)
    line = say("total_time", minutes=total) if total else ""
    if total >= 60:
        line += f" ({format_minutes(total)})"
    if days:
        line += say("total_days_too", days=days) if total else say("total_days", days=days)
    if untimed:
        line += "; " + say("untimed_steps", count=untimed, minutes=default_minutes)
    return line.lstrip("; ")


# -- Mermaid ----------------------------------------------------------------------------


def mermaid(spec: SopSpec) -> str:
    """A Mermaid `flowchart TD` of the SOP (needs Mermaid ≥ 11.3 for the connector shape)."""
    order = {step.key: i for i, step in enumerate(spec.steps)}
    out = ["flowchart TD", f'    start(["{_escape(say("chart_start"))}"])']
    if spec.steps:
        out.append(f"    start --> {_step_id(spec.first_step.key)}")
    connectors = 0

    def edge(source: Step, node: str, target: Target, label: str | None) -> None:
        nonlocal connectors
        arrow = f"-->|{_edge_label(label)}|" if label else "-->"
        if target.end is not None:
            out.append(f"    {node} {arrow} {_outcome_id(target.end)}")
        elif target.step in order and order[target.step] > order[source.key]:
            out.append(f"    {node} {arrow} {_step_id(target.step)}")
        else:  # back to an earlier step (or unknown): a connector pair keeps the chart readable
            connectors += 1
            to = _target(spec, target)
            label = _escape(say("chart_to", target=to))
            out.append(f'    c{connectors}@{{ shape: off-page, label: "{label}" }}')
            out.append(f"    {node} {arrow} c{connectors}")
            label = _escape(say("chart_from", number=source.number))
            out.append(f'    c{connectors}i@{{ shape: off-page, label: "{label}" }}')
            out.append(f"    c{connectors}i --> {_step_id(target.step or '')}")

    for step in spec.steps:
        node = _step_id(step.key)
        out.append(f'    {node}["{_escape(_process_label(spec, step))}"]')
        if step.decision is not None:
            question = f"d_{step.key}"
            out.append(f'    {question}{{"{_escape(step.decision.question)}"}}')
            out.append(f"    {node} --> {question}")
            for option in step.decision.options:
                edge(step, question, option.target, option.label)
        both = step.on_approve is not None and step.on_reject is not None
        if step.on_approve is not None:
            label = say("answer_yes") if both else None
            edge(
                step,
                node,
                step.on_approve.target,
                say("answer_disposed") if step.disposition else label,
            )
        if step.disposition is not None and step.disposition.on_inform is not None:
            edge(step, node, step.disposition.on_inform.target, say("answer_informed"))
        if step.on_reject is not None:
            edge(step, node, step.on_reject.target, say("answer_no"))
    for outcome in spec.outcomes.values():
        out.append(f'    {_outcome_id(outcome.key)}(["{_escape(outcome.title)}"])')
    return "\n".join(out) + "\n"


def _step_id(key: str) -> str:
    # Prefixed: a bare "end" would be a Mermaid keyword.
    return f"s_{key}"


def _outcome_id(key: str) -> str:
    # Not "o_": after an arrow, a leading "o" or "x" can be read as a circle/cross edge.
    return f"t_{key}"


def _process_label(spec: SopSpec, step: Step) -> str:
    actors = (" & " if step.completion == "all" else " / ").join(spec.actor_titles(step))
    # The step's title as every message shows it (its activity's start without one).
    return f"{step.number}. {actors}: {step.short_title}"


def _escape(text: str) -> str:
    """Text safe inside a quoted Mermaid label (entity codes, as Mermaid documents)."""
    return text.replace("#", "#35;").replace('"', "#quot;").replace("|", "#124;")


def _edge_label(text: str) -> str:
    return f'"{_escape(text)}"'
