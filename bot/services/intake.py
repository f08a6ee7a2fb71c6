"""The intake wizard (`/usulan`) as data: an ordered table of questions, and one interpreter.

Each question says what it accepts (a choice by button, a text, a file; the last one, a
confirmation), where its answer is kept, how the answer is checked, and when it is asked at
all. The next question is the next row of the table that applies to the SOP and is not yet
answered, so a new question is a new row. The answers so far live in the conversation row
(`services.conversations`), so a restart mid-way loses nothing; the handler only renders.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.core.sop.spec import SopSpec
from bot.services import conversations, documents, limits, queries
from bot.services.context import Context
from bot.services.documents import Upload
from bot.services.errors import DocumentRejected, InvalidInput, NotPermitted
from bot.services.proposals import Registered, register_proposal, registrable
from models import Official

INTAKE = "intake"  # what the conversation row waits for
SKIP, CONFIRM = "is", "iy"  # the callback verbs of "skip this question" and "register"

Answers = dict[str, Any]
Accepts = Literal["choice", "text", "file", "confirm"]


@dataclass(frozen=True)
class Option:
    label: str  # the button
    value: str  # the answer kept


async def _kinds(ctx: Context, spec: SopSpec) -> list[Option]:
    return [Option(f"{k.key} — {k.title}", key) for key, k in spec.kinds.items()]


async def _units(ctx: Context, spec: SopSpec) -> list[Option]:
    units = await queries.units_of_role(ctx, spec.intake.origin_role or "")
    return [Option(unit, unit) for unit in units]


def _document(spec: SopSpec, answers: Answers) -> dict[str, Any]:
    return {"document": spec.documents[spec.intake.document or ""].title}


def _kind_title(spec: SopSpec, answers: Answers) -> dict[str, Any]:
    kind = spec.kinds.get(str(answers.get("kind"))) if answers.get("kind") else None
    return {"kind_title": kind.title if kind else None}


def _always(spec: SopSpec) -> bool:
    return True


def _nothing(spec: SopSpec, answers: Answers) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Question:
    stage: str  # the conversation's stage; templates/intake.j2 words the question by it
    accepts: Accepts
    key: str | None  # where the answer is kept in the answers (None: the confirmation)
    asks: str = "intake"  # the template that asks
    asked: Callable[[SopSpec], bool] = _always  # whether this SOP asks it at all
    limit: str = ""  # a text: the limit (services.limits) it is held to
    verb: str = ""  # a choice: the callback verb of its buttons
    # A choice: its options; one with none is answered None and passed over.
    options: Callable[[Context, SopSpec], Awaitable[list[Option]]] | None = None
    # A choice whose options come from the database keeps them under this key, so that a
    # press days later means what was shown.
    remember: str = ""
    skippable: bool = False  # answered None by the "skip" button
    shows: Callable[[SopSpec, Answers], dict[str, Any]] = field(default=_nothing)


QUESTIONS: tuple[Question, ...] = (
    Question("kind", "choice", "kind", asked=lambda s: bool(s.kinds), verb="ik", options=_kinds),
    Question("title", "text", "title", limit="title"),
    Question("origin", "text", "origin", limit="origin"),
    Question(
        "unit",
        "choice",
        "unit",
        asked=lambda s: bool(s.intake.origin_role),
        verb="iu",
        options=_units,
        remember="units",
        skippable=True,
    ),
    Question("document", "file", "file", asked=lambda s: bool(s.intake.document), shows=_document),
    Question("note", "text", "note", limit="disposition_note", skippable=True),
    Question("confirm", "confirm", None, shows=_kind_title),
)


@dataclass(frozen=True)
class Asked:
    """The question now asked, with what its message shows."""

    question: Question
    answers: Answers
    options: list[Option]
    shows: dict[str, Any]


def _spec(ctx: Context, answers: Answers) -> SopSpec:
    return ctx.sops.get(str(answers["sop"]))


def question_of(answers: Answers) -> Question | None:
    """The question the answers are waiting on."""
    return next((q for q in QUESTIONS if q.stage == answers.get("stage")), None)


async def start(ctx: Context, me: Official) -> Asked:
    codes = await registrable(ctx, me.id)
    if not codes:
        raise NotPermitted("not a registrar")
    return await ask_next(ctx, me, {"sop": codes[0]})


async def ask_next(ctx: Context, me: Official, answers: Answers) -> Asked:
    """The first question not yet answered (the confirmation once all are), now awaited."""
    spec = _spec(ctx, answers)
    for question in QUESTIONS:
        if question.key in answers or not question.asked(spec):
            continue
        options = await question.options(ctx, spec) if question.options else []
        if question.options and not options:
            answers[str(question.key)] = None
            continue
        if question.remember:
            answers[question.remember] = [o.value for o in options]
        break
    answers["stage"] = question.stage
    await conversations.expect(ctx, me.telegram_user_id or 0, INTAKE, **answers)
    return Asked(question, answers, options, question.shows(spec, answers))


async def take_text(ctx: Context, me: Official, answers: Answers, text: str) -> Asked | None:
    """The next question, or None when the question asked takes no text (or it is empty).
    Too long: refused and recorded; the question stays open, so the answer can be resent."""
    question = question_of(answers)
    if question is None or question.accepts != "text" or not text:
        return None
    answers[str(question.key)] = await limits.checked(ctx, me.id, question.limit, text)
    return await ask_next(ctx, me, answers)


def takes_file(answers: Answers) -> bool:
    question = question_of(answers)
    return question is not None and question.accepts == "file"


async def take_file(
    ctx: Context, me: Official, answers: Answers, receive: Callable[[], Awaitable[Upload]]
) -> Asked:
    """The file received and checked now — registering checks it again — so that a wrong one
    is told at once (and recorded) and the answers so far are kept for the next one."""
    spec = _spec(ctx, answers)
    kind = spec.intake.document or ""
    try:
        upload = await receive()
        documents.check(ctx, spec, kind, upload)
    except DocumentRejected as refusal:
        await documents.record_refusal(ctx, me.id, "register", refusal)
        raise
    answers["file"] = documents.remembered(upload) | {
        "name": documents.stored_name(upload, spec.documents[kind].title),  # as it will be stored
    }
    return await ask_next(ctx, me, answers)


@dataclass(frozen=True)
class Pressed:
    answers: Answers
    confirmed: bool  # the confirmation: register now


async def take_press(ctx: Context, me: Official, verb: str, index: int) -> Pressed | None:
    """The answers with the press taken, or None for a press the question asked does not take
    (a stale button)."""
    waiting = await conversations.awaited(ctx, me.telegram_user_id or 0)
    if waiting is None or waiting.kind != INTAKE:
        return None
    answers = waiting.data
    question = question_of(answers)
    if question is None:
        return None
    if question.accepts == "choice" and verb == question.verb and question.options:
        values = (
            answers.get(question.remember, [])
            if question.remember
            else [o.value for o in await question.options(ctx, _spec(ctx, answers))]
        )
        if index < len(values):
            answers[str(question.key)] = values[index]
            return Pressed(answers, confirmed=False)
    elif verb == SKIP and question.skippable:
        answers[str(question.key)] = None
        return Pressed(answers, confirmed=False)
    elif verb == CONFIRM and question.accepts == "confirm":
        return Pressed(answers, confirmed=True)
    return None


async def register(
    ctx: Context, me: Official, answers: Answers, fetch: Callable[[str], Awaitable[bytes]]
) -> Registered:
    """Register the proposal the answers describe (the file fetched again by its id)."""
    upload = None
    if answers.get("file"):
        file = answers["file"]
        upload = await documents.recalled(ctx, file, await fetch(file["file_id"]))
    if not answers.get("title") or not answers.get("origin"):
        raise InvalidInput("incomplete")
    done = await register_proposal(
        ctx,
        by=me.id,
        sop_code=_spec(ctx, answers).code,
        title=answers["title"],
        origin=answers["origin"],
        kind=answers.get("kind"),
        agency_unit=answers.get("unit"),
        disposition_note=answers.get("note"),
        document=upload,
    )
    await conversations.forget(ctx, me.telegram_user_id or 0)
    return done
