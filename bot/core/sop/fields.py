"""Reading one YAML mapping of an SOP file: its fields checked against a schema, each value
coerced to the type the spec wants, and every problem noted (with its line) instead of raised.

`Reader` collects the problems and the line index of one file; `Fields` is one mapping being
read. The SOP's own structure (what is in a step, a decision…) is read in `bot.core.sop.loader`
and `bot.core.sop.steps` with these.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from bot.core.sop.problems import STRUCTURE, LineIndex, SopProblem
from bot.core.sop.words import say
from bot.core.sop.yamlfile import key_line, node_line

# A mapping's fields: YAML key -> required, in the order they are checked.
Schema = Mapping[str, bool]

_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_MAX_KEY = 48  # keys end up in callback data and database rows: keep them short


class Fields:
    """One YAML mapping being read, with how to name it in problems (`what`, e.g. a step)."""

    def __init__(
        self,
        reader: Reader,
        m: CommentedMap,
        what: str,
        step: str | None,
        misspelt: Mapping[str, str] | None = None,
    ) -> None:
        self.reader, self.m, self.what, self.step = reader, m, what, step
        # field -> the misspelling it was written as (`on_aprove`): reported once as unknown,
        # then read as meant, so that its absence is not reported again, nor what follows.
        self.misspelt = dict(misspelt or {})

    def _as_written(self, key: str) -> str:
        return self.misspelt.get(key, key)

    def __contains__(self, key: str) -> bool:
        return self._as_written(key) in self.m

    def get(self, key: str, default: Any = None) -> Any:
        return self.m.get(self._as_written(key), default)

    def line(self, key: str) -> int:
        return key_line(self.m, self._as_written(key))

    def add(self, key: str, message: str) -> SopProblem:
        return self.reader.add(self.line(key), f"{self.what}: {message}", self.step)

    def record(self, address: tuple[str, ...], *keys: str) -> None:
        for key in keys:
            if key in self:
                self.reader.lines[(*address, key)] = self.line(key)

    def text(self, key: str, *, key_like: bool = False) -> str | None:
        """A non-empty string, or None when absent or null (a missing field is reported apart)."""
        value = self.get(key)
        if value is None:
            return None
        if isinstance(value, bool | int | float | date):  # YAML read it as other than text
            if isinstance(value, bool):
                kind = say("read_as_flag")
            elif isinstance(value, date):
                kind = say("read_as_date")
            else:
                kind = say("read_as_number")
            written = str(value).lower() if isinstance(value, bool) else str(value)
            self.add(key, say("not_text_but", field=key, kind=kind, value=written))
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(key, say("not_text", field=key))
            return None
        if key_like and not self.reader.check_key(value, self.line(key), self.what, self.step):
            return None
        return value.strip()

    def required_text(self, key: str) -> str:
        value = self.text(key)
        if value is None and key in self and self.get(key) is None:
            self.add(key, say("empty", field=key))
        return value or ""

    def texts(self, key: str, *, nonempty: bool = False) -> tuple[str, ...]:
        if key not in self:
            return ()
        value = self.get(key)
        if not isinstance(value, CommentedSeq) or not all(
            isinstance(v, str) and v.strip() for v in value
        ):
            self.add(key, say("not_text_list", field=key))
            return ()
        if nonempty and not value:
            self.add(key, say("empty", field=key))
        return tuple(v.strip() for v in value)

    def flag(self, key: str) -> bool:
        value = self.get(key, False)
        if not isinstance(value, bool):
            self.add(key, say("not_flag", field=key))
            return False
        return value

    def seq(self, key: str) -> CommentedSeq:
        """A list of items (mappings, read by the caller); empty when absent or not a list."""
        value = self.get(key)
        if value is not None and not isinstance(value, CommentedSeq):
            self.add(key, say("not_list", field=key))
        return value if isinstance(value, CommentedSeq) else CommentedSeq()


class Reader:
    """Turns the parsed YAML tree into spec objects, noting problems instead of stopping."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[SopProblem] = []
        self.lines: LineIndex = {}
        # Ways out of a step that could not be read: (the step's line, the step key it names
        # if any, the problem). The graph checks assume they lead there (or to an outcome), so
        # that the steps behind are not reported unreachable on top (`bot.core.sop.graph`).
        self.unread_exits: list[tuple[int, str | None, SopProblem]] = []

    def add(self, line: int | None, message: str, step: str | None = None) -> SopProblem:
        problem = SopProblem(self.file, line, step, message, rank=STRUCTURE)
        self.problems.append(problem)
        return problem

    def fields(
        self, node: Any, line: int, what: str, schema: Schema, step: str | None = None
    ) -> Fields | None:
        """`node` as a mapping with every required key and no unknown key (typos)."""
        if not isinstance(node, CommentedMap):
            self.add(line, say("not_mapping", what=what), step)
            return None
        misspelt: dict[str, str] = {}
        for key in node:
            if key not in schema:
                close = difflib.get_close_matches(str(key), list(schema), n=1)
                if close:
                    hint = say("did_you_mean", name=close[0])
                    if close[0] not in node and close[0] not in misspelt:
                        misspelt[close[0]] = key
                else:
                    hint = say("known_are", known=", ".join(schema))
                message = say("unknown_field", what=what, field=key, hint=hint)
                self.add(key_line(node, key), message, step)
        for key, required in schema.items():
            if required and key not in node and key not in misspelt:
                self.add(node_line(node, line), say("missing_field", what=what, field=key), step)
        return Fields(self, node, what, step, misspelt)

    def check_key(self, key: Any, line: int, what: str, step: str | None = None) -> bool:
        if isinstance(key, str) and _KEY.fullmatch(key) and len(key) <= _MAX_KEY:
            return True
        self.add(line, say("bad_key", what=what, name=key, longest=_MAX_KEY), step)
        return False

    def keyed(
        self, top: Fields, key: str, what: str, schema: Schema
    ) -> list[tuple[str, Fields, int]]:
        """A mapping of key -> mapping (kinds, roles, documents, outcomes), each checked."""
        node = top.get(key)
        if node is None:
            return []
        if not isinstance(node, CommentedMap):
            top.add(key, say("not_keyed_mapping", field=key))
            return []
        found = []
        for name, value in node.items():
            line = key_line(node, name)
            fields = self.fields(value, line, f"{what} {name!r}", schema)
            if self.check_key(name, line, what) and fields is not None:
                fields.record((key, str(name)), *schema)
                found.append((str(name), fields, line))
        return found
