"""Registering a proposal: the intake before step 1."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from bot.services import documents, intake_fields, limits, progress, roster, sops_in_force
from bot.services.context import Context
from bot.services.documents import Upload
from bot.services.errors import DocumentMissing, InvalidInput, NotFound, NotPermitted
from bot.services.notify import proposal_context
from bot.services.uow import UnitOfWork
from bot.storage.db import read_session
from models import Official, Proposal, RegistrationCounter


@dataclass(frozen=True)
class Registered:
    proposal_id: int
    number: str
    first_task_ids: tuple[int, ...]


async def register_proposal(
    ctx: Context,
    *,
    by: int,
    sop_code: str,
    title: str,
    origin: str,
    kind: str | None = None,
    agency_unit: str | None = None,
    disposition_note: str | None = None,
    document: Upload | None = None,
    fields: dict[str, Any] | None = None,
    attachments: Sequence[tuple[str, Upload]] = (),
) -> Registered:
    """A new case of `sop_code`; `fields`: the SOP's own intake fields by key (a required one
    must be there), `attachments`: its file fields, as (document kind, upload)."""
    if sop_code not in ctx.sops:
        raise NotFound("no such SOP", sop_code=sop_code)
    spec = ctx.sops.get(sop_code)
    title, origin = title.strip(), origin.strip()
    limits.check("title", title, spec.intake.title_shown)
    limits.check("origin", origin, spec.intake.origin_shown)
    limits.check("disposition_note", disposition_note)
    if not title or not origin:
        raise InvalidInput(
            "title and origin are required", field="title" if not title else "origin"
        )
    if spec.kinds and kind not in spec.kinds:
        raise InvalidInput(f"kind must be one of {sorted(spec.kinds)}", field="kind")
    if not spec.kinds and kind is not None:
        raise InvalidInput("this SOP has no kinds of proposal", field="kind")
    origin_acts = any(spec.intake.origin_role in step.actors for step in spec.steps)
    if origin_acts and not agency_unit:
        raise InvalidInput("this SOP needs the agency concerned", field="agency_unit")
    if spec.intake.document is not None:
        if document is None:
            raise DocumentMissing(
                "the proposal document is required",
                missing=[spec.documents[spec.intake.document].title],
            )
        documents.check(ctx, spec, spec.intake.document, document)
    fields = dict(fields or {})
    for name, grades in (("urgency", spec.urgency), ("classification", spec.classification)):
        if grades is None:
            fields.pop(name, None)
            continue
        fields[name] = fields.get(name) or next(iter(grades.levels))  # the first: the usual
        if fields[name] not in grades.levels:
            raise InvalidInput(f"{name} must be one of {sorted(grades.levels)}", field=name)
    given_files = {kind for kind, _ in attachments}
    for declared in spec.intake.fields:
        there = (
            declared.document in given_files
            if declared.type == "file"
            else (fields.get(declared.key) not in (None, ""))
        )
        if declared.required and not there:
            raise InvalidInput(f"{declared.key} is required", field=declared.key)
        if declared.type == "text":
            limits.check("field", fields.get(declared.key), declared.label)
    intake_fields.check_values(spec, fields)
    for attached_kind, attached in attachments:
        documents.check(ctx, spec, attached_kind, attached)

    async with UnitOfWork(ctx) as uow:
        official = await uow.session.get(Official, by)
        if official is None or not official.active:
            raise NotFound("unknown official", official_id=by)
        if not official.is_admin and not await roster.holds_any(
            uow.session, by, spec.intake.registrars, uow.now, acting_counts=True
        ):
            raise NotPermitted("not a registrar of this SOP", roles=list(spec.intake.registrars))
        # Now, not when chosen: the addressee may have left since.
        await intake_fields.check_officials(uow.session, spec, fields, uow.now)
        year = uow.now.astimezone(ctx.settings.zone).year
        seq = await _next_seq(uow, spec.code, year)
        proposal = Proposal(
            number=spec.number(seq, year),
            year=year,
            seq=seq,
            title=title,
            kind=kind,
            origin=origin,
            agency_unit=agency_unit,
            disposition_note=(disposition_note or "").strip() or None,
            fields=fields or None,
            sop_code=spec.code,
            sop_version=spec.version,
            registered_by_id=by,
            registered_at=uow.now,
        )
        await sops_in_force.record(uow, spec)  # its first case puts this version in force
        uow.session.add(proposal)
        await uow.session.flush()
        uow.record(
            "proposal_registered",
            proposal=proposal,
            actor_id=by,
            payload=proposal_context(proposal, spec)
            | {"disposition_note": proposal.disposition_note},
        )
        if document is not None and spec.intake.document is not None:
            await documents.record(
                uow,
                proposal,
                None,
                kind=spec.intake.document,
                upload=document,
                by=by,
            )
        for attached_kind, attached in attachments:
            await documents.record(uow, proposal, None, kind=attached_kind, upload=attached, by=by)
        tasks = await progress.start_step(uow, spec, proposal, spec.first_step)
        await uow.commit()
        return Registered(proposal.id, proposal.number, tuple(t.id for t in tasks))


async def _next_seq(uow: UnitOfWork, sop_code: str, year: int) -> int:
    """Take the next number under a row lock, so two instances never give the same one."""
    bump = (
        update(RegistrationCounter)
        .where(RegistrationCounter.sop_code == sop_code, RegistrationCounter.year == year)
        .values(last_seq=RegistrationCounter.last_seq + 1)
        .returning(RegistrationCounter.last_seq)
    )
    seq = await uow.session.scalar(bump)
    if seq is None:
        try:  # first of the year; another instance may race us to create the row
            async with uow.session.begin_nested():
                uow.session.add(RegistrationCounter(sop_code=sop_code, year=year, last_seq=0))
        except IntegrityError:
            pass
        seq = await uow.session.scalar(bump)
    assert seq is not None
    return seq


async def registrable(ctx: Context, official_id: int) -> list[str]:
    """The SOPs (codes) in which this official may register a new case."""
    now = ctx.clock.now()
    async with read_session(ctx.engine) as session:
        official = await session.get(Official, official_id)
        if official is None or not official.active:
            return []
        return [
            spec.code
            for spec in ctx.sops.latest()
            if official.is_admin
            or await roster.holds_any(
                session, official_id, spec.intake.registrars, now, acting_counts=True
            )
        ]
