"""Any SOP file played from intake to an outcome, through the emulator, as its officials would.

`disposisi demo --sop FILE` and the end-to-end tests of SOPs other than the seed use this: one
official per role (the origin role held in a sample unit), a registrar who answers each intake
question as it comes, then, for each open task, its official uploads what the step requires
and approves, or takes the option `choose` names for a decision (else the first one offered).
The player reads what is asked from the bot's own state (the intake's stage, the open tasks),
and acts only by what an official does on a phone: write, send a file, tap a button.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from bot.core.sop.spec import Option, SopSpec, Step
from bot.core.texts import text
from bot.services import conversations
from demo.world import Json, World
from models import Document, Proposal, Task
from models.proposals import OPEN

SAMPLE_DATE = "1-12-2026"  # what the registrar types for a date field
SAMPLE_UNIT = "Unit Contoh"  # the origin role's holder, and the unit a case comes from
MAX_ACTS = 200  # a loop in an SOP (a return taken each time) must not play forever
MAX_VISITS = 3  # a step met again more often takes its decision's next option


def _say(entry: str, **fields: object) -> str:
    return text("cli", entry, **fields)


class PlayError(RuntimeError):
    """The SOP could not be played to an outcome (said in words, for the CLI)."""


@dataclass(frozen=True)
class Played:
    number: str
    outcome: str | None  # the outcome's key
    outcome_title: str | None


def pick_names(spec: SopSpec) -> dict[str, str]:
    """Who plays each role: the role's title is enough to tell them apart in a transcript."""
    return {"admin": "Admin TI"} | {
        key: f"Pejabat {role.title}" for key, role in spec.roles.items()
    }


async def register_office(
    world: World, specs: Sequence[SopSpec], names: Mapping[str, str] | None = None
) -> dict[str, str]:
    """An IT admin and one official per role of the SOPs (a role key shared by two SOPs is one
    official); each SOP's origin role in the sample unit. Returns who plays each role."""
    names = dict(names or {}) | {"admin": "Admin TI"}
    for spec in specs:
        names = pick_names(spec) | names
    await world.register("admin", name=names["admin"], note="admin TI")
    origins = {spec.intake.origin_role for spec in specs}
    for spec in specs:
        for key, role in spec.roles.items():
            if key in world.users:
                continue
            unit = SAMPLE_UNIT if key in origins else None
            await world.register(key, unit=unit, name=names[key], note=role.title)
    return names


async def play(
    world: World, spec: SopSpec, choose: dict[str, str], title: str = "Contoh untuk dicoba"
) -> Played:
    number = await _intake(world, spec, title, _kind(spec, choose))
    proposal_id = await _proposal_id(world, number)
    visits: Counter[str] = Counter()
    for _ in range(MAX_ACTS):
        found = await _state(world, proposal_id)
        if found.status != OPEN:
            outcome = spec.outcomes.get(found.outcome or "")
            return Played(number, found.outcome, outcome.title if outcome else None)
        task = await _next_task(world, proposal_id)
        if task is None:
            raise PlayError(_say("play_no_task", number=number))
        step = spec.step(task.step_key)
        visits[step.key] += 1
        await _act(world, spec, step, task, number, choose, visits[step.key])
    raise PlayError(_say("play_endless", number=number, acts=MAX_ACTS))


# `--choose STEP=on_reject`: a step that may send the case back does so, the first time.
RETURN = "on_reject"


def check_choices(spec: SopSpec, choose: Mapping[str, str]) -> list[str]:
    """What is wrong with `--choose STEP=OPTION` for this SOP, in words (empty: nothing)."""
    wrong = []
    for key, option in choose.items():
        step = next((s for s in spec.steps if s.key == key), None)
        if step is not None and option == RETURN and step.on_reject is not None:
            continue  # ↩️ Kembalikan, once
        if step is not None and step.disposition is not None:
            if step.disposition.instruction(option) is None:
                keys = ", ".join(i.key for i in step.disposition.instructions)
                wrong.append(_say("choose_no_option", step=key, option=option, options=keys))
            continue
        if step is None or step.decision is None:
            decisions = ", ".join(s.key for s in spec.steps if s.decision) or "—"
            returns = ", ".join(f"{s.key}={RETURN}" for s in spec.steps if s.on_reject) or "—"
            wrong.append(
                _say("choose_not_a_decision", step=key, decisions=decisions, returns=returns)
            )
        elif step.decision.option(option) is None:
            keys = ", ".join(o.key for o in step.decision.options)
            wrong.append(_say("choose_no_option", step=key, option=option, options=keys))
    return wrong


# -- intake -----------------------------------------------------------------------------------


def _kind(spec: SopSpec, choose: Mapping[str, str]) -> str | None:
    """The first kind every chosen option is offered for (an option may be for one kind)."""
    chosen = [
        option
        for step in spec.steps
        if step.decision is not None and step.key in choose
        for option in [step.decision.option(choose[step.key])]
        if option is not None
    ]
    return next((k for k in spec.kinds if all(o.applies_to(k) for o in chosen)), None)


async def _intake(world: World, spec: SopSpec, title: str, kind: str | None) -> str:
    """The first registrar answers each question the wizard asks, until the case is registered."""
    who = next(r for r in spec.intake.registrars if r in world.users)
    uid = world.uid(who)
    await world.say(who, f"/{spec.case.command}" if spec.case.command else "/baru")
    for _ in range(30):
        message = await world.latest(who, "📝")
        waiting = await conversations.awaited(world.ctx, uid)
        if waiting is None:
            break
        stage = str(waiting.data.get("stage"))
        if stage == "sop":
            await world.press(who, message, _sop_button(spec, message))
        elif stage == "kind" and kind is not None:
            await world.press(who, message, f"{kind} — ")
        elif stage in ("kind", "unit", "urgency", "classification"):
            await world.press(who, message, _first_button(message))
        elif stage == "title":
            await world.say(who, title)
        elif stage == "origin":
            await world.say(who, SAMPLE_UNIT)
        elif stage == "document":
            await world.send_file(who, f"{spec.intake.document}.pdf")
        elif stage.startswith("f:"):
            await _declared(world, who, spec, stage[2:], message)
        elif stage == "note":
            await world.press(who, message, "Lewati")
        elif stage == "confirm":
            await world.press(who, message, "✅ Daftarkan")
            done = await world.latest(who, "terdaftar: ")
            return str(done["text"].split("terdaftar: ")[1].split(" ")[0])
        else:
            raise PlayError(_say("play_unknown_question", stage=stage))
        await _answered(world, uid, message)
    raise PlayError(_say("play_intake_unfinished"))


async def _declared(world: World, who: str, spec: SopSpec, key: str, message: Json) -> None:
    """An SOP's own intake field, answered as its type asks."""
    field = spec.intake.asks(key)
    if field is None:
        raise PlayError(_say("play_unknown_question", stage=key))
    if field.type in ("choice", "official"):
        await world.press(who, message, _first_button(message))
    elif field.type == "file":
        await world.send_file(who, f"{field.document}.pdf")
    elif field.type == "date":
        await world.say(who, SAMPLE_DATE)
    else:
        await world.say(who, f"Contoh {field.label.lower()}")


def _first_button(message: Json) -> str:
    return str(message["buttons"][0][0]["text"])


def _sop_button(spec: SopSpec, message: Json) -> str:
    name = spec.header.name or spec.code
    labels = [b["text"] for row in message["buttons"] for b in row]
    return str(next(label for label in labels if label.endswith(name)))


async def _answered(world: World, uid: int, asked: Json) -> None:
    """Wait for the bot's next message after the one that asked."""
    await world.tg.wait(uid, since_message_id=asked["message_id"], seconds=10)


# -- tasks ------------------------------------------------------------------------------------


async def _proposal_id(world: World, number: str) -> int:
    async with world.ctx.sessions() as session:
        found = await session.scalar(select(Proposal.id).where(Proposal.number == number))
    if found is None:
        raise PlayError(_say("play_not_registered", number=number))
    return int(found)


async def _state(world: World, proposal_id: int) -> Proposal:
    async with world.ctx.sessions() as session:
        found = await session.get(Proposal, proposal_id)
    assert found is not None
    return found


async def _next_task(world: World, proposal_id: int) -> Task | None:
    async with world.ctx.sessions() as session:
        found = await session.scalar(
            select(Task)
            .where(Task.proposal_id == proposal_id, Task.completed_at.is_(None))
            .order_by(Task.id)
            .limit(1)
        )
    return found


async def _uploaded(world: World, task: Task) -> set[str]:
    """The document kinds uploaded on this very task (what `upload: true` asks of it)."""
    async with world.ctx.sessions() as session:
        found = await session.scalars(select(Document.kind).where(Document.task_id == task.id))
    return set(found)


async def _act(
    world: World,
    spec: SopSpec,
    step: Step,
    task: Task,
    number: str,
    choose: dict[str, str],
    visit: int,
) -> None:
    """The task's official uploads what is missing, then approves or takes the option."""
    who = task.role
    if who not in world.users:
        raise PlayError(_say("play_no_official", step=step.key, role=who))
    proposal = await _state(world, task.proposal_id)
    option = _option(spec, step, proposal.kind, choose, visit)
    wanted = [r for r in step.requires if r.upload]
    if step.decision is not None:  # the bot asks which document when the step takes several
        asked = [r for o in step.decision.options for r in o.requires if r.upload]
    else:
        asked = []
    several = len({r.document for r in [*wanted, *asked]}) > 1
    if option is not None:
        wanted += [r for r in option.requires if r.upload]
    have = await _uploaded(world, task)
    for requirement in wanted:
        if requirement.document in have:
            continue
        title = spec.documents[requirement.document].title
        await world.attach(
            who,
            number,
            f"{requirement.document}.pdf",
            choice=title if several else None,
            step=step.number,
        )
        have.add(requirement.document)
    message = await world.task(who, number, step=step.number)
    if choose.get(step.key) == RETURN and step.on_reject is not None and visit == 1:
        answer = await world.press(who, message, "↩️ Kembalikan")
        await world.latest(who, "alasan")
        await world.say(who, "Dicoba lewat demo: alasan contoh")
    elif step.disposition is not None:
        chosen = choose.get(step.key)
        answer = await _dispose(world, step, who, message, None if chosen == RETURN else chosen)
    elif option is None:
        answer = await world.press(who, message, "✅ Setujui")
    else:
        answer = await world.press(who, message, option.label)
        if option.note_required:
            await world.latest(who, "alasan")
            await world.say(who, "Dicoba lewat demo: alasan contoh")
    await _completed(world, task, step, answer)


async def _dispose(world: World, step: Step, who: str, message: Json, chosen: str | None) -> Json:
    """The head disposes to the first official offered, with the instruction `chosen` (else
    the first that asks to act); and, where the SOP has one, to the next official offered with
    an instruction that only informs."""
    given = step.disposition
    assert given is not None
    acting = [i for i in given.instructions if not i.informs]
    informing = [i for i in given.instructions if i.informs]
    first = given.instruction(chosen) if chosen else acting[0]
    assert first is not None
    await world.press(who, message, "✍️ Disposisi")
    picker = await world.latest(who, "Disposisi kepada siapa")
    names = [b["text"] for row in picker["buttons"] for b in row if b["text"].startswith("☐")]
    if not names:
        raise PlayError(_say("play_no_official", step=step.key, role=", ".join(given.to)))
    await world.press(who, picker, names[0])
    await world.press(who, picker, first.label)
    if informing and not first.informs and len(names) > 1:
        await world.press(who, picker, names[1])
        await world.press(who, picker, informing[0].label)
    return await world.press(who, picker, "📨 Kirim disposisi")


async def _completed(world: World, task: Task, step: Step, answer: Json) -> None:
    """Wait until the bot has taken the act (the task is done); else say what it answered."""
    for _ in range(200):
        async with world.ctx.sessions() as session:
            done = await session.scalar(select(Task.completed_at).where(Task.id == task.id))
        if done is not None:
            return
        await asyncio.sleep(0.05)
    said = answer.get("text") or "—"
    raise PlayError(_say("play_not_taken", step=step.key, answer=said))


def _goes_back(spec: SopSpec, step: Step, option: Option) -> bool:
    """Does the option send the case back to this step or an earlier one (a return)?"""
    keys = [s.key for s in spec.steps]
    return option.target.step in keys[: keys.index(step.key) + 1]


def _option(
    spec: SopSpec, step: Step, kind: str | None, choose: dict[str, str], visit: int
) -> Option | None:
    """The decision's option to take: the one `choose` names, else the first offered (the
    next one each time the step comes back, so that a loop ends)."""
    if step.decision is None:
        return None
    offered = [o for o in step.decision.options if o.applies_to(kind)]
    if step.key in choose:
        named = step.decision.option(choose[step.key])
        if named is None or named not in offered:
            keys = ", ".join(o.key for o in offered)
            raise PlayError(
                _say(
                    "play_option_not_offered", step=step.key, option=choose[step.key], options=keys
                )
            )
        if visit == 1 or not _goes_back(spec, step, named):
            return named
        # Taken once, a return has been shown: the step then goes on, or the demo loops forever.
        offered = [o for o in offered if o is not named] or offered
        visit -= 1
    return offered[min(visit - 1, len(offered) - 1)] if visit <= MAX_VISITS else offered[-1]
