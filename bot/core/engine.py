"""The workflow engine: what may happen next, given an SOP step, a proposal's kind and an action.

Plain Python over the SOP spec — no Telegram, no database — so the services, the reminder sweep,
the CLI and any future front end share one set of rules, and tests of them run in microseconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.sop.spec import Requirement, Step, Target


@dataclass(frozen=True)
class Approve:
    note: str | None = None


@dataclass(frozen=True)
class Reject:
    reason: str


@dataclass(frozen=True)
class Decide:
    option: str
    note: str | None = None


@dataclass(frozen=True)
class Dispose:
    """The disposition of a disposition step given (to whom is the service's business): it
    follows the step's `on_approve`, to the step its recipients act in."""

    note: str | None = None
    informs_only: bool = False  # nobody asked to act: the disposition's `on_inform` route


Action = Approve | Reject | Decide | Dispose


class WorkflowError(Exception):
    """An action the SOP does not allow at this step. `code` names the refusal for templates."""

    code = "not_allowed"


class ActionNotAllowed(WorkflowError):
    code = "action_not_allowed"


class NoteRequired(WorkflowError):
    code = "note_required"


@dataclass(frozen=True)
class Choice:
    """One button the SOP allows at a step: approve, reject, or a decision option."""

    action: str  # "approve" | "reject" | "decide" | "dispose"
    label: str | None = None  # an option's label from the SOP; approve/reject are templated
    option: str | None = None
    note_required: bool = False


@dataclass(frozen=True)
class Route:
    """Where an action leads, and what it records on the way."""

    target: Target
    notify: tuple[str, ...] = ()
    verdict: str | None = None


def choices(step: Step, kind: str | None) -> list[Choice]:
    """The actions open at `step` for a proposal of `kind`, in the SOP's order."""
    if step.decision is not None:
        return [
            Choice("decide", option.label, option.key, option.note_required)
            for option in step.decision.options
            if option.applies_to(kind)
        ]
    found = []
    if step.on_approve is not None:
        found.append(Choice("dispose" if step.disposition is not None else "approve"))
    if step.on_reject is not None:
        found.append(Choice("reject", note_required=True))
    return found


def route(step: Step, action: Action, kind: str | None) -> Route:
    """Where `action` leads from `step`; raise if the SOP does not allow it here."""
    if isinstance(action, Decide):
        option = step.decision.option(action.option) if step.decision else None
        if option is None or not option.applies_to(kind):
            raise ActionNotAllowed(f"option {action.option!r} is not open at step {step.key}")
        if option.note_required and not (action.note or "").strip():
            raise NoteRequired(f"option {option.key!r} needs a note")
        return Route(option.target, option.notify, option.verdict)
    if isinstance(action, Approve | Dispose) and (step.disposition is None) != isinstance(
        action, Approve
    ):  # a disposition step is done by disposing, never by a plain approval (and vice versa)
        raise ActionNotAllowed(f"{type(action).__name__.lower()} is not open at step {step.key}")
    transition = step.on_reject if isinstance(action, Reject) else step.on_approve
    if isinstance(action, Dispose) and action.informs_only:
        assert step.disposition is not None
        transition = step.disposition.on_inform
    if transition is None:
        raise ActionNotAllowed(f"{type(action).__name__.lower()} is not open at step {step.key}")
    if isinstance(action, Reject) and not action.reason.strip():
        raise NoteRequired("a rejection needs a reason")
    return Route(transition.target, transition.notify, transition.verdict)


def requirements(step: Step, action: Action) -> tuple[Requirement, ...]:
    """The documents that must be in place before `action` may complete the task."""
    if isinstance(action, Reject):
        return ()  # sending back never waits for the documents the step would produce
    if isinstance(action, Decide) and step.decision is not None:
        option = step.decision.option(action.option)
        return step.requires + (option.requires if option else ())
    return step.requires


def missing(
    needed: Iterable[Requirement], on_task: set[str], on_proposal: set[str]
) -> list[Requirement]:
    """Requirements not met: uploads must be on this task, the rest anywhere on the proposal."""
    return [r for r in needed if r.document not in (on_task if r.upload else on_task | on_proposal)]


def completes_step(step: Step, action: Action, others_open: int) -> bool:
    """Does this task's action complete the step's current activation?

    A rejection or a decision settles the step at once; an approval does for completion "any",
    and for "all" only when no other actor's task is still open (step 4: both analysts).
    """
    if not isinstance(action, Approve) or step.completion == "any":
        return True
    return others_open == 0
