"""Read one SOP definition file (YAML) into a validated, immutable `SopSpec`.

The file is parsed with ruamel.yaml's round-trip loader because it keeps the line of every key and
list item: an office's IT staff fixing a file need "baris 42, langkah tkksd_bahas: ..." rather
than a stack trace. All problems are collected and raised together in one `SopFileError`:
structural ones here (syntax, duplicate or unknown keys, wrong types, missing fields), then the
graph and cross-reference checks of `bot.sop.validate`.
"""

from __future__ import annotations

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

from bot.sop.duration import parse_time_standard
from bot.sop.spec import (
    Completion,
    Decision,
    DocumentKind,
    Header,
    Intake,
    Kind,
    Option,
    Outcome,
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
    from bot.sop.validate import validate

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
    return spec


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
_HEADER = {"institution": True, "number": True, "name": True}
_HEADER |= dict.fromkeys(
    ("unit", "made_on", "revised_on", "effective_on", "approved_by", "warning", "note"), False
)
_HEADER_LISTS = ("legal_basis", "qualifications", "related_sops", "equipment", "records")
_HEADER |= dict.fromkeys(_HEADER_LISTS, False)
_TITLED = {"title": True}
_ROLE = {"title": True, "superior": False}
_OUTCOME = {"title": True, "notify": False}
_INTAKE = {"registrars": True, "document": False, "origin_role": False, "number_format": False}
_STEP = {"key": True, "number": True, "source": False, "activity": True, "actors": True}
_STEP |= {"completion": False, "requires": False, "time": True, "output": False}
_STEP |= {"on_approve": False, "on_reject": False, "decision": False}
_TRANSITION = {"to": False, "end": False, "notify": False, "verdict": False}
_DECISION = {"question": True, "options": True}
_OPTION = {"key": True, "label": True, "kinds": False, "requires": False}
_OPTION |= {"note_required": False, "notify": False, "verdict": False, "to": False, "end": False}
_REQUIREMENT = {"document": True, "upload": False}


class _Reader:
    """Turns the parsed YAML tree into spec objects, noting problems instead of stopping."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[SopProblem] = []
        self.lines: LineIndex = {}

    def add(self, line: int | None, message: str, step: str | None = None) -> None:
        self.problems.append(SopProblem(self.file, line, step, message))

    # -- generic checks ------------------------------------------------------------------

    def mapping(
        self, node: Any, line: int, what: str, schema: Mapping[str, bool], step: str | None = None
    ) -> CommentedMap | None:
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
        return node

    def record(self, m: CommentedMap, address: tuple[str, ...], *keys: str) -> None:
        for key in keys:
            if key in m:
                self.lines[(*address, key)] = _key_line(m, key)

    def text(
        self,
        m: CommentedMap,
        key: str,
        what: str,
        step: str | None = None,
        *,
        key_like: bool = False,
    ) -> str | None:
        """A non-empty string field, or None when absent or null (absence is checked elsewhere)."""
        value = m.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(_key_line(m, key), f"{what}: {key!r} harus berupa teks", step)
            return None
        if key_like:
            self.check_key(value, _key_line(m, key), f"{what}: {key!r}", step)
        return value.strip()

    def required_text(self, m: CommentedMap, key: str, what: str, step: str | None = None) -> str:
        value = self.text(m, key, what, step)
        if value is None and key in m and m[key] is None:
            self.add(_key_line(m, key), f"{what}: {key!r} tidak boleh kosong", step)
        return value or ""

    def texts(
        self,
        m: CommentedMap,
        key: str,
        what: str,
        step: str | None = None,
        *,
        nonempty: bool = False,
    ) -> tuple[str, ...]:
        """A list of non-empty strings."""
        value = m.get(key)
        if value is None and key not in m:
            return ()
        line = _key_line(m, key)
        if not isinstance(value, CommentedSeq) or not all(
            isinstance(v, str) and v.strip() for v in value
        ):
            self.add(line, f"{what}: {key!r} harus berupa daftar teks, misalnya [a, b]", step)
            return ()
        if nonempty and not value:
            self.add(line, f"{what}: {key!r} tidak boleh kosong", step)
        return tuple(v.strip() for v in value)

    def flag(self, m: CommentedMap, key: str, what: str, step: str | None = None) -> bool:
        value = m.get(key, False)
        if not isinstance(value, bool):
            self.add(_key_line(m, key), f"{what}: {key!r} harus true atau false", step)
            return False
        return value

    def check_key(self, key: Any, line: int, what: str, step: str | None = None) -> bool:
        if isinstance(key, str) and _KEY.fullmatch(key) and len(key) <= _MAX_KEY:
            return True
        self.add(
            line,
            f"{what}: {key!r} bukan kunci yang sah (huruf, angka dan _, diawali huruf, "
            f"paling panjang {_MAX_KEY})",
            step,
        )
        return False

    def keyed(self, m: CommentedMap, key: str, what: str) -> list[tuple[str, CommentedMap, int]]:
        """A mapping of key -> mapping (roles, kinds, documents, outcomes)."""
        node = m.get(key)
        if node is None:
            return []
        if not isinstance(node, CommentedMap):
            self.add(_key_line(m, key), f"{key!r} harus berupa mapping kunci -> {{title: ...}}")
            return []
        found = []
        for name, value in node.items():
            line = _key_line(node, name)
            if self.check_key(name, line, what) and isinstance(value, CommentedMap):
                found.append((str(name), value, line))
            elif not isinstance(value, CommentedMap):
                self.add(line, f"{what} {name!r} harus berupa mapping, misalnya {{title: ...}}")
        return found

    # -- the SOP -------------------------------------------------------------------------

    def sop(self, data: Any, file: str) -> SopSpec | None:
        top = self.mapping(data, 1, "berkas SOP", _TOP)
        if top is None:
            return None
        code = self.text(top, "code", "SOP", key_like=True) or ""
        version = top.get("version")
        if version is not None and not isinstance(version, str):
            # 2020.10 would silently become 2020.1 as a number
            self.add(_key_line(top, "version"), f'version harus teks: tulis version: "{version}"')
            version = str(version)
        elif version is None and "version" in top:
            self.add(_key_line(top, "version"), "version tidak boleh kosong")
        return SopSpec(
            code=code,
            version=version or "",
            short_code=self.text(top, "short_code", "SOP"),
            header=self.header(top),
            kinds={
                k: Kind(k, self.title(v, line, f"jenis {k!r}"), line)
                for k, v, line in self.keyed(top, "kinds", "jenis usulan")
            },
            roles={k: self.role(k, v, line) for k, v, line in self.keyed(top, "roles", "peran")},
            documents={
                k: DocumentKind(k, self.title(v, line, f"dokumen {k!r}"), line)
                for k, v, line in self.keyed(top, "documents", "dokumen")
            },
            intake=self.intake(top),
            outcomes={
                k: self.outcome(k, v, line) for k, v, line in self.keyed(top, "outcomes", "hasil")
            },
            steps=self.steps(top),
            path=file,
        )

    def header(self, top: CommentedMap) -> Header:
        node = top.get("header")
        m = self.mapping(node, _key_line(top, "header"), "header", _HEADER) if node else None
        if m is None:
            return Header(institution="", number="", name="")
        lists = {k: self.texts(m, k, "header") for k in _HEADER_LISTS}
        return Header(
            institution=self.required_text(m, "institution", "header"),
            number=self.required_text(m, "number", "header"),
            name=self.required_text(m, "name", "header"),
            unit=self.text(m, "unit", "header"),
            made_on=self.text(m, "made_on", "header"),
            revised_on=self.text(m, "revised_on", "header"),
            effective_on=self.text(m, "effective_on", "header"),
            approved_by=self.text(m, "approved_by", "header"),
            warning=self.text(m, "warning", "header"),
            note=self.text(m, "note", "header"),
            legal_basis=lists["legal_basis"],
            qualifications=lists["qualifications"],
            related_sops=lists["related_sops"],
            equipment=lists["equipment"],
            records=lists["records"],
        )

    def title(self, m: CommentedMap, line: int, what: str) -> str:
        self.mapping(m, line, what, _TITLED)
        return self.required_text(m, "title", what)

    def role(self, key: str, m: CommentedMap, line: int) -> Role:
        self.mapping(m, line, f"peran {key!r}", _ROLE)
        self.record(m, ("role", key), "superior")
        return Role(
            key=key,
            title=self.required_text(m, "title", f"peran {key!r}"),
            superior=self.text(m, "superior", f"peran {key!r}"),
            line=line,
        )

    def outcome(self, key: str, m: CommentedMap, line: int) -> Outcome:
        self.mapping(m, line, f"hasil {key!r}", _OUTCOME)
        self.record(m, ("outcome", key), "notify")
        return Outcome(
            key=key,
            title=self.required_text(m, "title", f"hasil {key!r}"),
            notify=self.texts(m, "notify", f"hasil {key!r}"),
            line=line,
        )

    def intake(self, top: CommentedMap) -> Intake:
        line = _key_line(top, "intake") if "intake" in top else 1
        m = self.mapping(top.get("intake"), line, "intake", _INTAKE) if "intake" in top else None
        if m is None:
            return Intake(registrars=(), line=line)
        self.record(m, ("intake",), "registrars", "document", "origin_role")
        number_format = self.text(m, "number_format", "intake")
        if number_format is not None:
            try:
                number_format.format(seq=1, code="X", year=2020)
            except (KeyError, IndexError, ValueError) as exc:
                self.add(
                    _key_line(m, "number_format"),
                    f"intake: number_format tidak sah ({exc!r}); yang tersedia: {{seq}}, {{code}}, "
                    "{year}",
                )
                number_format = None
        return Intake(
            registrars=self.texts(m, "registrars", "intake", nonempty=True),
            document=self.text(m, "document", "intake"),
            origin_role=self.text(m, "origin_role", "intake"),
            number_format=number_format or Intake.number_format,
            line=line,
        )

    # -- steps ---------------------------------------------------------------------------

    def steps(self, top: CommentedMap) -> tuple[Step, ...]:
        node = top.get("steps")
        if "steps" in top and not isinstance(node, CommentedSeq):
            self.add(_key_line(top, "steps"), "steps harus berupa daftar langkah (- key: ...)")
        if not isinstance(node, CommentedSeq):
            return ()
        found = (self.step(item, _item_line(node, i)) for i, item in enumerate(node))
        return tuple(step for step in found if step is not None)

    def step(self, node: Any, line: int) -> Step | None:
        raw_key = node.get("key") if isinstance(node, CommentedMap) else None
        key = raw_key if isinstance(raw_key, str) else None
        m = self.mapping(node, line, "langkah", _STEP, key)
        # A step without a usable key is left out: nothing can refer to it anyway.
        if m is None or "key" not in m:
            return None
        if not self.check_key(raw_key, _key_line(m, "key"), "langkah: 'key'", key) or key is None:
            return None
        what = "langkah"
        self.record(m, ("step", key), "actors", "number", "completion", "time")
        number = m.get("number")
        if "number" in m and (
            not isinstance(number, int) or isinstance(number, bool) or number < 1
        ):
            self.add(_key_line(m, "number"), "langkah: 'number' harus bilangan bulat ≥ 1", key)
        completion = m.get("completion", "all")
        if completion not in ("all", "any"):
            self.add(_key_line(m, "completion"), "langkah: 'completion' harus all atau any", key)
            completion = "all"
        decision = self.decision(m, key)
        return Step(
            key=key,
            number=number if isinstance(number, int) and number >= 1 else 0,
            activity=self.required_text(m, "activity", what, key),
            actors=self.texts(m, "actors", what, key, nonempty=True),
            time=self.time(m, key),
            completion=_completion(completion),
            requires=self.requirements(m, key),
            output=self.text(m, "output", what, key),
            on_approve=self.transition(m, "on_approve", key),
            on_reject=self.transition(m, "on_reject", key),
            decision=decision,
            source=self.text(m, "source", what, key),
            line=line,
        )

    def time(self, m: CommentedMap, key: str) -> TimeStandard:
        value = m.get("time")
        if value is not None and not isinstance(value, str):
            self.add(
                _key_line(m, "time"), f"waktu {value!r} tanpa satuan: tulis '{value} menit'", key
            )
            return TimeStandard(text=None, target_minutes=None)
        try:
            return parse_time_standard(value)
        except ValueError as exc:
            self.add(_key_line(m, "time"), str(exc), key)
            return TimeStandard(text=None, target_minutes=None)

    def requirements(self, m: CommentedMap, step: str) -> tuple[Requirement, ...]:
        node = m.get("requires")
        if node is None:
            return ()
        if not isinstance(node, CommentedSeq):
            self.add(_key_line(m, "requires"), "'requires' harus berupa daftar", step)
            return ()
        found = []
        for i, item in enumerate(node):
            line = _item_line(node, i)
            r = self.mapping(item, line, "requires", _REQUIREMENT, step)
            if r is not None and (document := self.text(r, "document", "requires", step)):
                found.append(Requirement(document, self.flag(r, "upload", "requires", step), line))
        return tuple(found)

    def target(self, m: CommentedMap, line: int, what: str, step: str) -> Target | None:
        to = self.text(m, "to", what, step)
        end = self.text(m, "end", what, step)
        if (to is None) == (end is None):
            self.add(line, f"{what}: tulis tepat satu dari 'to: LANGKAH' atau 'end: HASIL'", step)
            return None
        return Target(step=to, end=end)

    def transition(self, m: CommentedMap, key: str, step: str) -> Transition | None:
        if key not in m:
            return None
        line = _key_line(m, key)
        t = self.mapping(m[key], line, key, _TRANSITION, step)
        if t is None:
            return None
        self.record(t, (key, step), "notify")
        target = self.target(t, line, key, step)
        if target is None:
            return None
        notify = self.texts(t, "notify", key, step)
        return Transition(target, notify, self.text(t, "verdict", key, step), line)

    def decision(self, m: CommentedMap, step: str) -> Decision | None:
        if "decision" not in m:
            return None
        line = _key_line(m, "decision")
        d = self.mapping(m["decision"], line, "decision", _DECISION, step)
        if d is None:
            return None
        node = d.get("options")
        options: list[Option] = []
        if "options" in d and not isinstance(node, CommentedSeq):
            self.add(_key_line(d, "options"), "decision: 'options' harus berupa daftar", step)
        elif isinstance(node, CommentedSeq):
            for i, item in enumerate(node):
                option = self.option(item, _item_line(node, i), step)
                if option is not None:
                    options.append(option)
        question = self.required_text(d, "question", "decision", step)
        return Decision(question, tuple(options), line)

    def option(self, node: Any, line: int, step: str) -> Option | None:
        o = self.mapping(node, line, "pilihan", _OPTION, step)
        if o is None:
            return None
        key = self.text(o, "key", "pilihan", step, key_like=True)
        target = self.target(o, line, f"pilihan {key!r}", step)
        if key is None or target is None:
            return None
        self.record(o, ("option", step, key), "kinds", "notify")
        return Option(
            key=key,
            label=self.required_text(o, "label", "pilihan", step),
            target=target,
            kinds=self.texts(o, "kinds", "pilihan", step),
            requires=self.requirements(o, step),
            note_required=self.flag(o, "note_required", "pilihan", step),
            notify=self.texts(o, "notify", "pilihan", step),
            verdict=self.text(o, "verdict", "pilihan", step),
            line=line,
        )


def _completion(value: str) -> Completion:
    return "any" if value == "any" else "all"
