"""What each change causes: the one table to read for "what does this tap cause?".

A use case changes state and records events; before its transaction commits, the unit of work
looks each event up in `EFFECTS` and runs what it finds, in the order the events happened. The
effects only queue messages (to send, to edit, to close) in the same transaction, in the spirit
of cosmicpython's message bus, so a message exists if and only if its change committed.

Several changes to one message in one commit become one: a group's card is drawn once per
proposal, from the final state, after all the events (`CARD`); a message edited twice is edited
once (`Transaction._messages`). Reminders are scheduled by the domain (`Task` methods and
`reminders`), not here: they are state, not messages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.sop.spec import SopSpec
from bot.services import notify
from bot.services.transaction import Recorded, Transaction
from models import Official, Proposal, Task

Effect = Callable[[Transaction, Recorded], Awaitable[None]]


@dataclass(frozen=True)
class Card:
    """Redraw the proposal's card in its groups (once per commit), `when` the event says so;
    `outcome`: the proposal closed, and the groups get one line saying how."""

    when: Callable[[Recorded], bool] = lambda recorded: True
    outcome: bool = False


CARD = Card()


# --- what an event about a task causes --------------------------------------------------------


async def _about(uow: Transaction, recorded: Recorded) -> tuple[Task, Proposal, SopSpec]:
    task = recorded.task
    assert task is not None, recorded.event.type
    proposal = recorded.proposal or await uow.session.get(Proposal, task.proposal_id)
    assert proposal is not None
    return task, proposal, uow.spec_of(proposal)


async def _name(uow: Transaction, official_id: object) -> str | None:
    if not isinstance(official_id, int):
        return None
    official = await uow.session.get(Official, official_id)
    return official.name if official else None


async def _tell(
    uow: Transaction, recorded: Recorded, template: str = "task_assigned", **extra: Any
) -> None:
    task, proposal, spec = await _about(uow, recorded)
    await notify.tell_task(uow, task, proposal, spec, recorded.event, template, **extra)


async def tell_actor(uow: Transaction, recorded: Recorded) -> None:
    """Whoever should act on the task now gets it, with its buttons."""
    await _tell(uow, recorded)


async def tell_forwardee(uow: Transaction, recorded: Recorded) -> None:
    assert recorded.task is not None
    await _tell(
        uow,
        recorded,
        "task_forwarded",
        forwarded_by=await _name(uow, recorded.event.actor_id),
        instruction=recorded.task.forward_note,
    )


async def tell_note_from_above(uow: Transaction, recorded: Recorded) -> None:
    """A superior's note reaches whoever must act; anyone else's stays in the history."""
    payload = recorded.event.payload
    if payload.get("via") != "superior":
        return
    await _tell(
        uow,
        recorded,
        "task_note",
        note=payload["text"],
        note_by=await _name(uow, recorded.event.actor_id),
    )


async def close_messages(uow: Transaction, recorded: Recorded) -> None:
    """The task is done: each of its messages says how, without buttons."""
    task, proposal, spec = await _about(uow, recorded)
    event = recorded.event
    if event.type == "task_superseded":
        result: dict[str, Any] = {"action": "superseded"}
    else:
        decision, chosen = spec.step(task.step_key).decision, event.payload.get("option")
        option = decision.option(chosen) if decision is not None and chosen else None
        result = {
            "action": task.action,
            "label": option.label if option else None,
            "note": event.payload.get("note"),
            "by": await _name(uow, event.actor_id),
        }
    await notify.close_task_messages(uow, task, proposal, spec, event, result)


async def redraw_messages(uow: Transaction, recorded: Recorded) -> None:
    """The task changed in its reader's hands (a document attached): new checklist, buttons."""
    if recorded.task is None:  # a document given at registration, before any task
        return
    task, proposal, spec = await _about(uow, recorded)
    await notify.refresh_task_messages(uow, task, proposal, spec, recorded.event)


async def _redraw_without(
    uow: Transaction, recorded: Recorded, gone: object, result: dict[str, Any]
) -> None:
    """Redrawn for the new version; the official `gone` (who no longer holds it) sees it go."""
    task, proposal, spec = await _about(uow, recorded)
    left = await uow.session.get(Official, gone) if isinstance(gone, int) else None
    await notify.refresh_task_messages(
        uow,
        task,
        proposal,
        spec,
        recorded.event,
        closed_for={left.telegram_user_id} if left and left.telegram_user_id else set(),
        result=result,
    )


async def redraw_after_forward(uow: Transaction, recorded: Recorded) -> None:
    """A colleague it was forwarded to before sees it go to the new one."""
    payload = recorded.event.payload
    to = await _name(uow, payload["to"])
    await _redraw_without(uow, recorded, payload["previous"], {"action": "forwarded", "to": to})


async def redraw_after_handover(uow: Transaction, recorded: Recorded) -> None:
    """The official who left sees it go."""
    gone = recorded.event.payload["from"]
    await _redraw_without(uow, recorded, gone, {"action": "handed_over"})


async def close_older_reminders(uow: Transaction, recorded: Recorded) -> None:
    """Only the newest reminder keeps its buttons: an older one says to look below."""
    task, proposal, spec = await _about(uow, recorded)
    for earlier in await uow.reads.task_messages(task):
        if earlier.template == "task_nudge":
            uow.send(
                earlier.chat_id,
                "task_closed",
                notify.closed_context(task, proposal, spec, {"action": "reminded"}),
                cause=recorded.event,
                proposal_id=proposal.id,
                task_id=task.id,
                edit_of=earlier.id,
            )


async def tell_reminder(uow: Transaction, recorded: Recorded) -> None:
    payload = recorded.event.payload
    await _tell(
        uow,
        recorded,
        "task_nudge",
        level=payload["level"],
        late_minutes=payload["late_minutes"],
        reminder=payload["reminder"],
        escalated_to=recorded.facts.get("escalated_to", []),
    )


async def tell_superiors(uow: Transaction, recorded: Recorded) -> None:
    """The superiors (`facts["told"]`, chosen by the sweep) get the task to pass on."""
    task, proposal, spec = await _about(uow, recorded)
    payload = recorded.event.payload
    context = await notify.task_context(uow, task, proposal, spec) | {
        "late_minutes": payload["late_minutes"],
        "reminders_ignored": payload["reminders_ignored"],
        "holder": recorded.facts.get("holder"),
    }
    for official in recorded.facts["told"]:
        uow.send(
            official.telegram_user_id,
            "task_escalated",
            context,
            cause=recorded.event,
            proposal_id=proposal.id,
            task_id=task.id,
        )


# --- what an event about a proposal causes ----------------------------------------------------


async def _proposal(uow: Transaction, recorded: Recorded) -> tuple[Proposal, SopSpec]:
    proposal = recorded.proposal
    if proposal is None:
        assert recorded.event.proposal_id is not None, recorded.event.type
        proposal = await uow.session.get(Proposal, recorded.event.proposal_id)
    assert proposal is not None
    return proposal, uow.spec_of(proposal)


async def tell_route_roles(uow: Transaction, recorded: Recorded) -> None:
    """A step settled along a route that names roles to tell (the originating agency…)."""
    roles = tuple(recorded.event.payload.get("notify") or ())
    if not roles:
        return
    proposal, spec = await _proposal(uow, recorded)
    assert recorded.event.step_key is not None
    context = {
        "proposal": notify.proposal_context(proposal, spec),
        "step": notify.step_context(spec.step(recorded.event.step_key), spec),
        "verdict": recorded.event.payload.get("verdict"),
    }
    await notify.tell_roles(uow, roles, proposal, spec, "proposal_notice", context, recorded.event)


async def tell_outcome(uow: Transaction, recorded: Recorded) -> None:
    """The roles the outcome names, the originating agency and the registrar hear of it."""
    proposal, spec = await _proposal(uow, recorded)
    outcome = spec.outcomes[recorded.event.payload["outcome"]]
    context = {
        "proposal": notify.proposal_context(proposal, spec),
        "outcome": outcome.title,
        "elapsed_minutes": round(
            uow.ctx.calendar.working_minutes_between(proposal.registered_at, uow.now)
        ),
    }
    origin = (spec.intake.origin_role,) if spec.intake.origin_role else ()
    roles = tuple(dict.fromkeys((*outcome.notify, *origin)))
    await notify.tell_roles(uow, roles, proposal, spec, "proposal_closed", context, recorded.event)
    registrar = await uow.session.get(Official, proposal.registered_by_id)
    if registrar is not None:
        uow.send(
            registrar.telegram_user_id,
            "proposal_closed",
            context,
            cause=recorded.event,
            proposal_id=proposal.id,
        )


# --- what the office's own events cause -------------------------------------------------------


async def tell_admins(uow: Transaction, recorded: Recorded) -> None:
    """Something only the admins can mend (an update given up on)."""
    for admin in await notify.admins(uow):
        uow.send(
            admin.telegram_user_id,
            recorded.facts["template"],
            recorded.facts["context"],
            cause=recorded.event,
        )


async def tell_admins_of_failure(uow: Transaction, recorded: Recorded) -> None:
    """A message Telegram will never take (our own mistake): the admins hear of it, unless it
    was such an alert itself."""
    payload = recorded.event.payload
    if payload["template"] == "send_failed":
        return
    context = {
        "chat_id": payload["chat_id"],
        "template": payload["template"],
        "error": str(payload["error"])[:300],
    }
    for admin in await notify.admins(uow):
        uow.send(admin.telegram_user_id, "send_failed", context, cause=recorded.event)


async def send_digests(uow: Transaction, recorded: Recorded) -> None:
    """The day's digest to each group (`facts["digests"]`: chat, summary, idempotency key)."""
    for chat, summary, key in recorded.facts["digests"]:
        uow.send(chat, "digest", summary, cause=recorded.event, key=key)


def _first_or_escalated(recorded: Recorded) -> bool:
    # The card turns overdue once, not at every repeat: a card edit per reminder would crowd a
    # group's 20 messages a minute when many tasks are late at once.
    return bool(recorded.event.payload["reminder"] == 1 or recorded.facts.get("escalated_to"))


EFFECTS: dict[str, tuple[Effect | Card, ...]] = {
    "task_started": (tell_actor, CARD),
    "task_assigned": (tell_actor,),
    "task_approve": (close_messages, CARD),
    "task_reject": (close_messages, CARD),
    "task_decide": (close_messages, CARD),
    "task_superseded": (close_messages,),
    "task_forwarded": (redraw_after_forward, tell_forwardee, CARD),
    "task_handed_over": (redraw_after_handover, tell_actor, CARD),
    "document_attached": (redraw_messages, CARD),
    "note_added": (tell_note_from_above,),
    "task_escalated": (tell_superiors,),
    "task_nudged": (close_older_reminders, tell_reminder, Card(when=_first_or_escalated)),
    "step_completed": (tell_route_roles,),
    "proposal_closed": (tell_outcome, Card(outcome=True)),
    "update_set_aside": (tell_admins,),
    "message_failed": (tell_admins_of_failure,),
    "digest_sent": (send_digests,),
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
                    proposal, spec = await _proposal(uow, item)
                    outcome = spec.outcomes[item.event.payload["outcome"]].title
                cards[proposal_id] = (item, outcome)
    for item, outcome in cards.values():
        proposal, spec = await _proposal(uow, item)
        await notify.tell_groups(uow, proposal, spec, item.event, outcome=outcome)
