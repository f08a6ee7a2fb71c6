"""Read one SOP definition file (YAML) into a validated, immutable `SopSpec`.

The file is parsed keeping the line of every key and list item (`bot.core.sop.yamlfile`): an
office's IT staff fixing a file need "baris 42, langkah tkksd_bahas: ..." rather than a stack
trace. All problems are collected and raised together in one `SopFileError`: structural ones
while reading (syntax, duplicate or unknown keys, wrong types, missing fields: here, in
`bot.core.sop.fields` and `bot.core.sop.steps`), then the graph and cross-reference checks of
`bot.core.sop.validate`.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path
from typing import Any

from bot.core import commands
from bot.core.sop.duration import parse_time_standard
from bot.core.sop.fields import Fields, Reader
from bot.core.sop.fingerprint import fingerprint
from bot.core.sop.problems import FILE, LineIndex, SopFileError, SopProblem, in_order
from bot.core.sop.schema import file_name, is_required, schema, written_fields
from bot.core.sop.spec import (
    FIELD_TYPES,
    SCHEDULES,
    Case,
    DocumentKind,
    Grades,
    Header,
    Intake,
    IntakeField,
    Kind,
    Level,
    Monitoring,
    Outcome,
    Reminders,
    Role,
    SopSpec,
)
from bot.core.sop.steps import steps
from bot.core.sop.validate import validate
from bot.core.sop.words import say
from bot.core.sop.yamlfile import item_line, parse

__all__ = ["LineIndex", "SopFileError", "SopProblem", "load_sop", "load_sop_text"]


def load_sop(path: str | Path) -> SopSpec:
    """Load and validate one SOP file; raises SopFileError listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problem = SopProblem(str(path), None, None, _unreadable(exc), rank=FILE)
        raise SopFileError([problem]) from exc
    return load_sop_text(text, str(path))


def _unreadable(error: OSError | UnicodeDecodeError) -> str:
    """Why the file could not be read, in the author's words."""
    if isinstance(error, FileNotFoundError):
        return say("file_missing")
    if isinstance(error, IsADirectoryError):
        return say("file_is_folder")
    if isinstance(error, PermissionError):
        return say("file_not_permitted")
    if isinstance(error, UnicodeDecodeError):
        return say("file_not_utf8")
    return say("unreadable", error=error.strerror or error)


def load_sop_text(text: str, file: str = "<sop>") -> SopSpec:
    """As `load_sop`, from text already read; `file` names it in problems."""
    data, duplicates = parse(text, file)
    reader = Reader(file)
    reader.problems.extend(duplicates)
    spec = _sop(reader, data, file)
    problems = in_order(reader.problems)
    if spec is not None:
        problems = validate(spec, file, reader.lines, reader.unread_exits, reader.problems)
    if problems:
        raise SopFileError(problems)
    assert spec is not None
    return dataclasses.replace(spec, source=text, fingerprint=fingerprint(data))


def _sop(r: Reader, data: Any, file: str) -> SopSpec | None:
    top = r.fields(data, 1, say("what_file"), schema(SopSpec))
    if top is None:
        return None
    version = top.get("version")
    if version is not None and not isinstance(version, str):
        # As a number, 2020.10 would silently become 2020.1.
        r.add(top.line("version"), say("version_not_text", version=version))
        version = str(version)
    return SopSpec(
        code=top.text("code", key_like=True) or "",
        version=version.strip() if version else top.required_text("version"),
        short_code=top.text("short_code"),
        header=_header(r, top),
        kinds={
            k: Kind(k, f.required_text("title"), n)
            for k, f, n in r.keyed(top, "kinds", say("what_kind"), schema(Kind))
        },
        roles={
            k: Role(k, f.required_text("title"), f.text("superior"), n, f.flag("oversees"))
            for k, f, n in r.keyed(top, "roles", say("what_role"), schema(Role))
        },
        documents={
            k: DocumentKind(k, f.required_text("title"), n)
            for k, f, n in r.keyed(top, "documents", say("what_document"), schema(DocumentKind))
        },
        intake=_intake(r, top),
        outcomes={
            k: Outcome(k, f.required_text("title"), f.texts("notify"), n)
            for k, f, n in r.keyed(top, "outcomes", say("what_outcome"), schema(Outcome))
        },
        steps=steps(r, top),
        reminders=_reminders(r, top),
        case=_case(r, top),
        urgency=_grades(r, top, "urgency"),
        classification=_grades(r, top, "classification"),
        monitoring=_monitoring(r, top),
        path=file,
    )


def _header(r: Reader, top: Fields) -> Header:
    h = (
        r.fields(top.get("header"), top.line("header"), "header", schema(Header))
        if "header" in top
        else None
    )
    if h is None:
        return Header(institution="", number="", name="")
    # Every header field is a text or a list of texts, read in the order the dataclass declares.
    hints = typing.get_type_hints(Header)
    values: dict[str, Any] = {}
    for f in written_fields(Header):
        name, hint = file_name(f), hints[f.name]
        if hint == tuple[str, ...]:
            values[f.name] = h.texts(name)
        elif is_required(f) and hint is str:
            values[f.name] = h.required_text(name)
        elif hint == str | None:
            values[f.name] = h.text(name)
        else:
            raise TypeError(f"Header.{f.name}: must be str, str | None or tuple[str, ...]")
    return Header(**values)


def _intake(r: Reader, top: Fields) -> Intake:
    line = top.line("intake") if "intake" in top else 1
    i = r.fields(top.get("intake"), line, "intake", schema(Intake)) if "intake" in top else None
    if i is None:
        return Intake(registrars=(), line=line)
    i.record(("intake",), "registrars", "document", "origin_role", "fields")
    number_format = i.text("number_format")
    if number_format is not None:
        try:
            number_format.format(seq=1, code="X", year=2020)
        except (KeyError, IndexError, ValueError) as exc:
            i.add("number_format", say("bad_number_format", error=exc))
            number_format = None
    return Intake(
        registrars=i.texts("registrars", nonempty=True),
        document=i.text("document"),
        origin_role=i.text("origin_role"),
        number_format=number_format or Intake.number_format,
        title_label=i.text("title_label"),
        origin_label=i.text("origin_label"),
        fields=_fields(r, i),
        line=line,
    )


def _fields(r: Reader, i: Fields) -> tuple[IntakeField, ...]:
    """`intake.fields`: each declared question, its type and what the type needs."""
    node = i.seq("fields")
    found: list[IntakeField] = []
    for n, item in enumerate(node):
        line = item_line(node, n)
        f = r.fields(item, line, say("what_field"), schema(IntakeField))
        if f is None:
            continue
        key = f.text("key", key_like=True)
        kind = f.get("type", "text")
        if kind not in FIELD_TYPES:
            f.add("type", say("bad_field_type", type=kind, types=", ".join(FIELD_TYPES)))
            continue
        f.record(("field", key or ""), "roles", "document", "options")
        value = IntakeField(
            key=key or "",
            label=f.required_text("label"),
            type=kind,
            required=f.flag("required") if "required" in f else True,
            options=f.texts("options"),
            roles=f.texts("roles"),
            document=f.text("document"),
            line=line,
        )
        needs = {"choice": ("options", value.options), "official": ("roles", value.roles)}
        needs["file"] = ("document", (value.document,) if value.document else ())
        wanted = needs.get(kind)
        if wanted is not None and not wanted[1]:
            f.add("type", say("field_needs", type=kind, needs=wanted[0]))
        if key:
            found.append(value)
    return tuple(found)


def _grades(r: Reader, top: Fields, name: str) -> Grades | None:
    """`urgency:` / `classification:`: a mapping of levels, each a title and its effect."""
    if name not in top:
        return None
    line = top.line(name)
    g = r.fields(top.get(name), line, name, schema(Grades))
    if g is None:
        return None
    levels: dict[str, Level] = {}
    for key, f, n in r.keyed(g, "levels", say("what_level"), schema(Level)):
        factor = f.get("factor", 1)
        if name != "urgency" and "factor" in f:
            f.add("factor", say("factor_only_urgency"))
        if isinstance(factor, bool) or not isinstance(factor, int | float) or not 0 < factor <= 1:
            f.add("factor", say("bad_factor", value=factor))
            factor = 1
        if name != "classification" and "restricted" in f:
            f.add("restricted", say("restricted_only_classification"))
        levels[key] = Level(key, f.required_text("title"), float(factor), f.flag("restricted"), n)
    if not levels:
        g.add("levels", say("empty", field="levels"))
    return Grades(levels, g.text("label"), line)


# A Telegram bot command: 1-32 lowercase letters, digits and underscores.
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


def _case(r: Reader, top: Fields) -> Case:
    if "case" not in top:
        return Case()
    line = top.line("case")
    f = r.fields(top.get("case"), line, "case", schema(Case))
    if f is None:
        return Case(line=line)
    f.record(("case",), "noun", "command")
    command = f.text("command")
    if command is not None and not _COMMAND.fullmatch(command):
        f.add("command", say("bad_command", name=command))
        command = None
    elif command is not None and commands.taken(command):
        f.add("command", say("command_built_in", name=command, built_in=_built_in()))
        command = None
    at = f.line("command") if command is not None else 0
    return Case(noun=f.text("noun"), command=command, line=line, command_line=at)


def _built_in() -> str:
    return ", ".join(sorted(commands.BUILT_IN - commands.TAKEABLE))


def _monitoring(r: Reader, top: Fields) -> Monitoring:
    """`monitoring: {threshold: 0.8}`: the share within the standard a step needs to be
    reported "berjalan baik"."""
    if "monitoring" not in top:
        return Monitoring()
    line = top.line("monitoring")
    f = r.fields(top.get("monitoring"), line, "monitoring", schema(Monitoring))
    if f is None:
        return Monitoring(line=line)
    threshold = f.get("threshold", Monitoring.threshold)
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, int | float)
        or not 0 < threshold <= 1
    ):
        f.add("threshold", say("bad_threshold", value=threshold))
        threshold = Monitoring.threshold
    f.record(("monitoring",), "schedule", "to")
    schedule, to = _schedule(f), f.texts("to", nonempty=True)
    if "schedule" in f and "to" not in f:
        f.add("schedule", say("schedule_without_to"))
    elif "to" in f and "schedule" not in f:
        f.add("to", say("to_without_schedule"))
    return Monitoring(threshold=float(threshold), schedule=schedule, to=to, line=line)


def _schedule(f: Fields) -> str | None:
    """`schedule: bulanan | semester` (or monthly, semesteran), as what it means."""
    if "schedule" not in f:
        return None
    written = f.get("schedule")
    meant = SCHEDULES.get(written.strip().lower()) if isinstance(written, str) else None
    if meant is None:
        f.add("schedule", say("bad_schedule", value=written, known=", ".join(SCHEDULES)))
    return meant


def _reminders(r: Reader, top: Fields) -> Reminders:
    if "reminders" not in top:
        return Reminders()
    line = top.line("reminders")
    f = r.fields(top.get("reminders"), line, "reminders", schema(Reminders))
    if f is None:
        return Reminders()
    f.record(("reminders",), *schema(Reminders))
    repeat = None
    if f.get("repeat") is not None:
        written = f.get("repeat")
        try:
            if not isinstance(written, str):
                raise ValueError(say("no_unit", value=written))
            standard = parse_time_standard(written)
            if standard.in_days:
                raise ValueError(say("repeat_in_days", value=written))
            if not standard.target_minutes or standard.limit_minutes is not None:
                raise ValueError(say("not_one_duration", value=written))
            repeat = standard.target_minutes
        except ValueError as exc:
            f.add("repeat", f"'repeat': {exc}")
    escalate = f.get("escalate_after")
    if escalate is not None and (
        not isinstance(escalate, int) or isinstance(escalate, bool) or escalate < 0
    ):
        f.add("escalate_after", say("bad_escalate_after"))
        escalate = None
    return Reminders(
        enabled=f.flag("enabled") if "enabled" in f else True,
        repeat_minutes=repeat,
        escalate_after=escalate,
        line=line,
    )
