"""What each change causes: the one table to read for "what does this tap cause?".

A use case changes state and records events; before its transaction commits, the unit of work
looks each event up in `EFFECTS` and runs what it finds, in the order the events happened. The
effects only queue messages (to send, to edit, to close) in the same transaction, in the spirit
of cosmicpython's message bus, so a message exists if and only if its change committed.

Several changes to one message in one commit become one: a group's card is drawn once per
proposal, from the final state, after all the events (`CARD`); a message edited twice is edited
once (`Transaction._messages`). Reminders are scheduled by the domain (`Task` methods and
`reminders`), not here: they are state, not messages.

The effects themselves: what an event about a task does to the task's messages is in
`task_messages`; the notices beyond them (a proposal's roles, the admins, the digest) in `notices`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.services import notify
from bot.services.letters import send_draft
from bot.services.notices import (
    proposal_of,
    send_digests,
    send_issued,
    tell_admins,
    tell_admins_of_failure,
    tell_outcome,
    tell_route_roles,
)
from bot.services.task_messages import (
    close_messages,
    close_older_reminders,
    redraw_after_forward,
    redraw_after_handover,
    redraw_messages,
    tell_actor,
    tell_disposed,
    tell_forwardee,
    tell_note_from_above,
    tell_recalled,
    tell_reminder,
    tell_superiors,
)
from bot.services.transaction import Recorded, Transaction

Effect = Callable[[Transaction, Recorded], Awaitable[None]]


@dataclass(frozen=True)
class Card:
    """Redraw the proposal's card in its groups (once per commit), `when` the event says so;
    `outcome`: the proposal closed, and the groups get one line saying how."""

    when: Callable[[Recorded], bool] = lambda recorded: True
    outcome: bool = False


CARD = Card()


def _first_or_escalated(recorded: Recorded) -> bool:
    # The card turns overdue once, not at every repeat: a card edit per reminder would crowd a
    # group's 20 messages a minute when many tasks are late at once.
    return bool(recorded.event.payload["reminder"] == 1 or recorded.facts.get("escalated_to"))


EFFECTS: dict[str, tuple[Effect | Card, ...]] = {
    "task_started": (tell_actor, send_draft, CARD),
    "task_assigned": (tell_actor, send_draft),
    "task_approve": (close_messages, CARD),
    "task_reject": (close_messages, CARD),
    "task_decide": (close_messages, CARD),
    "task_dispose": (close_messages, tell_disposed, CARD),
    "task_recalled": (close_messages,),
    "disposition_recalled": (tell_recalled,),
    "task_superseded": (close_messages,),
    "task_forwarded": (redraw_after_forward, tell_forwardee, send_draft, CARD),
    "task_handed_over": (redraw_after_handover, tell_actor, send_draft, CARD),
    "document_attached": (redraw_messages, CARD),
    "note_added": (tell_note_from_above,),
    "task_escalated": (tell_superiors,),
    "task_nudged": (close_older_reminders, tell_reminder, Card(when=_first_or_escalated)),
    "step_completed": (tell_route_roles,),
    "proposal_closed": (tell_outcome, Card(outcome=True)),
    "update_set_aside": (tell_admins,),
    "message_failed": (tell_admins_of_failure,),
    "digest_sent": (send_digests,),
    "record_issued": (send_issued,),  # a record delivered as it is issued (scheduled report)
}


async def apply(uow: Transaction, recorded: Sequence[Recorded]) -> None:
    """Queue what these events cause, in their order; then each card due, once."""
    cards: dict[int, tuple[Recorded, str | None]] = {}  # proposal -> last cause, outcome
    for item in recorded:
        for effect in EFFECTS.get(item.event.type, ()):
            if not isinstance(effect, Card):
                await effect(uow, item)
            elif effect.when(item):
                proposal_id = item.event.proposal_id
                assert proposal_id is not None
                outcome = cards.get(proposal_id, (item, None))[1]
                if effect.outcome:
                    proposal, spec = await proposal_of(uow, item)
                    outcome = spec.outcomes[item.event.payload["outcome"]].title
                cards[proposal_id] = (item, outcome)
    for item, outcome in cards.values():
        proposal, spec = await proposal_of(uow, item)
        await notify.tell_groups(uow, proposal, spec, item.event, outcome=outcome)
