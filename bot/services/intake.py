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

from bot.core.sop.spec import Grades, IntakeField, SopSpec
from bot.services import conversations, documents, intake_fields, limits, queries
from bot.services.context import Context
from bot.services.documents import Upload
from bot.services.errors import (
    DocumentRejected,
    FieldRefused,
    InvalidInput,
    NobodyToChoose,
    NotPermitted,
)
from bot.services.proposals import Registered, register_proposal, registrable
from models import Official

INTAKE = "intake"  # what the conversation row waits for
SKIP, CONFIRM = "is", "iy"  # the callback verbs of "skip this question" and "register"

Answers = dict[str, Any]
Accepts = Literal["choice", "text", "file", "confirm"]


@dataclass(frozen=True)
class Option:
    label: str  # the button
    value: Any  # the answer kept: a key, a unit's name, or an official (id, name, role)


async def _sops(ctx: Context, spec: SopSpec | None) -> list[Option]:
    """Never called: the SOPs offered are the official's, chosen in `start`."""
    return []


async def _kinds(ctx: Context, spec: SopSpec) -> list[Option]:
    return [Option(f"{k.key} — {k.title}", key) for key, k in spec.kinds.items()]


def _grades(spec: SopSpec, name: str) -> Grades | None:
    return spec.urgency if name == "urgency" else spec.classification


def _graded(name: str) -> Question:
    """A letter's sifat (`urgency`) or klasifikasi (`classification`): one tap among levels."""

    async def levels(ctx: Context, spec: SopSpec) -> list[Option]:
        grades = _grades(spec, name)
        return [
            Option(level.title, key) for key, level in (grades.levels.items() if grades else ())
        ]

    def label(spec: SopSpec, answers: Answers) -> dict[str, Any]:
        grades = _grades(spec, name)
        return {"grade_label": grades.label if grades else None}

    return Question(
        name,
        "choice",
        name,
        asked=lambda s: _grades(s, name) is not None,
        verb="ig",
        options=levels,
        shows=label,
    )


async def _units(ctx: Context, spec: SopSpec) -> list[Option]:
    units = await queries.units_of_role(ctx, spec.intake.origin_role or "")
    return [Option(unit, unit) for unit in units]


def _document(spec: SopSpec, answers: Answers) -> dict[str, Any]:
    return {"document": spec.documents[spec.intake.document or ""].title}


def _confirmation(spec: SopSpec, answers: Answers) -> dict[str, Any]:
    kind = spec.kinds.get(str(answers.get("kind"))) if answers.get("kind") else None
    files = [
        {"label": f.label, "value": answers[intake_fields.answer_key(f)]["name"]}
        for f in spec.intake.fields
        if f.type == "file" and answers.get(intake_fields.answer_key(f))
    ]
    fields = intake_fields.shown(spec, intake_fields.stored(spec, answers))
    return {"kind_title": kind.title if kind else None, "fields": fields + files}


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
    # A text: what the SOP calls it, said when it is refused for length (None: the neutral word).
    label: Callable[[SopSpec], str | None] = lambda spec: None
    verb: str = ""  # a choice: the callback verb of its buttons
    # A choice: its options; one with none is answered None and passed over.
    options: Callable[[Context, SopSpec], Awaitable[list[Option]]] | None = None
    # A choice whose options come from the database keeps them under this key, so that a
    # press days later means what was shown.
    remember: str = ""
    skippable: bool = False  # answered None by the "skip" button
    shows: Callable[[SopSpec, Answers], dict[str, Any]] = field(default=_nothing)
    # A text typed for a date is read as one (a declared field of type date).
    parse: Callable[[str], Any] | None = None
    document: str | None = None  # a file: the document kind (default: intake.document)


QUESTIONS: tuple[Question, ...] = (
    # Which SOP, when the official may register in several: asked by `start` only.
    Question(
        "sop", "choice", "sop", asked=lambda s: False, verb="ip", options=_sops, remember="sops"
    ),
    Question("kind", "choice", "kind", asked=lambda s: bool(s.kinds), verb="ik", options=_kinds),
    Question("title", "text", "title", limit="title", label=lambda s: s.intake.title_shown),
    Question("origin", "text", "origin", limit="origin", label=lambda s: s.intake.origin_shown),
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
    # A letter's sifat and klasifikasi, where the SOP grades its cases so.
    _graded("urgency"),
    _graded("classification"),
    Question("note", "text", "note", limit="disposition_note", skippable=True),
    Question("confirm", "confirm", None, shows=_confirmation),
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


def questions(spec: SopSpec | None) -> tuple[Question, ...]:
    """The table for this SOP: the built-in questions, its declared fields before the note."""
    if spec is None or not spec.intake.fields:
        return QUESTIONS
    at = next(i for i, q in enumerate(QUESTIONS) if q.stage == "note")
    declared = tuple(_declared(f) for f in spec.intake.fields)
    return (*QUESTIONS[:at], *declared, *QUESTIONS[at:])


def _declared(f: IntakeField) -> Question:
    key = intake_fields.answer_key(f)
    accepts: Accepts = {"text": "text", "date": "text", "file": "file"}.get(f.type, "choice")  # type: ignore[assignment]

    async def options(ctx: Context, spec: SopSpec) -> list[Option]:
        if f.type == "choice":
            return [Option(label, label) for label in f.options]
        return [Option(name, value) for name, value in await intake_fields.officials(ctx, f)]

    return Question(
        key,
        accepts,
        key,
        limit="field" if f.type == "text" else "",
        label=lambda spec: f.label,
        verb=intake_fields.FIELD_VERB if accepts == "choice" else "",
        options=options if accepts == "choice" else None,
        remember=f"{key}:options" if f.type == "official" else "",
        skippable=not f.required,
        shows=lambda spec, answers: {"field": {"label": f.label, "type": f.type}},
        parse=intake_fields.parse_date if f.type == "date" else None,
        document=f.document,
    )


def question_of(ctx: Context, answers: Answers) -> Question | None:
    """The question the answers are waiting on."""
    spec = ctx.sops.get(str(answers["sop"])) if answers.get("sop") in ctx.sops else None
    return next((q for q in questions(spec) if q.stage == answers.get("stage")), None)


async def start(ctx: Context, me: Official, code: str | None = None) -> Asked:
    """The first question: which SOP when the official may register in several (and `code`,
    an SOP's own command, does not say), else that SOP's first question."""
    codes = await registrable(ctx, me.id)
    if code is not None:
        codes = [c for c in codes if c == code]
    if not codes:
        raise NotPermitted("not a registrar")
    if len(codes) == 1:
        return await ask_next(ctx, me, {"sop": codes[0]})
    specs = [ctx.sops.get(c) for c in codes]
    options = [Option(_sop_label(spec), spec.code) for spec in specs]
    answers: Answers = {"stage": "sop", "sops": codes}
    await conversations.expect(ctx, me.telegram_user_id or 0, INTAKE, **answers)
    # No SOP chosen yet: the neutral words ("pengajuan"), which every template takes.
    return Asked(QUESTIONS[0], answers, options, {"wording": wording(None)})


def _sop_label(spec: SopSpec) -> str:
    noun = spec.case.noun
    name = spec.header.name or spec.code
    return f"{noun[:1].upper()}{noun[1:]} — {name}" if noun else name


async def ask_next(ctx: Context, me: Official, answers: Answers) -> Asked:
    """The first question not yet answered (the confirmation once all are), now awaited."""
    spec = _spec(ctx, answers)
    for question in questions(spec):
        if question.key in answers or not question.asked(spec):
            continue
        options = await question.options(ctx, spec) if question.options else []
        if question.options and not options:
            if question.remember and not question.skippable:  # a person who must be named
                field = spec.intake.asks(str(question.key).removeprefix(intake_fields.PREFIX))
                roles = [spec.roles[r].title for r in field.roles] if field else []
                raise NobodyToChoose(
                    "nobody holds the roles", label=question.label(spec), roles=roles
                )
            answers[str(question.key)] = None
            continue
        if question.remember:
            answers[question.remember] = [o.value for o in options]
        break
    answers["stage"] = question.stage
    await conversations.expect(ctx, me.telegram_user_id or 0, INTAKE, **answers)
    shows = {"wording": wording(spec)} | question.shows(spec, answers)
    return Asked(question, answers, options, shows)


def wording(spec: SopSpec | None) -> dict[str, str | None]:
    """The SOP's own words for what intake asks; None where the templates' neutral word fits
    (every word None before an SOP is chosen)."""
    if spec is None:
        return dict.fromkeys(
            ("noun", "title_label", "origin_label", "title_shown", "origin_shown", "origin_role")
        )
    origin = spec.roles.get(spec.intake.origin_role or "")
    return {
        "noun": spec.case.noun,
        "title_label": spec.intake.title_label,
        "origin_label": spec.intake.origin_label,
        # On the confirmation card, as on every message: without an explanation in brackets.
        "title_shown": spec.intake.title_shown,
        "origin_shown": spec.intake.origin_shown,
        "origin_role": origin.title if origin else None,
    }


async def take_text(ctx: Context, me: Official, answers: Answers, text: str) -> Asked | None:
    """The next question, or None when the question asked takes no text (or it is empty).
    Too long: refused and recorded; the question stays open, so the answer can be resent."""
    question = question_of(ctx, answers)
    if question is None or question.accepts != "text" or not text:
        return None
    if question.parse is not None:
        answers[str(question.key)] = question.parse(text)
    else:
        label = question.label(_spec(ctx, answers))
        answers[str(question.key)] = await limits.checked(ctx, me.id, question.limit, text, label)
    return await ask_next(ctx, me, answers)


def takes_file(ctx: Context, answers: Answers) -> bool:
    question = question_of(ctx, answers)
    return question is not None and question.accepts == "file"


async def take_file(
    ctx: Context, me: Official, answers: Answers, receive: Callable[[], Awaitable[Upload]]
) -> Asked:
    """The file received and checked now — registering checks it again — so that a wrong one
    is told at once (and recorded) and the answers so far are kept for the next one."""
    spec = _spec(ctx, answers)
    question = question_of(ctx, answers)
    kind = (question.document if question else None) or spec.intake.document or ""
    try:
        upload = await receive()
        documents.check(ctx, spec, kind, upload)
    except DocumentRejected as refusal:
        await documents.record_refusal(ctx, me.id, "register", refusal)
        raise
    answers[str(question.key) if question and question.key else "file"] = documents.remembered(
        upload
    ) | {
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
    question = question_of(ctx, answers)
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


@dataclass(frozen=True)
class Again:
    """Registering refused one declared answer (an addressee deactivated since being chosen):
    why, and that question asked again, every other answer kept."""

    refusal: FieldRefused
    asked: Asked


async def register(
    ctx: Context, me: Official, answers: Answers, fetch: Callable[[str], Awaitable[bytes]]
) -> Registered | Again:
    """Register the proposal the answers describe (the file fetched again by its id); or,
    when one declared answer cannot be kept any more, ask it again."""
    spec = _spec(ctx, answers)

    async def upload_of(file: dict[str, Any]) -> Upload:
        return await documents.recalled(ctx, file, await fetch(file["file_id"]))

    upload = await upload_of(answers["file"]) if answers.get("file") else None
    attachments = [
        (str(f.document), await upload_of(answers[intake_fields.answer_key(f)]))
        for f in spec.intake.fields
        if f.type == "file" and answers.get(intake_fields.answer_key(f))
    ]
    if not answers.get("title") or not answers.get("origin"):
        raise InvalidInput("incomplete")
    try:
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
            fields=intake_fields.stored(spec, answers),
            attachments=attachments,
        )
    except FieldRefused as refusal:
        declared = spec.intake.asks(str(refusal.details.get("field")))
        if declared is None:
            raise
        del answers[intake_fields.answer_key(declared)]
        return Again(refusal, await ask_next(ctx, me, answers))
    await conversations.forget(ctx, me.telegram_user_id or 0)
    return done
