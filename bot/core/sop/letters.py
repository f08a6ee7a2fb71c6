"""Letter drafts: a step's Word template (a `.docx` whose fields are docxtpl's Jinja
placeholders, `{{ case.number }}`) filled with a case's data.

Pure: bytes in, bytes out, no database and no Telegram. The loader checks a template with
`problem` (it opens, names only what a draft is given, and fills with sample data), so a
template that would fail when its step starts is refused when the SOP file is loaded; `fill`
then makes the draft. What each name holds is `NAMES` (documented in sops/README.md, *letter*).
docxtpl (and lxml under it) is imported only when an SOP declares a letter.
"""

from __future__ import annotations

import difflib
import functools
import io
from collections.abc import Mapping
from typing import Any

from bot.core.sop.words import say

# What a template may use, each a mapping (or, for `history`, a list of them) of texts.
NAMES = (
    "case",  # number, title, kind, origin, registered (a date), registrar, verdict
    "fields",  # the SOP's own intake answers by key, as messages show them (dates in words)
    "office",  # institution and unit, from the SOP's header
    "sop",  # name, number, code, version
    "step",  # number, title, activity, output: the step the draft is sent at
    "official",  # name and role of whom the draft is sent to
    "document",  # the title of the document the draft becomes
    "today",  # the day the step starts, "23 November 2026"
    "history",  # each earlier step settled: number, title, role, by, result, note, date
    "decided",  # the same by step key, the latest of each: decided.gubernur_tandatangani.by
)


def _environment() -> Any:
    from jinja2 import ChainableUndefined, Environment

    # An answer a case did not give (an optional field, a step it did not pass) is left blank
    # instead of stopping the draft: the official fills it in.
    return Environment(undefined=ChainableUndefined, autoescape=True)


def _template(content: bytes) -> Any:
    from docxtpl import DocxTemplate

    template = DocxTemplate(io.BytesIO(content))
    template.init_docx()  # opens the package now: a file that is no .docx fails here
    return template


def fill(content: bytes, context: Mapping[str, Any]) -> bytes:
    """The template `content` filled with `context` (texts are escaped for Word's XML)."""
    template = _template(content)
    template.render(dict(context), _environment(), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


@functools.lru_cache(maxsize=32)
def problem(content: bytes) -> str | None:
    """Why `content` cannot serve as a letter template, in the SOP author's words; None when
    it can. Kept per content: every load of an SOP file (each test, each `sop check`) tries
    its templates, and the same bytes give the same answer."""
    try:
        template = _template(content)
    except Exception:  # a zip that is no Word package, a text file renamed: all the same here
        return say("letter_not_docx")
    environment = _environment()
    try:
        used = template.get_undeclared_template_variables(environment)
    except Exception as exc:  # a Jinja syntax error in the document's text
        return say("letter_bad_field", error=_first_line(exc))
    unknown = sorted(set(used) - set(NAMES) - set(environment.globals))
    if unknown:
        close = difflib.get_close_matches(unknown[0], NAMES, n=1)
        hint = say("did_you_mean", name=close[0]) if close else ""
        names = ", ".join(repr(n) for n in unknown)
        return say("letter_unknown_names", names=names, hint=hint, known=", ".join(NAMES))
    try:
        fill(content, sample())
    except Exception as exc:
        return say("letter_bad_field", error=_first_line(exc))
    return None


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:200]


def sample() -> dict[str, Any]:
    """A case as a draft sees it, to try a template on when it is loaded: every name, with
    values of the right shape (what they say does not matter)."""
    act: dict[str, Any] = dict.fromkeys(("key", "title", "role", "by", "action", "result"), "x")
    act |= {"date": "x", "number": 1, "option": None, "note": None}
    case = dict.fromkeys(("number", "title", "kind", "origin", "registered", "registrar"), "x")
    return {
        "case": case | {"verdict": None},
        "fields": {},
        "office": {"institution": "x", "unit": "x"},
        "sop": dict.fromkeys(("name", "number", "code", "version"), "x"),
        "step": {"number": 2, "title": "x", "activity": "x", "output": None},
        "official": {"name": "x", "role": "x"},
        "document": "x",
        "today": "x",
        "history": [act],
        "decided": {"x": act},
    }
