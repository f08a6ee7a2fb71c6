"""The SOP file as YAML: parsed with every line kept, and every duplicate key noted.

ruamel.yaml's round-trip loader keeps the line of every key and list item, so that a problem can
say "baris 42" rather than show a stack trace; its constructor is taught here to record each
duplicate key (keeping the first value) instead of stopping at the first.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from bot.core.sop.problems import SopFileError, SopProblem
from bot.core.sop.words import say


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
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = " ".join(str(m) for m in (exc.context, exc.problem) if m)
        raise SopFileError([SopProblem(file, line, None, say("bad_yaml", error=message))]) from exc
    except YAMLError as exc:
        raise SopFileError([SopProblem(file, None, None, say("bad_yaml", error=exc))]) from exc
    duplicates = [
        SopProblem(file, line, None, say("duplicate_key", name=key))
        for line, key in constructor.duplicates
    ]
    return data, duplicates


def node_line(node: Any, default: int) -> int:
    """The 1-based line where a mapping or list starts; `default` for a plain value."""
    return int(node.lc.line) + 1 if isinstance(node, CommentedMap | CommentedSeq) else default


def key_line(m: CommentedMap, key: str) -> int:
    return int(m.lc.key(key)[0]) + 1


def item_line(seq: CommentedSeq, index: int) -> int:
    return int(seq.lc.item(index)[0]) + 1
