"""How long each step of a case took, in working time, against the SOP's standard: the one
measure that the demo's summary, the register and the compliance report all show.

A step's activation (its first time for a case, or again after a return) lasts from its start
until its last task ends: parallel reviewers count as one step, done when the slower is. It is
within its standard when done by its due moment: for minutes, within the limit of a range (else
the target); for working days, by the close of the day it fell due (`WorkCalendar`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from bot.core.calendar import WorkCalendar
from bot.core.sop.duration import format_day_standard
from bot.core.sop.spec import SopSpec, Step


class TaskLike(Protocol):
    """What the measure reads of a task: a `Task`, or a row of `TASK_COLUMNS`."""

    step_key: str
    activation: int
    started_at: datetime
    completed_at: datetime | None
    target_due_at: datetime | None
    limit_due_at: datetime | None
    action: str | None
    option: str | None
    forwarded_to_id: int | None
    reminders_sent: int
    completed_by_id: int | None


TaskRow = tuple[TaskLike, str | None]  # a task and the name of whoever completed it


@dataclass(slots=True)
class StepTime:
    number: int
    activity: str
    actors: list[str]  # who the SOP says carries it out: role titles, or the field naming them
    done_by: list[str]  # the officials who completed its tasks
    standard: str | None  # as the SOP writes it ("30-60 menit"); None: the office default
    standard_minutes: int  # the target (or the office default) in working minutes; 0 in days
    limit_minutes: int | None
    took_minutes: int
    within: bool  # done by the due moment; in minutes, within the limit (or the target)
    standard_days: int = 0  # a standard in working days: the days counted (the limit's, if any)
    standard_words: str | None = None  # and in words, "10–17 hari kerja"
    key: str = ""
    title: str = ""  # the step's short title
    activation: int = 1
    started_at: str | None = None  # ISO, as the JSON of the demo and the records carry it
    ended_at: str | None = None  # None: still open
    action: str | None = None  # how it was settled: approve, reject, decide, dispose
    option: str | None = None  # the decision's option
    forwarded: bool = False  # one of its tasks was passed to a colleague
    reminders: int = 0  # reminders sent for its tasks
    late_by: int = 0  # working minutes past its due moment (0 when within)
    open: bool = False  # a task of it is still open (then `ended_at` is None)
    # those of `done_by` whose own task ended past the due moment (a parallel reviewer on time
    # is not late because the other was)
    late_done_by: list[str] = field(default_factory=list)
    # who they are, in the same order: two officials may share a name
    done_by_ids: list[int | None] = field(default_factory=list)
    late_done_by_ids: list[int | None] = field(default_factory=list)

    @property
    def returned(self) -> bool:
        """The step sent the case back (a rejection)."""
        return self.action == "reject"


def standard_minutes(steps: Iterable[StepTime]) -> int:
    """The working minutes the steps are held to, added up: a range's limit ("30-60 menit": 60,
    as `within` judges it), else the target; a standard in days counts apart (`standard_days`)."""
    return sum(s.limit_minutes or s.standard_minutes for s in steps)


def step_times(
    spec: SopSpec,
    rows: Iterable[TaskRow],
    calendar: WorkCalendar,
    now: datetime,
    default_minutes: int,
) -> list[StepTime]:
    """Each step activation of one case, in the order it started, from its tasks (by id)."""
    found: dict[tuple[str, int], StepTime] = {}
    ends: dict[tuple[str, int], datetime] = {}  # each run's latest end, as a moment
    steps = _steps(spec)
    for task, name in rows:
        step = steps[task.step_key]
        ended = task.completed_at or now
        took = round(calendar.working_minutes_between(task.started_at, ended))
        at = (step.key, task.activation)
        run = found.get(at)
        if run is None:
            run = found[at] = _new(spec, step, task, took, default_minutes)
        if task.completed_at is None:
            run.open = True
        elif at not in ends or task.completed_at > ends[at]:
            ends[at] = task.completed_at
        late = _count(run, step, task, ended, took, calendar)
        if name and task.action not in ("superseded", "recalled"):
            run.done_by.append(name)
            run.done_by_ids.append(task.completed_by_id)
            if late:
                run.late_done_by.append(name)
                run.late_done_by_ids.append(task.completed_by_id)
    for at, run in found.items():
        # ISO text once per run, not per task: the JSON of the demo and the records carry it
        run.ended_at = None if run.open or at not in ends else _iso(ends[at])
    return list(found.values())


# Per loaded SOP (specs hold dicts, so they are not hashable; they live as long as the bot):
# the steps by key, and what each step's every row repeats.
_PREPARED: dict[
    int, tuple[SopSpec, dict[str, Step], dict[str, tuple[list[str], str, str | None]]]
] = {}


def _steps(spec: SopSpec) -> dict[str, Step]:
    return _prepared(spec)[1]


def _words(spec: SopSpec, step: Step) -> tuple[list[str], str, str | None]:
    """Who acts, the step's title, its day standard in words."""
    return _prepared(spec)[2][step.key]


def _prepared(
    spec: SopSpec,
) -> tuple[SopSpec, dict[str, Step], dict[str, tuple[list[str], str, str | None]]]:
    found = _PREPARED.get(id(spec))
    if found is None or found[0] is not spec:
        words = {
            step.key: (
                spec.actor_titles(step),
                step.short_title,
                format_day_standard(step.time) if step.time.target_days is not None else None,
            )
            for step in spec.steps
        }
        found = _PREPARED[id(spec)] = (spec, {step.key: step for step in spec.steps}, words)
    return found


def _new(spec: SopSpec, step: Step, task: TaskLike, took: int, default_minutes: int) -> StepTime:
    time = step.time
    in_days = time.target_days is not None
    actors, title, words = _words(spec, step)
    return StepTime(
        number=step.number,
        activity=step.activity,
        actors=list(actors),
        done_by=[],
        standard=time.text,
        standard_minutes=0 if in_days else time.target_minutes or default_minutes,
        limit_minutes=time.limit_minutes,
        took_minutes=took,
        within=True,
        standard_days=(time.limit_days or time.target_days or 0) if in_days else 0,
        standard_words=words,
        key=step.key,
        title=title,
        activation=task.activation,
        started_at=_iso(task.started_at),
        ended_at=None,
    )


def _count(
    run: StepTime,
    step: Step,
    task: TaskLike,
    ended: datetime,
    took: int,
    calendar: WorkCalendar,
) -> bool:
    """One of the step's tasks, done at `ended` after `took` working minutes; whether the task
    itself ended late."""
    run.took_minutes = max(run.took_minutes, took)  # a step ends with its last task
    settles = task.action in ("approve", "reject", "decide", "dispose")
    if settles and (run.action is None or task.action != "approve"):  # the settling act
        run.action, run.option = task.action, task.option
    run.forwarded = run.forwarded or task.forwarded_to_id is not None
    run.reminders += task.reminders_sent or 0
    if step.time.in_days:  # within: done by the close of the day it was due
        due = task.limit_due_at or task.target_due_at
        run.within = run.within and (due is None or ended <= due)
        run.late_by = max(run.late_by, calendar.minutes_late(due, ended))
        return due is not None and ended > due
    allowed = run.limit_minutes or run.standard_minutes
    run.within = run.took_minutes <= allowed
    run.late_by = max(0, run.took_minutes - allowed)
    return took > allowed


def _iso(moment: datetime) -> str:
    return (moment if moment.tzinfo is UTC else moment.astimezone(UTC)).isoformat()
