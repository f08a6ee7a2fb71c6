"""The notices an event causes beyond a task's messages (`effects.EFFECTS` says which event).

A proposal's: the roles a route or an outcome names, the originating agency and the registrar.
The office's own: the admins, of what only they can mend, the groups, of the day's digest, and
whoever a record issued is delivered to (a scheduled report).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.sop.spec import SopSpec
from bot.services import notify
from bot.services.transaction import Recorded, Transaction
from models import Official, Proposal

# --- what an event about a proposal causes ----------------------------------------------------


async def proposal_of(uow: Transaction, recorded: Recorded) -> tuple[Proposal, SopSpec]:
    """The proposal the event is about, and its SOP."""
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
    proposal, spec = await proposal_of(uow, recorded)
    assert recorded.event.step_key is not None
    context = {
        "proposal": notify.proposal_context(proposal, spec),
        "step": notify.step_context(spec.step(recorded.event.step_key), spec),
        "verdict": recorded.event.payload.get("verdict"),
    }
    await notify.tell_roles(uow, roles, proposal, spec, "proposal_notice", context, recorded.event)


async def tell_outcome(uow: Transaction, recorded: Recorded) -> None:
    """The roles the outcome names, the originating agency and the registrar hear of it."""
    proposal, spec = await proposal_of(uow, recorded)
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


@dataclass(frozen=True)
class Delivery:
    """A record issued (a scheduled report), to send as a document: to `chat`, its caption the
    template with `context` (`context["file"]` the archived file), once by `key`."""

    chat: int
    template: str
    context: dict[str, Any]
    key: str


async def send_issued(uow: Transaction, recorded: Recorded) -> None:
    """A record issued to whoever it is delivered to (`facts["deliveries"]`), if any."""
    for d in recorded.facts.get("deliveries", ()):
        uow.send(d.chat, d.template, d.context, cause=recorded.event, key=d.key, document=True)


async def send_digests(uow: Transaction, recorded: Recorded) -> None:
    """The day's digest to each group (`facts["digests"]`: chat, summary, idempotency key)."""
    for chat, summary, key in recorded.facts["digests"]:
        uow.send(chat, "digest", summary, cause=recorded.event, key=key)
