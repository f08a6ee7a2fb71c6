"""A step's letter draft: filled with the case's data when the step starts, and sent with the
task to whoever is told of it, as a Word document (`bot.core.sop.letters` fills it).

It is an effect of `task_started` (see `effects.EFFECTS`): the draft is made in the step's own
transaction, archived by SHA-256, recorded as issued (`record_issued`, kind "surat", with the
template's SHA-256 and the draft's) and queued as an outbox row of kind `document`, after the
task's message. So a draft exists if and only if its step started, and the sender delivers it
once, as it does every message. The draft is not a document of the case: the step's gate waits
for the official's own upload of the final letter, and refuses a draft sent back unchanged
(`refuse_drafts`: its bytes are those of an issued draft, placeholders and all).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from bot.core import files
from bot.core.render import long_date
from bot.core.sop import letters
from bot.core.sop.spec import Letter, SopSpec
from bot.core.texts import text
from bot.services import notify
from bot.services.errors import DocumentRejected
from bot.services.intake_fields import GRADES, answered
from bot.services.transaction import Recorded, Transaction
from models import Event, Official, Proposal, Task

log = logging.getLogger(__name__)

TEMPLATE = "letter_draft"  # the caption (templates/letter_draft.j2)
ISSUED = "surat"  # the kind of record, in `record_issued`
SETTLED = ("approve", "reject", "decide", "dispose")


async def send_draft(uow: Transaction, recorded: Recorded) -> None:
    """The step's letter, filled for this case, to whoever is told of the task now."""
    task = recorded.task
    assert task is not None
    proposal = recorded.proposal or await uow.session.get(Proposal, task.proposal_id)
    assert proposal is not None
    spec = uow.spec_of(proposal)
    letter = spec.step(task.step_key).letter
    if letter is None:
        return
    who = await uow.reads.recipient(task)
    if who is None or who.telegram_user_id is None:
        return  # nobody may act on it yet: its overseers pass it on, they write no letter
    context = await draft_context(uow, task, proposal, spec, who)
    try:
        content = await asyncio.to_thread(letters.fill, letter.content, context)
    except Exception:  # the template was tried when loaded: a case's data broke it
        log.exception("letter %s for task %s not filled", letter.template, task.id)
        return
    stored = uow.ctx.archive.store(content)
    name = _file_name(spec, letter, proposal, content)
    uow.record(
        "record_issued",
        task=task,
        proposal=proposal,
        payload={
            "kind": ISSUED,
            "document": letter.document,
            "template": letter.template,
            "template_sha256": letter.sha256,
            "sha256": stored.sha256,
            "name": name,
            "to": who.id,
        },
    )
    uow.send(
        who.telegram_user_id,
        TEMPLATE,
        {
            "proposal": notify.proposal_context(proposal, spec),
            "step": notify.step_context(spec.step(task.step_key), spec),
            "document": spec.documents[letter.document].title,
            "kind": letter.document,  # a file sent as a reply to the draft is kept as this
            "file": {"archive_path": stored.path, "name": name, "sha256": stored.sha256},
            # Not sent protected even when the case is restricted: a protected file cannot be
            # saved, so the official could not edit it; it goes to the actor's private chat only.
            "restricted": spec.restricted(proposal.fields),
        },
        cause=recorded.event,
        proposal_id=proposal.id,
        task_id=task.id,
        document=True,
    )


async def refuse_drafts(uow: Transaction, proposal: Proposal, content: bytes) -> None:
    """Refuse, as a document of `proposal`, a letter draft the bot made, byte for byte: this
    case's own (not edited yet: "[Nama Gubernur]" and the coordination initials still in it), or
    another case's (a wrong file picked)."""
    digest = hashlib.sha256(content).hexdigest()
    draft_of = await uow.session.scalar(
        select(Event.proposal_id)
        .where(
            Event.type == "record_issued",
            Event.payload["kind"].as_string() == ISSUED,
            Event.payload["sha256"].as_string() == digest,
        )
        .limit(1)
    )
    if draft_of is None:
        return
    if draft_of == proposal.id:
        raise DocumentRejected("the draft, unedited", reason="draft")
    raise DocumentRejected("another case's draft", reason="other_draft")


def _file_name(spec: SopSpec, letter: Letter, proposal: Proposal, content: bytes) -> str:
    """ "Konsep surat usulan 0001-KS-2026.docx": a number's slashes would read as folders."""
    title = spec.documents[letter.document].title
    number = re.sub(r"[/\\]+", "-", proposal.number)
    return files.safe_name(f"{title} {number}.docx", files.detect(content))


async def draft_context(
    uow: Transaction, task: Task, proposal: Proposal, spec: SopSpec, who: Official
) -> dict[str, Any]:
    """What a template may use (`bot.core.sop.letters.NAMES`), for `task`'s step of `proposal`."""
    zone = uow.ctx.settings.zone
    step = spec.step(task.step_key)
    kind = spec.kinds.get(proposal.kind) if proposal.kind else None
    registrar = await uow.session.get(Official, proposal.registered_by_id)
    history = await _history(uow, proposal, spec)
    assert step.letter is not None
    return {
        "case": {
            "number": proposal.number,
            "title": proposal.title,
            "kind": kind.title if kind else None,
            "origin": proposal.origin,
            "registered": long_date(proposal.registered_at.astimezone(zone).date()),
            "registrar": registrar.name if registrar else None,
            "verdict": proposal.verdict,
        },
        "fields": _fields(spec, proposal.fields or {}),
        "office": {"institution": spec.header.institution, "unit": spec.header.unit},
        "sop": {
            "name": spec.header.name,
            "number": spec.header.number,
            "code": spec.code,
            "version": spec.version,
        },
        "step": {
            "number": step.number,
            "title": step.short_title,
            "activity": step.activity,
            "output": step.output,
        },
        "official": {"name": who.name, "role": spec.roles[task.role].title},
        "document": spec.documents[step.letter.document].title,
        "today": long_date(uow.now.astimezone(zone).date()),
        "history": history,
        "decided": {act["key"]: act for act in history},  # the latest of each step
    }


def _fields(spec: SopSpec, values: dict[str, Any]) -> dict[str, str]:
    """The SOP's own intake answers by key, as a letter writes them: dates in words."""
    found: dict[str, str] = {}
    for name in GRADES:
        grades = spec.urgency if name == "urgency" else spec.classification
        level = grades.level(values.get(name)) if grades else None
        if level is not None:
            found[name] = level.title
    found |= {f.key: value for f, value in answered(spec, values, _in_words)}
    return found


def _in_words(typed: str) -> str:
    """A date as a letter writes it ("23 November 2026"); kept as typed if it is no date."""
    try:
        return long_date(typed)
    except ValueError:
        return typed


async def _history(uow: Transaction, proposal: Proposal, spec: SopSpec) -> list[dict[str, Any]]:
    """Each earlier task settled on the case, in the order it was: who did what."""
    zone = uow.ctx.settings.zone
    by = aliased(Official)
    rows = await uow.session.execute(
        select(Task, by.name)
        .outerjoin(by, by.id == Task.completed_by_id)
        .where(
            Task.proposal_id == proposal.id,
            Task.completed_at.is_not(None),
            Task.action.in_(SETTLED),
        )
        .order_by(Task.completed_at, Task.id)
    )
    found = []
    for task, name in rows:
        step = spec.step(task.step_key)
        option = step.decision.option(task.option) if step.decision and task.option else None
        assert task.completed_at is not None and task.action is not None
        found.append(
            {
                "key": step.key,
                "number": step.number,
                "title": step.short_title,
                "role": spec.roles[task.role].title if task.role in spec.roles else task.role,
                "by": name,
                "action": task.action,
                "option": task.option,
                "result": option.label if option else text("letters", task.action),
                "note": task.note,
                "date": long_date(task.completed_at.astimezone(zone).date()),
            }
        )
    return found
