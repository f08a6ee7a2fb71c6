"""How long a text an official types may be: one table, checked at the entry of each use case.

Lengths are counted in characters (code points) after trimming, as a person counts them. The
limits leave room for the rest of a message inside Telegram's 4,096, so a task that carries an
instruction or a reason still shows its step, deadline and buttons whole; the README lists them.
"""

from __future__ import annotations

from bot.services.context import Context
from bot.services.errors import InvalidInput
from bot.services.uow import UnitOfWork

LIMITS: dict[str, int] = {
    "title": 300,  # a proposal's title
    "origin": 200,  # who proposes it (an agency or a third party)
    "disposition_note": 1000,  # the note given at registration, or with a head's disposition
    "reason": 1000,  # why a task is returned (rejected)
    "decision_note": 1000,  # the note on a decision
    "instruction": 1000,  # what a forwarded colleague is asked to do
    "note": 1000,  # a note on a task
    "unit": 100,  # an agency's name, given with an invitation (it becomes a button)
    "name": 100,  # an official's name, given with an invitation
    "search": 200,  # the words of /cari (each word is one more condition on every proposal)
    "field": 300,  # a text an SOP's own intake field asks (the letter's number, its sender)
}


class TooLong(InvalidInput):
    code = "too_long"


def check(field: str, text: str | None, label: str | None = None) -> None:
    """Refuse `text` (trimmed) longer than the limit of `field`; None and "" pass. `label`: what
    the SOP calls the text ("Perihal", "Nomor surat"), said in the refusal instead of the
    templates' word for `field`."""
    limit = LIMITS[field]
    length = len((text or "").strip())
    if length > limit:
        named = {"label": label} if label else {}
        raise TooLong(f"{field} too long", field=field, length=length, limit=limit, **named)


async def checked(
    ctx: Context, official_id: int, field: str, text: str, label: str | None = None
) -> str:
    """`text` trimmed, or TooLong recorded as a refusal (for an answer kept before the use case
    that will take it runs, such as the intake's questions)."""
    try:
        check(field, text, label)
    except TooLong as refusal:
        async with UnitOfWork(ctx) as uow:
            uow.record(
                "input_refused",
                actor_id=official_id,
                payload={"code": refusal.code, **refusal.details},
            )
            await uow.commit()
        raise
    return text.strip()
