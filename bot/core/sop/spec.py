"""An SOP as a specification: immutable, validated data loaded from a YAML file in `sops/`.

A proposal is an *instance* of one SOP (code + version); database rows refer to steps by key and
never copy the spec. Everything specific to one procedure (roles, kinds of proposal, steps,
documents, times, branches, outcomes) lives in these objects, never in code.

The fields are also the SOP file's format: `bot.core.sop.schema` derives from them which keys
each mapping of the file has and which it must have, so a new field is declared here only.
`field(metadata=...)` marks where the file differs from the dataclass: `written(...)` for another
name, an optional field without a default, or fields written inline; `NOT_WRITTEN` for what the
loader sets itself (lines, the key of an entry).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.core.sop.schema import NOT_WRITTEN, written

Completion = Literal["all", "any"]

SHORT_TITLE = 60  # characters of a step's title on a phone: one line of a task message
TITLE_LIMIT = 80  # a step title written longer than this is refused by the loader


def shorten(text: str, width: int) -> str:
    """`text` whole if it fits in `width`, else cut at the last word that does, with "…"."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text[: width - 1].rsplit(" ", 1)[0].rstrip(" ,;:.-")
    return f"{cut}…"


@dataclass(frozen=True)
class TimeStandard:
    """The "Waktu" column: a target and an optional limit, in working minutes or working days.

    `text` is what the SOP says ("30-60 menit", "10-17 hari kerja"). A standard in minutes sets
    `target_minutes` (and `limit_minutes` for a range); one in days sets `target_days` (and
    `limit_days`) instead, and leaves the minutes None: a working day is not a number of minutes
    but "until the office closes on the N-th working day after receipt"
    (`bot.core.calendar.WorkCalendar.add_working_days`). With neither, the SOP gives no time and
    the configured default applies, shown as an assumption.
    """

    text: str | None
    target_minutes: int | None
    limit_minutes: int | None = None
    target_days: int | None = None
    limit_days: int | None = None

    @property
    def given(self) -> bool:
        return self.target_minutes is not None or self.target_days is not None

    @property
    def in_days(self) -> bool:
        return self.target_days is not None


@dataclass(frozen=True)
class Kind:
    """A kind of proposal (this SOP: KAK from an agency, FS from a third party)."""

    key: str = field(metadata=NOT_WRITTEN)  # its key in the file's mapping
    title: str
    line: int = field(default=0, metadata=NOT_WRITTEN)


@dataclass(frozen=True)
class Role:
    key: str = field(metadata=NOT_WRITTEN)  # its key in the file's mapping
    title: str
    superior: str | None = None  # role to escalate to when a nudge is ignored
    line: int = field(default=0, metadata=NOT_WRITTEN)
    oversees: bool = False  # its holders see every case of the SOP (bot/services/access.py)


@dataclass(frozen=True)
class DocumentKind:
    key: str = field(metadata=NOT_WRITTEN)  # its key in the file's mapping
    title: str
    line: int = field(default=0, metadata=NOT_WRITTEN)


@dataclass(frozen=True)
class Requirement:
    """A required input ("Kelengkapan") of a step or of a decision option.

    upload=True: the acting official must attach this document to the task before acting.
    upload=False: the document must already be on the proposal (produced by an earlier step).
    """

    document: str
    upload: bool = field(metadata=written(required=False))  # false when not written
    line: int = field(default=0, metadata=NOT_WRITTEN)


@dataclass(frozen=True)
class Target:
    """Where a transition leads: exactly one of a step key or a terminal outcome key."""

    step: str | None = field(default=None, metadata=written("to"))
    end: str | None = None

    def __post_init__(self) -> None:
        if (self.step is None) == (self.end is None):
            raise ValueError("a target is either a step or an end, not both or neither")


@dataclass(frozen=True)
class Transition:
    """What happens on approve or on reject.

    notify: extra roles told of this transition (e.g. the originating agency);
    verdict: recorded on the proposal as the decision of record (e.g. "disetujui").
    """

    target: Target = field(metadata=written(inline=True))  # to: / end:
    notify: tuple[str, ...] = ()
    verdict: str | None = None
    line: int = field(default=0, metadata=NOT_WRITTEN)


@dataclass(frozen=True)
class Option:
    """One labelled branch of a decision step; `kinds` empty means every kind."""

    key: str
    label: str
    target: Target = field(metadata=written(inline=True))  # to: / end:
    kinds: tuple[str, ...] = ()
    requires: tuple[Requirement, ...] = ()
    note_required: bool = False
    notify: tuple[str, ...] = ()
    verdict: str | None = None
    line: int = field(default=0, metadata=NOT_WRITTEN)

    def applies_to(self, kind: str | None) -> bool:
        return not self.kinds or kind in self.kinds


@dataclass(frozen=True)
class Decision:
    question: str
    options: tuple[Option, ...]
    line: int = field(default=0, metadata=NOT_WRITTEN)

    def option(self, key: str) -> Option | None:
        return next((o for o in self.options if o.key == key), None)


@dataclass(frozen=True)
class Instruction:
    """A standard instruction of a disposition ("Tindak lanjuti", "Untuk diketahui")."""

    key: str
    label: str
    # "untuk diketahui": its recipient is sent the case to read, with no task of their own
    informs: bool = False
    line: int = field(default=0, metadata=NOT_WRITTEN)


@dataclass(frozen=True)
class Disposition:
    """A head's disposition, as it is given on the sheet: to whom — one or several of the
    holders of `to` — each with a standard instruction, and one note for all. Those asked to act
    get the next step's task (a step whose `actor_from` is this step); the others are told."""

    to: tuple[str, ...]
    instructions: tuple[Instruction, ...]
    # Where the case goes when the disposition asks nobody to act ("Arsipkan", "Untuk
    # diketahui" only); None: someone must be asked to act.
    on_inform: Transition | None = None
    line: int = field(default=0, metadata=NOT_WRITTEN)

    def instruction(self, key: object) -> Instruction | None:
        return next((i for i in self.instructions if i.key == key), None)


@dataclass(frozen=True)
class Letter:
    """A letter draft sent with the step's task: `template` (a .docx, relative to the SOP file)
    filled with the case's data when the step starts; the official edits it and uploads the
    final letter as `document`, which the step's `requires` asks for (`bot.core.sop.letters`)."""

    template: str
    document: str
    line: int = field(default=0, metadata=NOT_WRITTEN)
    # The template as read and checked when the file was loaded: drafts are made from this,
    # so a file edited later takes effect at the next start, checked again then.
    content: bytes = field(default=b"", repr=False, compare=False, metadata=NOT_WRITTEN)
    sha256: str = field(default="", repr=False, compare=False, metadata=NOT_WRITTEN)


@dataclass(frozen=True)
class Step:
    key: str
    number: int
    activity: str
    time: TimeStandard
    # Who acts: holders of these roles, or — `actor_from` — the person named for this case: in
    # an intake field of type `official` (the letter's addressee), or by the disposition given
    # at an earlier step (one task per official asked to act). One of the two.
    actors: tuple[str, ...] = ()
    actor_from: str | None = None
    completion: Completion = "all"
    requires: tuple[Requirement, ...] = ()
    output: str | None = None
    on_approve: Transition | None = None
    on_reject: Transition | None = None
    decision: Decision | None = None
    disposition: Disposition | None = None  # the actor disposes of the case to named officials
    source: str | None = None  # citation of the row in the source document
    # A few words for a phone screen ("Telaah dokumen"); the activity stays one tap away.
    title: str | None = None
    letter: Letter | None = None  # a draft of the letter the step produces, sent with its task
    line: int = field(default=0, metadata=NOT_WRITTEN)

    def uploads(self) -> set[str]:
        """The documents its actor attaches here: the step's own, and any option's."""
        found = {r.document for r in self.requires if r.upload}
        for option in self.decision.options if self.decision else ():
            found |= {r.document for r in option.requires if r.upload}
        return found

    @property
    def short_title(self) -> str:
        """The step's title, or the start of its activity cut at a word (SOPs without titles)."""
        return self.title or shorten(self.activity, SHORT_TITLE)

    @property
    def is_decision(self) -> bool:
        return self.decision is not None

    def targets(self) -> list[Target]:
        found = [t.target for t in (self.on_approve, self.on_reject) if t is not None]
        if self.disposition is not None and self.disposition.on_inform is not None:
            found.append(self.disposition.on_inform.target)
        if self.decision is not None:
            found.extend(o.target for o in self.decision.options)
        return found


@dataclass(frozen=True)
class Outcome:
    key: str = field(metadata=NOT_WRITTEN)  # its key in the file's mapping
    title: str
    notify: tuple[str, ...] = ()  # roles told when a proposal closes with this outcome
    line: int = field(default=0, metadata=NOT_WRITTEN)


FieldType = Literal["text", "choice", "date", "official", "file"]
FIELD_TYPES: tuple[FieldType, ...] = ("text", "choice", "date", "official", "file")


@dataclass(frozen=True)
class IntakeField:
    """One more thing intake asks, as the SOP names it (the letter's number, its date, whom it
    is for). `official`: one of the officials holding `roles`, offered in that order — a step
    whose `actor_from` names this field goes to that person; `file`: kept as `document`."""

    key: str
    label: str
    type: FieldType = "text"
    required: bool = True  # False: a "skip" button
    options: tuple[str, ...] = ()  # choice: the buttons
    roles: tuple[str, ...] = ()  # official: whose holders are offered
    document: str | None = None  # file: the document kind it is kept as
    line: int = field(default=0, metadata=NOT_WRITTEN)


@dataclass(frozen=True)
class Intake:
    """How a case enters the SOP: who may register it, with which document, from whom."""

    registrars: tuple[str, ...]
    document: str | None = None  # document kind attached at registration
    origin_role: str | None = None  # role whose holder in the origin unit hears of outcomes
    number_format: str = "{seq:04d}/{code}/{year}"
    # How the case's title and origin are asked and shown ("Perihal", "Asal surat"); None: the
    # templates' neutral words.
    title_label: str | None = None
    origin_label: str | None = None
    fields: tuple[IntakeField, ...] = ()  # asked after the origin, in this order
    line: int = field(default=0, metadata=NOT_WRITTEN)

    def asks(self, key: str) -> IntakeField | None:
        return next((f for f in self.fields if f.key == key), None)

    @property
    def title_shown(self) -> str | None:
        """The title's label on every message (the question intake asks may be longer)."""
        return short_label(self.title_label)

    @property
    def origin_shown(self) -> str | None:
        """The origin's label on every message: `Asal usulan (Perangkat Daerah atau pihak
        ketiga)` is asked in full, and shown as `Asal usulan`."""
        return short_label(self.origin_label)


def short_label(label: str | None) -> str | None:
    """A label as a line of a message shows it: without the explanation in brackets that
    follows it, when there is something before them."""
    if label is None:
        return None
    before, bracket, _ = label.partition(" (")
    return before.strip() if bracket and before.strip() else label


@dataclass(frozen=True)
class Case:
    """What the SOP calls one of its cases, and the command that registers one.

    `noun` is a common noun as it reads mid-sentence ("usulan", "surat masuk", "permohonan
    informasi"); None: the templates' neutral word. `command` (letters only) registers a case
    of this SOP at once, beside the neutral command that asks which SOP.
    """

    noun: str | None = None
    command: str | None = None
    line: int = field(default=0, metadata=NOT_WRITTEN)
    command_line: int = field(default=0, metadata=NOT_WRITTEN)  # where `command` is written


@dataclass(frozen=True)
class Level:
    """One grade of a letter's urgency (sifat: biasa, segera, sangat segera) or security class
    (klasifikasi: biasa, terbatas, rahasia)."""

    key: str = field(metadata=NOT_WRITTEN)  # its key in the file's mapping
    title: str
    # urgency: the time standards and reminder intervals of the case are multiplied by this
    factor: float = 1.0
    # classification: the case's title and documents stay off group chats, and documents are
    # sent with Telegram's protect_content (no forwarding, no saving)
    restricted: bool = False
    line: int = field(default=0, metadata=NOT_WRITTEN)


@dataclass(frozen=True)
class Grades:
    """`urgency:` or `classification:` — intake asks which level (the first is the default)."""

    levels: dict[str, Level]
    label: str | None = None  # how intake asks it ("Sifat", "Klasifikasi")
    line: int = field(default=0, metadata=NOT_WRITTEN)

    def level(self, key: object) -> Level | None:
        return self.levels.get(str(key)) if key is not None else None


@dataclass(frozen=True)
class Header:
    """The Permenpan RB 35/2012 header block, kept whole for /sop and reports."""

    institution: str
    number: str
    name: str
    unit: str | None = None
    made_on: str | None = None
    revised_on: str | None = None
    effective_on: str | None = None
    approved_by: str | None = None
    legal_basis: tuple[str, ...] = ()
    qualifications: tuple[str, ...] = ()
    related_sops: tuple[str, ...] = ()
    equipment: tuple[str, ...] = ()
    warning: str | None = None
    records: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class Reminders:
    """How an overdue task is chased; a field left as None takes the office default from
    settings (NUDGE_REPEAT, ESCALATE_AFTER)."""

    enabled: bool = True
    # working minutes between reminders
    repeat_minutes: int | None = field(default=None, metadata=written("repeat"))
    escalate_after: int | None = None  # reminders ignored before the superior is told; 0: never
    line: int = field(default=0, metadata=NOT_WRITTEN)


# How often the compliance report is sent by itself (`monitoring.schedule`), as the file may
# write it -> what it means: each month, or each half year (January-June, July-December).
MONTHLY = "bulanan"
SEMESTER = "semester"
SCHEDULES = {"bulanan": MONTHLY, "monthly": MONTHLY, "semester": SEMESTER, "semesteran": SEMESTER}


@dataclass(frozen=True)
class Monitoring:
    """How the SOP compliance report (laporan monev) judges a step: "berjalan baik" when at
    least `threshold` of its activations were done within the standard; and, with `schedule`
    (MONTHLY or SEMESTER), to which roles (`to`) it is sent on the first working day after
    each period."""

    threshold: float = 0.8
    schedule: str | None = None
    to: tuple[str, ...] = ()
    line: int = field(default=0, metadata=NOT_WRITTEN)


@dataclass(frozen=True)
class SopSpec:
    code: str
    version: str
    header: Header
    roles: dict[str, Role]
    documents: dict[str, DocumentKind] = field(metadata=written(required=False))
    intake: Intake
    outcomes: dict[str, Outcome]
    steps: tuple[Step, ...]
    kinds: dict[str, Kind] = field(default_factory=dict)
    short_code: str | None = None  # used in registration numbers; defaults to code
    reminders: Reminders = field(default_factory=Reminders)
    case: Case = field(default_factory=Case)
    urgency: Grades | None = None
    classification: Grades | None = None
    monitoring: Monitoring = field(default_factory=Monitoring)
    path: str | None = field(default=None, metadata=NOT_WRITTEN)
    # The file as read and the fingerprint of its parsed content (bot.core.sop.fingerprint): what
    # is recorded when the version's first case is registered, to notice a later edit.
    source: str = field(default="", repr=False, compare=False, metadata=NOT_WRITTEN)
    fingerprint: str = field(default="", repr=False, compare=False, metadata=NOT_WRITTEN)

    def step(self, key: str) -> Step:
        for step in self.steps:
            if step.key == key:
                return step
        raise KeyError(f"{self.code}: no step {key!r}")

    def number(self, seq: int, year: int) -> str:
        """A case's registration number, by the SOP's `number_format`."""
        return self.intake.number_format.format(
            seq=seq, year=year, code=self.short_code or self.code
        )

    def factor(self, fields: dict[str, object] | None) -> float:
        """How much a case's urgency (its `urgency` answer) shortens its time standards."""
        level = self.urgency.level((fields or {}).get("urgency")) if self.urgency else None
        return level.factor if level else 1.0

    def restricted(self, fields: dict[str, object] | None) -> bool:
        """Does the case's security class keep it off group chats (and protect its files)?"""
        grades = self.classification
        level = grades.level((fields or {}).get("classification")) if grades else None
        return bool(level and level.restricted)

    def actor_titles(self, step: Step) -> list[str]:
        """Who carries out `step`, as people read it: its roles' titles, or the intake field
        that names the person (the addressee)."""
        if step.actor_from is not None:
            named = self.intake.asks(step.actor_from)
            if named is not None:
                return [named.label]
            giver = next((s for s in self.steps if s.key == step.actor_from), None)
            if giver is not None and giver.disposition is not None:
                return [self.roles[r].title if r in self.roles else r for r in giver.disposition.to]
            return [step.actor_from]
        return [self.roles[r].title if r in self.roles else r for r in step.actors]

    @property
    def first_step(self) -> Step:
        return self.steps[0]
