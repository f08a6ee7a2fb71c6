"""The SOP package's words for people: `templates/texts/sop.yaml`, read through `bot.core.texts`.

Every problem message and every word of the SOP table and chart is an entry there, so that the
Indonesian an office's IT staff read is in `templates/` and none in Python.
`tests/test_sop_texts.py` checks each `say(...)` call against the catalogue.
"""

from __future__ import annotations

from bot.core.texts import text

AREA = "sop"


def say(entry: str, /, **fields: object) -> str:
    """The text `entry` of templates/texts/sop.yaml, with `fields` put in its `{name}` places.

    No field may be called `area` or `key`: they would clash with `bot.core.texts.text`'s own
    parameters.
    """
    return text(AREA, entry, **fields)
