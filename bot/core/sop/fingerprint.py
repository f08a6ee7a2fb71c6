"""What an SOP file *says*, as one canonical text and its SHA-256.

Cases refer to their SOP by `(code, version)`, so what matters is the parsed content: comments,
blank lines, quoting and key order leave the fingerprint alone, a renamed step key changes it.
The canonical form is the parsed YAML as plain JSON (sorted keys, no spaces), without its
*wording*: the header, what a case is called, and every title, label, activity, question,
source and output text, how intake asks for a case's title and origin, and a step's letter.
Rewording a step cannot strand a case waiting in it, so an office may give its steps short
titles, or fix a typo, under the same version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any


def plain(node: Any) -> Any:
    """The parsed YAML as plain JSON values; other scalars (dates, tagged values) as text."""
    if isinstance(node, Mapping):
        return {_key(k): plain(v) for k, v in node.items()}
    if isinstance(node, list | tuple):
        return [plain(v) for v in node]
    if node is None or isinstance(node, bool):
        return node
    for kind in (int, float, str):  # ruamel's round-trip scalars subclass these
        if isinstance(node, kind):
            return kind(node)
    return str(node)


# Texts that name or describe, read by people only. Top-level blocks go whole; the others only
# where their value is a text, so a role or document whose *key* is "title" is still content.
# `monitoring` is how the compliance report judges the steps, not how a case moves: a version in
# force may take it, or change its threshold, without stranding its cases.
_WORDING_BLOCKS = frozenset({"header", "case", "monitoring"})
_WORDING_TEXTS = frozenset(
    {"title", "label", "activity", "question", "source", "output", "title_label", "origin_label"}
)


# What a step says to its reader and leads nowhere: a letter draft (its template, and the
# document the draft becomes) is made when the step starts, so a case waiting in the step is
# never stranded by a new or changed one. A template's own content is not read here either: it
# is checked whenever the file is loaded (every start), and each draft's audit event carries
# the SHA-256 of the template it was made from.
_WORDING_IN_STEPS = frozenset({"letter"})


def structure(node: Any, top: bool = True) -> Any:
    """The plain content without its wording (see above)."""
    if isinstance(node, dict):
        return {
            k: structure(_steps_without_wording(v) if top and k == "steps" else v, False)
            for k, v in node.items()
            if not (top and k in _WORDING_BLOCKS)
            and not (k in _WORDING_TEXTS and (v is None or isinstance(v, str)))
        }
    if isinstance(node, list):
        return [structure(v, False) for v in node]
    return node


def _steps_without_wording(steps: Any) -> Any:
    if not isinstance(steps, list):
        return steps
    return [
        {k: v for k, v in s.items() if k not in _WORDING_IN_STEPS} if isinstance(s, dict) else s
        for s in steps
    ]


def _key(key: Any) -> str:
    # A key `1` and a key "1" are different content; keep them apart in JSON.
    return key if isinstance(key, str) else f"{type(key).__name__}:{key}"


def canonical(data: Any) -> str:
    return json.dumps(
        structure(plain(data)), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def fingerprint(data: Any) -> str:
    """SHA-256 (hex) of the canonical form of parsed SOP content, wording left out."""
    return hashlib.sha256(canonical(data).encode("utf-8")).hexdigest()
