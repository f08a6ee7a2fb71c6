"""The SOP file as YAML: parsed with every line kept, and every duplicate key noted.

ruamel.yaml's round-trip loader keeps the line of every key and list item, so that a problem can
say "baris 42" rather than show a stack trace; its constructor is taught here to record each
duplicate key (keeping the first value) instead of stopping at the first.

A file that is not YAML is told in the author's terms, at the line to fix: the parser notices a
mistake where it can no longer go on (a "[" left open is noticed on a later line), so the place
told is where the mistake was made when the parser's context says so, with that line quoted.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from bot.core.sop.problems import FILE, STRUCTURE, SopFileError, SopProblem
from bot.core.sop.words import say

# A value that opens a quote: "key: 'text" or "- 'text" (the quote itself is group 1).
_OPENS_QUOTE = re.compile(r"""^\s*(?:-\s+)?(?:[^\s#'"][^#]*?:\s+)?(["'])""")
_ALIAS = re.compile(r"alias '([^']*)'")
_CHARACTER = re.compile(r"character '(.*)' that")


class _Constructor(RoundTripConstructor):
    """Records every duplicate key (keeping the first value) instead of stopping at the first;
    a value that cannot be built (an impossible date) is an error with its place."""

    duplicates: list[tuple[int, str]]

    def check_mapping_key(
        self, node: Any, key_node: Any, mapping: Any, key: Any, value: Any
    ) -> bool:
        if key in mapping:
            self.duplicates.append((key_node.start_mark.line + 1, str(key)))
            return False
        return True

    def construct_lenient_timestamp(self, node: Any) -> Any:
        """2026-13-01 stays text (and is then checked as the field's text) instead of failing
        with no line."""
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError) as exc:  # e.g. "!!int abc"
            raise _Unbuildable(node, exc) from exc


_Constructor.add_constructor(
    "tag:yaml.org,2002:timestamp", _Constructor.construct_lenient_timestamp
)


class _Unbuildable(Exception):
    def __init__(self, node: Any, error: Exception) -> None:
        super().__init__(str(error))
        self.node = node


def parse(text: str, file: str) -> tuple[Any, list[SopProblem]]:
    """The YAML tree of `text` and a problem per duplicate key; SopFileError if not YAML."""
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    constructor = yaml.constructor
    assert isinstance(constructor, _Constructor)
    constructor.duplicates = []
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        raise SopFileError([syntax_problem(exc, text, file)]) from exc
    except _Unbuildable as exc:
        mark, tag = exc.node.start_mark, str(getattr(exc.node.tag, "value", exc.node.tag))
        why = say("yaml_unbuildable", value=str(exc.node.value), tag=tag.rsplit(":", 1)[-1])
        raise SopFileError([_at(file, text, mark.line, mark.column, why)]) from exc
    except YAMLError as exc:
        why = say("yaml_other", detail=exc)
        problem = SopProblem(file, None, None, say("bad_yaml", why=why), rank=FILE)
        raise SopFileError([problem]) from exc
    duplicates = [
        SopProblem(file, line, None, say("duplicate_key", name=key), rank=STRUCTURE)
        for line, key in constructor.duplicates
    ]
    return data, duplicates


def syntax_problem(exc: MarkedYAMLError, text: str, file: str) -> SopProblem:
    """What the parser could not read, in Indonesian, at the line (and column) to fix."""
    lines = text.splitlines()
    context = str(exc.context or "")
    problem = str(exc.problem or "")
    at, start = exc.problem_mark, exc.context_mark
    if at is None:
        at = start
    if at is None:
        unplaced = say("yaml_other", detail=problem or context or exc)
        return SopProblem(file, None, None, say("bad_yaml", why=unplaced), rank=FILE)
    line, column = at.line, at.column
    why: str | None = None
    if "flow" in context and start is not None and "expected ','" in problem:
        closer = "]" if "]" in problem else "}"
        opener = "[" if closer == "]" else "{"
        line, column = start.line, start.column
        why = say("yaml_unclosed_flow", opener=opener, closer=closer)
    elif "simple key" in context and start is not None:
        line, column = start.line, start.column
        why = say("yaml_no_colon")
    elif "quoted scalar" in context and "end of stream" in problem and start is not None:
        line, column = start.line, start.column
        why = say("yaml_unclosed_quote", quote=_char(lines, line, column))
    elif "stream end" in problem and (bracket := _unclosed_bracket(lines)) is not None:
        line, column = bracket
        opener = lines[line][column]
        why = say("yaml_unclosed_flow", opener=opener, closer="]" if opener == "[" else "}")
    elif "values are not allowed here" in problem:
        why = say("yaml_colon_in_value")
    elif "'\\t'" in problem:
        why = say("yaml_tab")
    elif "cannot start any token" in problem and (found := _CHARACTER.search(problem)):
        why = say("yaml_bad_start", char=found.group(1))
    elif "unknown escape" in problem:
        why = say("yaml_escape")
    elif "undefined alias" in problem and (alias := _ALIAS.search(problem)):
        why = say("yaml_alias", name=alias.group(1))
    elif "another document" in problem:
        why = say("yaml_two_documents")
    elif "<block end>" in problem:
        opened = _unclosed_quote(lines, start.line if start else 0, at.line)
        if opened is not None:
            line, column = opened
            why = say("yaml_unclosed_quote", quote=_char(lines, line, column))
        elif start is not None:
            if "'-'" in problem or "sequence start" in problem:
                why = say("yaml_list_item", start=start.line + 1)
            else:
                why = say("yaml_indent", start=start.line + 1)
    if why is None:
        why = say("yaml_other", detail=" ".join(part for part in (context, problem) if part))
    return _at(file, text, line, column, why)


def _at(file: str, text: str, line: int, column: int, why: str) -> SopProblem:
    """A problem at the 0-based `line` and `column`, the line quoted with a mark under it."""
    lines = text.splitlines() or [""]
    if line >= len(lines):  # the end of the file: the end of its last line
        line, column = len(lines) - 1, len(lines[-1])
    written = lines[line]
    column = min(column, len(written))
    # Tabs kept in the mark's indentation, so that it stands under the column on any terminal.
    pad = "".join(c if c == "\t" else " " for c in written[:column])
    number = str(line + 1)
    message = say(
        "quoted_line",
        message=say("bad_yaml", why=why),
        number=number,
        blank=" " * len(number),
        text=written,
        pad=pad,
    )
    return SopProblem(file, line + 1, None, message, column=column + 1, rank=FILE)


def _char(lines: list[str], line: int, column: int) -> str:
    written = lines[line] if line < len(lines) else ""
    return written[column] if column < len(written) else '"'


def _unclosed_quote(lines: list[str], first: int, last: int) -> tuple[int, int] | None:
    """The first line from `first` to `last` (0-based) whose value opens a quote it does not
    close on that line: the likely start of a quoted text run on into the lines after."""
    for number in range(first, min(last, len(lines) - 1) + 1):
        written = lines[number]
        opened = _OPENS_QUOTE.match(written)
        if opened is None:
            continue
        quote, start = opened.group(1), opened.end()
        rest = written[start:]
        # Escaped, a quote does not close: \" within "...", '' within '...'.
        rest = rest.replace('\\"', "") if quote == '"' else rest.replace("''", "")
        if quote not in rest:
            return number, start - 1
    return None


def _unclosed_bracket(lines: list[str]) -> tuple[int, int] | None:
    """The first "[" or "{" never closed in the file (0-based line and column), quoted text and
    comments aside: where a file that ends inside a list or mapping went wrong."""
    opened: list[tuple[int, int, str]] = []
    for number, written in enumerate(lines):
        quote = None
        for column, char in enumerate(written):
            if quote is not None:
                quote = None if char == quote else quote
            elif char in "\"'" and (column == 0 or written[column - 1] in " \t[{,:-"):
                quote = char
            elif char == "#" and (column == 0 or written[column - 1] in " \t"):
                break
            elif char in "[{":
                opened.append((number, column, char))
            elif char in "]}" and opened and opened[-1][2] == ("[" if char == "]" else "{"):
                opened.pop()
    return (opened[0][0], opened[0][1]) if opened else None


def node_line(node: Any, default: int) -> int:
    """The 1-based line where a mapping or list starts; `default` for a plain value."""
    return int(node.lc.line) + 1 if isinstance(node, CommentedMap | CommentedSeq) else default


def key_line(m: CommentedMap, key: str) -> int:
    return int(m.lc.key(key)[0]) + 1


def item_line(seq: CommentedSeq, index: int) -> int:
    return int(seq.lc.item(index)[0]) + 1
