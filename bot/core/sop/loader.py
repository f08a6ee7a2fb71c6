"""Read one SOP definition file (YAML) into a validated, immutable `SopSpec`.

The file is parsed with ruamel.yaml's round-trip loader because it keeps the line of every key and
list item: an office's IT staff fixing a file need "baris 42, langkah tkksd_bahas: ..." rather
than a stack trace. All problems are collected and raised together in one `SopFileError`:
structural ones here (syntax, duplicate or unknown keys, wrong types, missing fields), then the
graph and cross-reference checks of `bot.core.sop.validate`.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from bot.core.sop.duration import parse_time_standard
from bot.core.sop.fingerprint import fingerprint
from bot.core.sop.spec import (
    Decision,
    DocumentKind,
    Header,
    Intake,
    Kind,
    Option,
    Outcome,
    Reminders,
    Requirement,
    Role,
    SopSpec,
    Step,
    Target,
    TimeStandard,
    Transition,
)

# Where each field was written, for problems found after the spec is built:
# ("step", key, "actors") -> 1-based line. See `validate.validate`.
LineIndex = dict[tuple[str, ...], int]

_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_MAX_KEY = 48  # keys end up in callback data and database rows: keep them short


@dataclass(frozen=True)
class SopProblem:
    """One thing wrong with an SOP file; `line` is 1-based, `step` the step key if any."""

    file: str
    line: int | None
    step: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        step = f" [langkah {self.step}]" if self.step else ""
        return f"{where}:{step} {self.message}"


class SopFileError(Exception):
    """An SOP file that cannot be used; `problems` lists every problem found."""

    def __init__(self, problems: Sequence[SopProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def load_sop(path: str | Path) -> SopSpec:
    """Load and validate one SOP file; raises SopFileError listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SopFileError(
            [SopProblem(str(path), None, None, f"tidak dapat dibaca: {exc}")]
        ) from exc
    return load_sop_text(text, str(path))


def load_sop_text(text: str, file: str = "<sop>") -> SopSpec:
    """As `load_sop`, from text already read; `file` names it in problems."""
    # Imported here: validate.py imports SopProblem from this module.
    from bot.core.sop.validate import validate

    data, duplicates = _parse(text, file)
    reader = _Reader(file)
    reader.problems.extend(duplicates)
    spec = reader.sop(data, file)
    problems = reader.problems
    if spec is not None:
        problems = problems + validate(spec, file, reader.lines)
    if problems:
        raise SopFileError(sorted(problems, key=lambda p: p.line or 0))
    assert spec is not None
    return dataclasses.replace(spec, source=text, fingerprint=fingerprint(data))


class _Constructor(RoundTripConstructor):
    """Records every duplicate key (keeping the first value) instead of stopping at the first."""

    duplicates: list[tuple[int, str]]

    def check_mapping_key(
        self, node: Any, key_node: Any, mapping: Any, key: Any, value: Any
    ) -> bool:
        if key in mapping:
            self.duplicates.append((key_node.start_mark.line + 1, str(key)))
            return False
        return True


def _parse(text: str, file: str) -> tuple[Any, list[SopProblem]]:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    constructor = yaml.constructor
    assert isinstance(constructor, _Constructor)
    constructor.duplicates = []
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = " ".join(str(m) for m in (exc.context, exc.problem) if m)
        raise SopFileError([SopProblem(file, line, None, f"YAML tidak sah: {message}")]) from exc
    except YAMLError as exc:
        raise SopFileError([SopProblem(file, None, None, f"YAML tidak sah: {exc}")]) from exc
    duplicates = [
        SopProblem(file, line, None, f"kunci {key!r} ditulis dua kali (yang pertama dipakai)")
        for line, key in constructor.duplicates
    ]
    return data, duplicates


def _line(node: Any, default: int) -> int:
    return int(node.lc.line) + 1 if isinstance(node, CommentedMap | CommentedSeq) else default


def _key_line(m: CommentedMap, key: str) -> int:
    return int(m.lc.key(key)[0]) + 1


def _item_line(seq: CommentedSeq, index: int) -> int:
    return int(seq.lc.item(index)[0]) + 1


_TOP = {"code": True, "version": True, "short_code": False, "header": True, "kinds": False}
_TOP |= {"roles": True, "documents": False, "intake": True, "outcomes": True, "steps": True}
_TOP |= {"reminders": False}
_HEADER = {"institution": True, "number": True, "name": True}
_HEADER |= dict.fromkeys(("unit", "made_on", "revised_on", "effective_on", "approved_by"), False)
_HEADER |= dict.fromkeys(("legal_basis", "qualifications", "related_sops", "equipment"), False)
_HEADER |= dict.fromkeys(("warning", "records", "note"), False)
_SCHEMAS = {
    "kinds": {"title": True},
    "documents": {"title": True},
    "roles": {"title": True, "superior": False, "oversees": False},
    "outcomes": {"title": True, "notify": False},
}
_INTAKE = {"registrars": True, "document": False, "origin_role": False, "number_format": False}
_STEP = {"key": True, "number": True, "source": False, "activity": True, "actors": True}
_STEP |= {"completion": False, "requires": False, "time": True, "output": False}
_STEP |= {"on_approve": False, "on_reject": False, "decision": False}
_TRANSITION = {"to": False, "end": False, "notify": False, "verdict": False}
_DECISION = {"question": True, "options": True}
_OPTION = {"key": True, "label": True, "kinds": False, "requires": False}
_OPTION |= {"note_required": False, "notify": False, "verdict": False, "to": False, "end": False}
_REQUIREMENT = {"document": True, "upload": False}
_REMINDERS = {"enabled": False, "repeat": False, "escalate_after": False}


class _Fields:
    """One YAML mapping being read, with how to name it in problems (e.g. "langkah")."""

    def __init__(self, reader: _Reader, m: CommentedMap, what: str, step: str | None) -> None:
        self.reader, self.m, self.what, self.step = reader, m, what, step

    def __contains__(self, key: str) -> bool:
        return key in self.m

    def get(self, key: str, default: Any = None) -> Any:
        return self.m.get(key, default)

    def line(self, key: str) -> int:
        return _key_line(self.m, key)

    def add(self, key: str, message: str) -> None:
        self.reader.add(self.line(key), f"{self.what}: {message}", self.step)

    def record(self, address: tuple[str, ...], *keys: str) -> None:
        for key in keys:
            if key in self.m:
                self.reader.lines[(*address, key)] = self.line(key)

    def text(self, key: str, *, key_like: bool = False) -> str | None:
        """A non-empty string, or None when absent or null (a missing field is reported apart)."""
        value = self.m.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(key, f"{key!r} harus berupa teks")
            return None
        if key_like and not self.reader.check_key(value, self.line(key), self.what, self.step):
            return None
        return value.strip()

    def required_text(self, key: str) -> str:
        value = self.text(key)
        if value is None and key in self.m and self.m[key] is None:
            self.add(key, f"{key!r} tidak boleh kosong")
        return value or ""

    def texts(self, key: str, *, nonempty: bool = False) -> tuple[str, ...]:
        if key not in self.m:
            return ()
        value = self.m[key]
        if not isinstance(value, CommentedSeq) or not all(
            isinstance(v, str) and v.strip() for v in value
        ):
            self.add(key, f"{key!r} harus berupa daftar teks, misalnya [a, b]")
            return ()
        if nonempty and not value:
            self.add(key, f"{key!r} tidak boleh kosong")
        return tuple(v.strip() for v in value)

    def flag(self, key: str) -> bool:
        value = self.m.get(key, False)
        if not isinstance(value, bool):
            self.add(key, f"{key!r} harus true atau false")
            return False
        return value

    def seq(self, key: str) -> CommentedSeq:
        """A list of items (mappings, read by the caller); empty when absent or not a list."""
        value = self.m.get(key)
        if value is not None and not isinstance(value, CommentedSeq):
            self.add(key, f"{key!r} harus berupa daftar")
        return value if isinstance(value, CommentedSeq) else CommentedSeq()


class _Reader:
    """Turns the parsed YAML tree into spec objects, noting problems instead of stopping."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[SopProblem] = []
        self.lines: LineIndex = {}

    def add(self, line: int | None, message: str, step: str | None = None) -> None:
        self.problems.append(SopProblem(self.file, line, step, message))

    def fields(
        self, node: Any, line: int, what: str, schema: Mapping[str, bool], step: str | None = None
    ) -> _Fields | None:
        """`node` as a mapping with every required key and no unknown key (typos)."""
        if not isinstance(node, CommentedMap):
            self.add(line, f"{what} harus berupa mapping (kunci: nilai)", step)
            return None
        for key in node:
            if key not in schema:
                close = difflib.get_close_matches(str(key), list(schema), n=1)
                hint = f" (maksudnya {close[0]!r}?)" if close else ""
                self.add(_key_line(node, key), f"{what}: kolom tidak dikenal {key!r}{hint}", step)
        for key, required in schema.items():
            if required and key not in node:
                self.add(_line(node, line), f"{what}: kolom wajib {key!r} tidak ada", step)
        return _Fields(self, node, what, step)

    def check_key(self, key: Any, line: int, what: str, step: str | None = None) -> bool:
        if isinstance(key, str) and _KEY.fullmatch(key) and len(key) <= _MAX_KEY:
            return True
        rule = f"huruf, angka dan _, diawali huruf, paling panjang {_MAX_KEY}"
        self.add(line, f"{what}: {key!r} bukan kunci yang sah ({rule})", step)
        return False

    def keyed(self, top: _Fields, key: str, what: str) -> list[tuple[str, _Fields, int]]:
        """A mapping of key -> mapping (kinds, roles, documents, outcomes), each checked."""
        node = top.get(key)
        if node is None:
            return []
        if not isinstance(node, CommentedMap):
            top.add(key, f"{key!r} harus berupa mapping kunci -> {{title: ...}}")
            return []
        schema = _SCHEMAS[key]
        found = []
        for name, value in node.items():
            line = _key_line(node, name)
            fields = self.fields(value, line, f"{what} {name!r}", schema)
            if self.check_key(name, line, what) and fields is not None:
                fields.record((key, str(name)), *schema)
                found.append((str(name), fields, line))
        return found

    # -- the SOP -------------------------------------------------------------------------

    def sop(self, data: Any, file: str) -> SopSpec | None:
        top = self.fields(data, 1, "berkas SOP", _TOP)
        if top is None:
            return None
        version = top.get("version")
        if version is not None and not isinstance(version, str):
            # As a number, 2020.10 would silently become 2020.1.
            self.add(top.line("version"), f'version harus teks: tulis version: "{version}"')
            version = str(version)
        return SopSpec(
            code=top.text("code", key_like=True) or "",
            version=version.strip() if version else top.required_text("version"),
            short_code=top.text("short_code"),
            header=self.header(top),
            kinds={
                k: Kind(k, f.required_text("title"), n)
                for k, f, n in self.keyed(top, "kinds", "jenis usulan")
            },
            roles={
                k: Role(k, f.required_text("title"), f.text("superior"), n, f.flag("oversees"))
                for k, f, n in self.keyed(top, "roles", "peran")
            },
            documents={
                k: DocumentKind(k, f.required_text("title"), n)
                for k, f, n in self.keyed(top, "documents", "dokumen")
            },
            intake=self.intake(top),
            outcomes={
                k: Outcome(k, f.required_text("title"), f.texts("notify"), n)
                for k, f, n in self.keyed(top, "outcomes", "hasil")
            },
            steps=self.steps(top),
            reminders=self.reminders(top),
            path=file,
        )

    def header(self, top: _Fields) -> Header:
        h = (
            self.fields(top.get("header"), top.line("header"), "header", _HEADER)
            if "header" in top
            else None
        )
        if h is None:
            return Header(institution="", number="", name="")
        return Header(
            institution=h.required_text("institution"),
            number=h.required_text("number"),
            name=h.required_text("name"),
            unit=h.text("unit"),
            made_on=h.text("made_on"),
            revised_on=h.text("revised_on"),
            effective_on=h.text("effective_on"),
            approved_by=h.text("approved_by"),
            legal_basis=h.texts("legal_basis"),
            qualifications=h.texts("qualifications"),
            related_sops=h.texts("related_sops"),
            equipment=h.texts("equipment"),
            warning=h.text("warning"),
            records=h.texts("records"),
            note=h.text("note"),
        )

    def intake(self, top: _Fields) -> Intake:
        line = top.line("intake") if "intake" in top else 1
        i = self.fields(top.get("intake"), line, "intake", _INTAKE) if "intake" in top else None
        if i is None:
            return Intake(registrars=(), line=line)
        i.record(("intake",), "registrars", "document", "origin_role")
        number_format = i.text("number_format")
        if number_format is not None:
            try:
                number_format.format(seq=1, code="X", year=2020)
            except (KeyError, IndexError, ValueError) as exc:
                available = "{seq}, {code}, {year}"
                i.add(
                    "number_format",
                    f"'number_format' tidak sah ({exc!r}); yang tersedia: {available}",
                )
                number_format = None
        return Intake(
            registrars=i.texts("registrars", nonempty=True),
            document=i.text("document"),
            origin_role=i.text("origin_role"),
            number_format=number_format or Intake.number_format,
            line=line,
        )

    def reminders(self, top: _Fields) -> Reminders:
        if "reminders" not in top:
            return Reminders()
        line = top.line("reminders")
        r = self.fields(top.get("reminders"), line, "reminders", _REMINDERS)
        if r is None:
            return Reminders()
        r.record(("reminders",), *_REMINDERS)
        repeat = None
        if r.get("repeat") is not None:
            written = r.get("repeat")
            try:
                if not isinstance(written, str):
                    raise ValueError(f"waktu {written!r} tanpa satuan: tulis '{written} menit'")
                standard = parse_time_standard(written)
                if not standard.target_minutes or standard.limit_minutes is not None:
                    raise ValueError(f"tulis satu lama waktu, misalnya '60 menit': {written!r}")
                repeat = standard.target_minutes
            except ValueError as exc:
                r.add("repeat", f"'repeat': {exc}")
        escalate = r.get("escalate_after")
        if escalate is not None and (
            not isinstance(escalate, int) or isinstance(escalate, bool) or escalate < 0
        ):
            r.add("escalate_after", "'escalate_after' harus bilangan bulat ≥ 0 (0: tidak pernah)")
            escalate = None
        return Reminders(
            enabled=r.flag("enabled") if "enabled" in r else True,
            repeat_minutes=repeat,
            escalate_after=escalate,
            line=line,
        )

    # -- steps ---------------------------------------------------------------------------

    def steps(self, top: _Fields) -> tuple[Step, ...]:
        node = top.seq("steps")
        found = (self.step(item, _item_line(node, i)) for i, item in enumerate(node))
        return tuple(step for step in found if step is not None)

    def step(self, node: Any, line: int) -> Step | None:
        raw_key = node.get("key") if isinstance(node, CommentedMap) else None
        key = raw_key if isinstance(raw_key, str) else None
        s = self.fields(node, line, "langkah", _STEP, key)
        # A step without a usable key is left out: nothing can refer to it anyway.
        if (
            s is None
            or "key" not in s
            or not self.check_key(raw_key, s.line("key"), "langkah", key)
        ):
            return None
        assert key is not None
        s.record(("step", key), "actors", "number", "completion", "time")
        number = s.get("number")
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            if "number" in s:
                s.add("number", "'number' harus bilangan bulat ≥ 1")
            number = 0
        completion = s.get("completion", "all")
        if completion not in ("all", "any"):
            s.add("completion", "'completion' harus all atau any")
        return Step(
            key=key,
            number=number,
            activity=s.required_text("activity"),
            actors=s.texts("actors", nonempty=True),
            time=self.time(s),
            completion="any" if completion == "any" else "all",
            requires=self.requirements(s),
            output=s.text("output"),
            on_approve=self.transition(s, "on_approve", key),
            on_reject=self.transition(s, "on_reject", key),
            decision=self.decision(s, key),
            source=s.text("source"),
            line=line,
        )

    def time(self, s: _Fields) -> TimeStandard:
        value = s.get("time")
        try:
            if value is not None and not isinstance(value, str):
                raise ValueError(f"waktu {value!r} tanpa satuan: tulis '{value} menit'")
            return parse_time_standard(value)
        except ValueError as exc:
            self.add(s.line("time"), str(exc), s.step)
            return TimeStandard(text=None, target_minutes=None)

    def requirements(self, owner: _Fields) -> tuple[Requirement, ...]:
        node = owner.seq("requires")
        found = []
        for i, item in enumerate(node):
            line = _item_line(node, i)
            r = self.fields(item, line, "requires", _REQUIREMENT, owner.step)
            if r is not None and (document := r.text("document")):
                found.append(Requirement(document, r.flag("upload"), line))
        return tuple(found)

    def target(self, f: _Fields, line: int) -> Target | None:
        to, end = f.text("to"), f.text("end")
        if (to is None) == (end is None):
            self.add(
                line, f"{f.what}: tulis tepat satu dari 'to: LANGKAH' atau 'end: HASIL'", f.step
            )
            return None
        return Target(step=to, end=end)

    def transition(self, s: _Fields, name: str, step: str) -> Transition | None:
        if name not in s:
            return None
        line = s.line(name)
        t = self.fields(s.get(name), line, name, _TRANSITION, step)
        target = self.target(t, line) if t is not None else None
        if t is None or target is None:
            return None
        t.record((name, step), "notify")
        return Transition(target, t.texts("notify"), t.text("verdict"), line)

    def decision(self, s: _Fields, step: str) -> Decision | None:
        if "decision" not in s:
            return None
        line = s.line("decision")
        d = self.fields(s.get("decision"), line, "decision", _DECISION, step)
        if d is None:
            return None
        node = d.seq("options")
        options: list[Option] = []
        for i, item in enumerate(node):
            if (option := self.option(item, _item_line(node, i), step)) is not None:
                options.append(option)
        return Decision(d.required_text("question"), tuple(options), line)

    def option(self, node: Any, line: int, step: str) -> Option | None:
        o = self.fields(node, line, "pilihan", _OPTION, step)
        if o is None:
            return None
        key = o.text("key", key_like=True)
        o.what = f"pilihan {key!r}" if key else o.what
        target = self.target(o, line)
        if key is None or target is None:
            return None
        o.record(("option", step, key), "kinds", "notify")
        return Option(
            key=key,
            label=o.required_text("label"),
            target=target,
            kinds=o.texts("kinds"),
            requires=self.requirements(o),
            note_required=o.flag("note_required"),
            notify=o.texts("notify"),
            verdict=o.text("verdict"),
            line=line,
        )
