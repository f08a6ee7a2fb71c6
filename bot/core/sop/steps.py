"""Reading the `steps:` list of an SOP file: each step, its time, required documents, and where
it leads (transitions, or a decision's options).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from bot.core.paths import data_dir
from bot.core.sop.duration import parse_time_standard
from bot.core.sop.fields import Fields, Reader
from bot.core.sop.schema import schema
from bot.core.sop.spec import (
    TITLE_LIMIT,
    Decision,
    Disposition,
    Instruction,
    Letter,
    Option,
    Requirement,
    Step,
    Target,
    TimeStandard,
    Transition,
)
from bot.core.sop.words import say
from bot.core.sop.yamlfile import item_line


def steps(r: Reader, top: Fields) -> tuple[Step, ...]:
    node = top.seq("steps")
    found = (_step(r, item, item_line(node, i)) for i, item in enumerate(node))
    return tuple(s for s in found if s is not None)


def _step(r: Reader, node: Any, line: int) -> Step | None:
    raw_key = node.get("key") if isinstance(node, CommentedMap) else None
    key = raw_key if isinstance(raw_key, str) else None
    what = say("what_step")
    s = r.fields(node, line, what, schema(Step), key)
    # A step without a usable key is left out: nothing can refer to it anyway.
    if s is None or "key" not in s or not r.check_key(raw_key, s.line("key"), what, key):
        return None
    assert key is not None
    s.record(("step", key), "actors", "actor_from", "number", "completion", "time")
    number = s.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        if "number" in s:
            s.add("number", say("bad_step_number"))
        number = 0
    completion = s.get("completion", "all")
    if completion not in ("all", "any"):
        s.add("completion", say("bad_completion"))
    if ("actors" in s) == ("actor_from" in s):
        s.add("actors" if "actors" in s else "key", say("actors_or_actor_from"))
    return Step(
        key=key,
        number=number,
        activity=s.required_text("activity"),
        actors=s.texts("actors", nonempty=True),
        actor_from=s.text("actor_from", key_like=True),
        time=_time(r, s),
        completion="any" if completion == "any" else "all",
        requires=_requirements(r, s),
        output=s.text("output"),
        on_approve=_transition(r, s, "on_approve", line),
        on_reject=_transition(r, s, "on_reject", line),
        decision=_decision(r, s, line),
        disposition=_disposition(r, s),
        source=s.text("source"),
        title=_title(s),
        letter=_letter(r, s),
        line=line,
    )


def _title(s: Fields) -> str | None:
    title = s.text("title")
    if title is not None and len(title) > TITLE_LIMIT:
        s.add("title", say("title_too_long", length=len(title), longest=TITLE_LIMIT))
        return None
    return title


def _letter(r: Reader, s: Fields) -> Letter | None:
    """`letter: {template: letters/x.docx, document: key}`: the template is read now, relative
    to the SOP file, and tried (`bot.core.sop.letters.problem`); the document is checked with the
    step's references (`validate`)."""
    if "letter" not in s:
        return None
    line = s.line("letter")
    f = r.fields(s.get("letter"), line, "letter", schema(Letter), s.step)
    if f is None:
        return None
    f.record(("letter", s.step or ""), "template", "document")
    template, document = f.text("template"), f.text("document", key_like=True)
    if template is None or document is None:
        return None
    content = _template(f, template)
    if content is None:
        return None
    return Letter(template, document, line, content, hashlib.sha256(content).hexdigest())


def _template(f: Fields, written: str) -> bytes | None:
    """The template's bytes, or None with the problem noted at its line."""
    from bot.core.sop import letters  # docxtpl only for SOPs that have letters

    if Path(written).suffix.lower() != ".docx":
        f.add("template", say("letter_not_docx_name", file=written))
        return None
    if Path(written).is_absolute() or ".." in Path(written).parts:
        # kept with the SOP: a file from elsewhere on the server is not the office's template,
        # and a copy of the SOP (demo --sop, another SOP_DIR) would not find it
        f.add("template", say("letter_outside_folder", file=written))
        return None
    folders = template_folders(f.reader.file)
    path = next((p / written for p in folders if (p / written).is_file()), None)
    if path is None:
        shown = " " + say("letter_or") + " "
        f.add("template", say("letter_missing", file=written, folder=shown.join(map(str, folders))))
        return None
    try:
        content = path.read_bytes()
    except OSError as exc:
        f.add("template", say("letter_unreadable", file=written, error=exc.strerror or exc))
        return None
    why = letters.problem(content)
    if why is not None:
        f.add("template", say("letter_refused", file=written, why=why))
        return None
    return content


def template_folders(sop_file: str) -> list[Path]:
    """Where a letter's template is looked for, in turn: beside the SOP file, then among the
    bot's own SOPs, so that a copy of the seed elsewhere (a `SOP_DIR` of the office's) keeps
    the seed's letters until the office puts its own beside it."""
    found = [Path(sop_file).parent, data_dir("sops")]
    return [p for i, p in enumerate(found) if p.resolve() not in {q.resolve() for q in found[:i]}]


def _time(r: Reader, s: Fields) -> TimeStandard:
    value = s.get("time")
    try:
        if value is not None and not isinstance(value, str):
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                raise ValueError(say("negative_number_time", value=value, positive=-value))
            raise ValueError(say("no_unit", value=value))
        return parse_time_standard(value)
    except ValueError as exc:
        r.add(s.line("time"), str(exc), s.step)
        return TimeStandard(text=None, target_minutes=None)


def _requirements(r: Reader, owner: Fields) -> tuple[Requirement, ...]:
    node = owner.seq("requires")
    found = []
    for i, item in enumerate(node):
        line = item_line(node, i)
        f = r.fields(item, line, "requires", schema(Requirement), owner.step)
        if f is not None and (document := f.text("document")):
            found.append(Requirement(document, f.flag("upload"), line))
    return tuple(found)


def _target(r: Reader, f: Fields, line: int, step_line: int) -> Target | None:
    to, end = f.text("to"), f.text("end")
    if (to is None) == (end is None):
        problem = r.add(line, say("one_target", what=f.what), f.step)
        r.unread_exits.append((step_line, to, problem))
        return None
    return Target(step=to, end=end)


def _transition(r: Reader, s: Fields, name: str, step_line: int) -> Transition | None:
    if name not in s:
        return None
    line = s.line(name)
    node = s.get(name)
    if isinstance(node, str) and node.strip():  # "on_approve: next_step", without "to:"
        problem = s.add(name, say("transition_is_text", what=name, target=node.strip()))
        r.unread_exits.append((step_line, node.strip(), problem))
        return None
    t = r.fields(node, line, name, schema(Transition), s.step)
    if t is None:
        r.unread_exits.append((step_line, None, r.problems[-1]))
        return None
    target = _target(r, t, line, step_line)
    if target is None:
        return None
    t.record((name, s.step or ""), "notify")
    return Transition(target, t.texts("notify"), t.text("verdict"), line)


def _decision(r: Reader, s: Fields, step_line: int) -> Decision | None:
    if "decision" not in s:
        return None
    line = s.line("decision")
    d = r.fields(s.get("decision"), line, "decision", schema(Decision), s.step)
    if d is None:
        r.unread_exits.append((step_line, None, r.problems[-1]))
        return None
    node = d.seq("options")
    options: list[Option] = []
    for i, item in enumerate(node):
        if (option := _option(r, item, item_line(node, i), s.step or "", step_line)) is not None:
            options.append(option)
    return Decision(d.required_text("question"), tuple(options), line)


def _option(r: Reader, node: Any, line: int, step: str, step_line: int) -> Option | None:
    o = r.fields(node, line, say("what_option"), schema(Option), step)
    if o is None:
        r.unread_exits.append((step_line, None, r.problems[-1]))
        return None
    key = o.text("key", key_like=True)
    o.what = f"{o.what} {key!r}" if key else o.what
    target = _target(r, o, line, step_line)
    if key is None or target is None:
        return None
    o.record(("option", step, key), "kinds", "notify")
    return Option(
        key=key,
        label=o.required_text("label"),
        target=target,
        kinds=o.texts("kinds"),
        requires=_requirements(r, o),
        note_required=o.flag("note_required"),
        notify=o.texts("notify"),
        verdict=o.text("verdict"),
        line=line,
    )


def _disposition(r: Reader, s: Fields) -> Disposition | None:
    if "disposition" not in s:
        return None
    line = s.line("disposition")
    d = r.fields(s.get("disposition"), line, "disposition", schema(Disposition), s.step)
    if d is None:
        return None
    d.record(("disposition", s.step or ""), "to", "instructions")
    node = d.seq("instructions")
    found = []
    for i, item in enumerate(node):
        at = item_line(node, i)
        f = r.fields(item, at, say("what_instruction"), schema(Instruction), s.step)
        if f is not None and (key := f.text("key", key_like=True)) is not None:
            found.append(Instruction(key, f.required_text("label"), f.flag("informs"), at))
    on_inform = _transition(r, d, "on_inform", s.line("key"))
    return Disposition(d.texts("to", nonempty=True), tuple(found), on_inform, line)
