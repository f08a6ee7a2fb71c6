"""The SOP package's words are in templates/texts/sop.yaml, not in Python.

Every `say("entry", field=...)` call of bot/core/sop/ is read with `ast`: its entry must be in the
catalogue, with exactly the fields the call passes, and every entry must be used. Then every
string literal of the package (docstrings aside) is checked for a word of the catalogue's
Indonesian: the vocabulary is the catalogue's own words, less the SOP format's (field names
such as `requires`, values such as `all`), which the code rightly spells.

The SOP format also has Indonesian words of its own, which the code reads rather than says: the
time units an author writes ("30 menit", "1 jam"). They are input, so they stay in Python, where
rewording a message cannot change which SOP files load; they are the one exception, by name:
the literals of the module-level assignments listed in INPUT_VOCABULARY, and no others. The same
word anywhere else in that module, or in any other, is still flagged.
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from bot.core import texts
from bot.core.sop import spec
from bot.core.sop.schema import schema
from bot.core.sop.validate import RESERVED_FIELDS
from bot.core.sop.words import AREA

SOP = Path(__file__).resolve().parents[1] / "bot" / "core" / "sop"
# Words the code spells as the SOP format does: the area's name, the format's own values and
# the fields of `number_format` (and the encoding a file is read in, UTF-8).
FORMAT_WORDS = {AREA, "yaml", "utf", "all", "any", "true", "false", "null", "seq", "year"}
FORMAT_WORDS |= {"docx"}  # what a letter's template is (`letter.template`)
# Words of the catalogue's Indonesian that English spells alike, for the code's own English (a
# programming error such as Target's "a target is either a step or an end").
ENGLISH_TOO = {"target"}
# The SOP format's input vocabulary, by module: the module-level assignments whose literals are
# words an author writes in an SOP file and the code recognises (units of time, "s.d.", "hari").
INPUT_VOCABULARY = {
    "duration.py": frozenset({"_UNITS", "_DAY_UNITS", "_WORKING", "_RANGE_SPLIT"}),
    "spec.py": frozenset({"MONTHLY", "SEMESTER", "SCHEDULES"}),  # monitoring.schedule's words
}


def _modules() -> list[Path]:
    return sorted(SOP.glob("*.py"))


def _fields(pattern: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(pattern) if name}


def _literal_parts(pattern: str) -> str:
    return " ".join(text for text, _, _, _ in string.Formatter().parse(pattern))


def _says(path: Path) -> list[tuple[int, str | None, set[str] | None]]:
    """(line, entry, fields) of each say(...) call; None where not a literal / not keywords."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if node.func.id != "say":
            continue
        first = node.args[0] if node.args else None
        entry = first.value if isinstance(first, ast.Constant) else None
        named = [k.arg for k in node.keywords]
        fields = None if None in named or len(node.args) != 1 else {str(k) for k in named}
        found.append((node.lineno, entry if isinstance(entry, str) else None, fields))
    return found


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"\w+", text) if w.isalpha() and len(w) >= 3}


def _vocabulary() -> set[str]:
    words = set().union(*(_words(_literal_parts(p)) for p in texts.catalogue(AREA).values()))
    format_words = FORMAT_WORDS | ENGLISH_TOO
    # An intake field's types and the keys intake keeps for itself are the format's values too.
    format_words |= set(spec.FIELD_TYPES) | RESERVED_FIELDS
    for cls in vars(spec).values():
        if isinstance(cls, type) and hasattr(cls, "__dataclass_fields__"):
            format_words |= {name.lower() for name in schema(cls)}
    return words - format_words


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _assigned(tree: ast.Module) -> dict[str, ast.AST]:
    """The value of each module-level assignment `NAME = ...` of `tree`, by name."""
    found: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            found |= {t.id: node.value for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and node.value and isinstance(node.target, ast.Name):
            found[node.target.id] = node.value
    return found


def _input_vocabulary(tree: ast.Module, names: frozenset[str]) -> set[int]:
    """The literals of the assignments `names`, which hold the SOP format's input vocabulary."""
    values = [value for name, value in _assigned(tree).items() if name in names]
    return {id(node) for value in values for node in ast.walk(value)}


def _worded_literals(
    source: str, vocabulary: set[str], input_vocabulary: frozenset[str] = frozenset()
) -> list[str]:
    """The string literals of `source` (f-strings' text included) with a catalogue word.

    Docstrings are skipped, and the literals of the module-level assignments `input_vocabulary`.
    """
    tree = ast.parse(source)
    skip = _docstrings(tree) | _input_vocabulary(tree, input_vocabulary)
    return [
        f"{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and _words(node.value) & vocabulary
    ]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.name)
def test_every_text_the_package_says_is_in_the_catalogue(path: Path) -> None:
    catalogue = texts.catalogue(AREA)
    for line, entry, fields in _says(path):
        where = f"{path.name}:{line}"
        assert entry is not None, f"{where}: say() needs the entry as a literal, to be checked"
        assert entry in catalogue, f"{where}: templates/texts/sop.yaml has no {entry!r}"
        assert fields is not None, f"{where}: say() takes the entry, then fields by name"
        assert fields == _fields(catalogue[entry]), f"{where}: fields of {entry!r}"


def test_every_catalogue_entry_is_said_somewhere() -> None:
    said = {entry for path in _modules() for _, entry, _ in _says(path)}
    assert set(texts.catalogue(AREA)) - said == set()


def test_no_field_clashes_with_the_catalogue_reader() -> None:
    # bot.core.texts.text(area, key, **fields): a field called area or key cannot be passed.
    for entry, pattern in texts.catalogue(AREA).items():
        assert not _fields(pattern) & {"area", "key"}, entry


def test_no_indonesian_is_left_in_the_package() -> None:
    vocabulary = _vocabulary()
    left = {
        path.name: found
        for path in _modules()
        if (
            found := _worded_literals(
                path.read_text(encoding="utf-8"),
                vocabulary,
                INPUT_VOCABULARY.get(path.name, frozenset()),
            )
        )
    }
    assert left == {}


def test_the_check_sees_a_literal_and_skips_docstrings() -> None:
    vocabulary = _vocabulary()
    assert {"langkah", "tidak", "peran", "harus"} <= vocabulary
    source = '"""Tidak ada langkah: a docstring."""\nx = f"{y}: peran tidak dikenal"\nz = "all"\n'
    assert _worded_literals(source, vocabulary) == ["2: ': peran tidak dikenal'"]


def test_the_input_vocabulary_is_skipped_by_name_and_nowhere_else() -> None:
    vocabulary = _vocabulary()
    assert {"menit", "jam"} <= vocabulary  # the catalogue says them too: no word is let off
    source = '_UNITS = {"menit": 1}\n_WORDS = {"menit": 1}\ndef f():\n    _UNITS = "jam"\n'
    assert _worded_literals(source, vocabulary, frozenset({"_UNITS"})) == [
        "2: 'menit'",
        "4: 'jam'",  # only a module-level assignment is input vocabulary
    ]


@pytest.mark.parametrize("name", sorted(INPUT_VOCABULARY))
def test_the_input_vocabulary_is_there(name: str) -> None:
    # A renamed or removed assignment must come off INPUT_VOCABULARY, not linger as an exception.
    assigned = _assigned(ast.parse((SOP / name).read_text(encoding="utf-8")))
    assert INPUT_VOCABULARY[name] <= set(assigned)


def test_no_indonesian_is_left_in_the_check_of_the_sops_in_force() -> None:
    """bot/services/sops_in_force.py tells the operator of a file edited under a version in
    force: its words are in templates/texts/in_force.yaml, as the SOP checks' are in sop.yaml."""
    from bot.services import sops_in_force

    path = Path(sops_in_force.__file__)
    catalogue = texts.catalogue("in_force")
    vocabulary = _vocabulary() | set().union(
        *(_words(_literal_parts(p)) for p in catalogue.values())
    )
    vocabulary -= {"sop", "version", "steps", "file"}  # the format's words, and English
    assert _worded_literals(path.read_text(encoding="utf-8"), vocabulary) == []
