"""Semantic checks of an SOP spec: cross-references, the step graph, decisions and documents.

Run by the loader after the structural checks, and usable on a spec built in code; the walks of
the step graph are in `bot.core.sop.graph`. Every problem names the file, the line (from the spec
objects' `line`, or the finer per-field `lines` index the loader records) and the step key, so
that a broken file can be fixed without reading code. Problems are returned cause first, and a
step cut off by a broken reference is said with that reference, not on its own.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable, Mapping, Sequence

from bot.core.sop.graph import Detour, FollowOns, check_documents_available, check_graph
from bot.core.sop.problems import GRAPH, REFERENCE, STRUCTURE, SopProblem, in_order
from bot.core.sop.spec import IntakeField, Requirement, SopSpec, Step, Target, Transition
from bot.core.sop.words import say

# A way out of a step the loader could not read: the step's line, the step key it names if
# any, and the loader's problem (`bot.core.sop.fields.Reader.unread_exits`).
UnreadExit = tuple[int, str | None, SopProblem]

_SHOWN = 4  # steps named in a consequence; the rest are counted


def validate(
    spec: SopSpec,
    file: str | None = None,
    lines: Mapping[tuple[str, ...], int] | None = None,
    unread_exits: Sequence[UnreadExit] = (),
    earlier: Sequence[SopProblem] = (),
) -> list[SopProblem]:
    """Every semantic problem of `spec` (empty when it can run), with `earlier` (the loader's
    own problems) and the consequences folded into their cause, causes first."""
    checker = _Checker(spec, file or spec.path or "<sop>", lines or {}, unread_exits)
    follow_ons = checker.run()
    return in_order([_with(p, follow_ons.get(p)) for p in [*earlier, *checker.problems]])


def _with(problem: SopProblem, follow_ons: FollowOns | None) -> SopProblem:
    if follow_ons is None:
        return problem
    said = []
    if follow_ons.unreachable:
        keys = follow_ons.unreachable
        said.append(say("cuts_off", count=len(keys), steps=_names(keys)))
    if follow_ons.no_outcome:
        keys = follow_ons.no_outcome
        said.append(say("cuts_off_outcome", count=len(keys), steps=_names(keys)))
    message = problem.message + say("consequences", consequences="; ".join(said))
    return dataclasses.replace(problem, message=message)


def _names(keys: list[str]) -> str:
    if len(keys) <= _SHOWN:
        return ", ".join(keys)
    return say("and_more", names=", ".join(keys[:_SHOWN]), more=len(keys) - _SHOWN)


def _close(name: str, known: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return close[0] if close else None


# What intake keeps under these keys already (services.intake): a declared field may not take them.
RESERVED_FIELDS = frozenset(
    {"sop", "stage", "title", "origin", "kind", "unit", "note", "file", "urgency", "classification"}
)


def _hint(name: str, known: Iterable[str]) -> str:
    known = sorted(known)
    close = _close(name, known)
    if close:
        return say("did_you_mean", name=close)
    return say("known_are", known=", ".join(known)) if known else ""


class _Checker:
    def __init__(
        self,
        spec: SopSpec,
        file: str,
        lines: Mapping[tuple[str, ...], int],
        unread_exits: Sequence[UnreadExit],
    ) -> None:
        self.spec = spec
        self.file = file
        self.lines = lines
        self.problems: list[SopProblem] = []
        # First occurrence wins for duplicate keys (the duplicate itself is reported).
        self.steps: dict[str, Step] = {}
        self.index: dict[str, int] = {}  # the index in spec.steps of each key's first step
        for i, step in enumerate(spec.steps):
            self.steps.setdefault(step.key, step)
            self.index.setdefault(step.key, i)
        # Broken ways out, and where each was probably meant to go (`bot.core.sop.graph`).
        self.detours: list[Detour] = []
        self.duplicates: dict[int, SopProblem] = {}
        self.unread: set[int] = set()
        at = {step.line: i for i, step in enumerate(spec.steps)}
        for line, to, problem in unread_exits:
            if line in at:
                i = at[line]
                self.unread.add(i)
                self.detours.append(Detour(i, self.meant(to, i), problem))
        self.renamed = self.renamed_duplicates()

    def meant(self, key: str | None, i: int) -> int | None:
        """The step a way out of step `i` to `key` probably meant, by its index: the key closest
        to it, else the step written next in the file (steps are written in their order);
        None after the last step."""
        close = None if key is None else key if key in self.index else _close(key, self.index)
        if close is not None:
            return self.index[close]
        return i + 1 if i + 1 < len(self.spec.steps) else None

    def renamed_duplicates(self) -> dict[str, int]:
        """Step keys referred to but missing, each paired with a duplicate step that probably
        should carry it (by index): a step copied and its key left unchanged."""
        duplicates = [i for i, step in enumerate(self.spec.steps) if self.index[step.key] != i]
        missing = list(
            dict.fromkeys(
                t.step
                for step in self.spec.steps
                for t in step.targets()
                if t.step is not None and t.step not in self.steps
            )
        )
        renamed: dict[str, int] = {}
        for name in missing:
            close = _close(name, self.index)
            for i in duplicates:
                if i not in renamed.values() and close in (None, self.spec.steps[i].key):
                    renamed[name] = i
                    break
        return renamed

    def add(
        self, line: int | None, message: str, step: str | None = None, rank: int = REFERENCE
    ) -> SopProblem:
        problem = SopProblem(self.file, line or None, step, message, rank=rank)
        self.problems.append(problem)
        return problem

    def at(self, default: int, *path: str) -> int:
        return self.lines.get(path, default)

    def run(self) -> dict[SopProblem, FollowOns]:
        self.check_roles()
        self.check_monitoring()
        self.check_intake()
        self.check_fields()
        self.check_outcomes()
        self.check_steps()
        if not self.spec.steps:
            return {}

        def add_graph(line: int | None, message: str, step: str | None) -> None:
            self.add(line, message, step, GRAPH)

        follow_ons = check_graph(self.spec, self.detours, self.duplicates, add_graph)
        check_documents_available(self.spec, self.steps, add_graph)
        return follow_ons

    # -- references ----------------------------------------------------------------------

    def roles_known(self, roles: Iterable[str], line: int, what: str, step: str | None) -> None:
        for role in roles:
            if role not in self.spec.roles:
                hint = _hint(role, self.spec.roles)
                self.add(line, say("unknown_role", what=what, role=role, hint=hint), step)

    def document_known(self, req: Requirement, step: str | None) -> None:
        if req.document not in self.spec.documents:
            hint = _hint(req.document, self.spec.documents)
            message = say("unknown_document", what="requires", document=req.document, hint=hint)
            self.add(req.line, message, step)

    def check_fields(self) -> None:
        """Declared intake fields: unique keys apart from the built-in answers, known roles
        and documents; a step's `actor_from` names a field of type official."""
        seen: set[str] = set()
        for f in self.spec.intake.fields:
            if f.key in RESERVED_FIELDS:
                self.add(
                    f.line,
                    say(
                        "reserved_field_key",
                        field=f.key,
                        reserved=", ".join(sorted(RESERVED_FIELDS)),
                    ),
                )
            elif f.key in seen:
                self.add(f.line, say("duplicate_field_key", field=f.key))
            seen.add(f.key)
            self.options_once(f)
            self.roles_known(f.roles, self.at(f.line, "field", f.key, "roles"), "roles", None)
            if f.document is not None and f.document not in self.spec.documents:
                hint = _hint(f.document, self.spec.documents)
                message = say("unknown_document", what="fields", document=f.document, hint=hint)
                self.add(self.at(f.line, "field", f.key, "document"), message)
        people = [f.key for f in self.spec.intake.fields if f.type == "official"]
        people += [s.key for s in self.spec.steps if s.disposition is not None]
        for step in self.spec.steps:
            if step.actor_from is not None and step.actor_from == step.key:
                # Its tasks would go to the officials it has not disposed to yet: none.
                others = [p for p in people if p != step.key]
                line = self.at(step.line, "step", step.key, "actor_from")
                hint = _hint("", others) if others else ""
                self.add(line, say("actor_from_itself", step=step.key, hint=hint), step.key)
            elif step.actor_from is not None and step.actor_from not in people:
                hint = _hint(step.actor_from, [p for p in people if p != step.key])
                line = self.at(step.line, "step", step.key, "actor_from")
                self.add(
                    line, say("unknown_actor_from", field=step.actor_from, hint=hint), step.key
                )

    def options_once(self, f: IntakeField) -> None:
        """A choice's buttons are told apart by their text: each is written once (letter case
        aside, as a phone shows them alike)."""
        written: set[str] = set()
        for option in f.options:
            if option.casefold() in written:
                line = self.at(f.line, "field", f.key, "options")
                self.add(line, say("duplicate_field_option", field=f.key, option=option))
            written.add(option.casefold())

    def check_roles(self) -> None:
        roles = self.spec.roles
        if not roles:
            self.add(1, say("no_roles"))
        reported: set[frozenset[str]] = set()
        for role in roles.values():
            line = self.at(role.line, "roles", role.key, "superior")
            if role.superior is not None:
                self.roles_known([role.superior], line, say("superior_of", role=role.key), None)
            chain = [role.key]
            current = role.superior
            while current in roles and current not in chain:
                chain.append(current)
                current = roles[current].superior
            if current is not None and current in chain:
                loop = chain[chain.index(current) :]
                if frozenset(loop) not in reported:
                    reported.add(frozenset(loop))
                    path = " → ".join([*loop, current])
                    at = self.at(roles[loop[0]].line, "roles", loop[0], "superior")
                    self.add(at, say("superior_loop", chain=path))

    def check_monitoring(self) -> None:
        """The roles a scheduled report goes to (`monitoring.to`) are the SOP's own."""
        monitoring = self.spec.monitoring
        line = self.at(monitoring.line, "monitoring", "to")
        self.roles_known(monitoring.to, line, "monitoring: to", None)

    def check_intake(self) -> None:
        intake = self.spec.intake
        self.roles_known(
            intake.registrars, self.at(intake.line, "intake", "registrars"), "intake", None
        )
        if intake.origin_role is not None:
            line = self.at(intake.line, "intake", "origin_role")
            self.roles_known([intake.origin_role], line, "intake: origin_role", None)
        number = intake.number_format
        if "{seq" not in number or "{year" not in number:
            line = self.at(intake.line, "intake", "number_format")
            self.add(line, say("number_format_not_unique"))
        else:
            try:
                number.format(seq=1, year=2026, code="X")
            except (KeyError, ValueError, IndexError) as exc:
                line = self.at(intake.line, "intake", "number_format")
                self.add(line, say("number_format_unusable", error=exc))
        if intake.document is not None and intake.document not in self.spec.documents:
            line = self.at(intake.line, "intake", "document")
            hint = _hint(intake.document, self.spec.documents)
            message = say("unknown_document", what="intake", document=intake.document, hint=hint)
            self.add(line, message)

    def check_outcomes(self) -> None:
        if not self.spec.outcomes:
            self.add(1, say("no_outcomes"))
        for outcome in self.spec.outcomes.values():
            line = self.at(outcome.line, "outcomes", outcome.key, "notify")
            what = f"{say('what_outcome')} {outcome.key!r}"
            self.roles_known(outcome.notify, line, what, None)

    # -- steps ---------------------------------------------------------------------------

    def check_steps(self) -> None:
        if not self.spec.steps:
            self.add(1, say("no_steps"))
        seen_keys: dict[str, Step] = {}
        seen_numbers: dict[int, Step] = {}
        renamed = {i: name for name, i in self.renamed.items()}
        for i, step in enumerate(self.spec.steps):
            if step.key in seen_keys:
                first = seen_keys[step.key].line
                meant = say("duplicate_meant", name=renamed[i]) if i in renamed else ""
                message = say("duplicate_step_key", step=step.key, line=first, meant=meant)
                self.duplicates[i] = self.add(step.line, message, step.key, STRUCTURE)
            seen_keys.setdefault(step.key, step)
            if step.number in seen_numbers:
                other = seen_numbers[step.number]
                self.add(
                    self.at(step.line, "step", step.key, "number"),
                    say("duplicate_step_number", number=step.number, other=other.key),
                    step.key,
                    STRUCTURE,
                )
            elif step.number > 0:  # 0: an invalid number, already reported by the loader
                seen_numbers[step.number] = step
            self.check_step(step, i)

    def check_step(self, step: Step, i: int) -> None:
        key = step.key
        self.roles_known(step.actors, self.at(step.line, "step", key, "actors"), "actors", key)
        for req in step.requires:
            self.document_known(req, key)
        if step.letter is not None:
            self.check_letter(step)
        for name in ("on_approve", "on_reject"):
            transition: Transition | None = getattr(step, name)
            if transition is not None:
                self.check_target(transition.target, transition.line, name, i)
                line = self.at(transition.line, name, key, "notify")
                self.roles_known(transition.notify, line, name, key)
        if step.disposition is not None:
            self.check_disposition(step)
        if step.decision is None:
            if step.on_approve is None and i not in self.unread:  # unread: reported already
                problem = self.add(step.line, say("no_way_out"), key)
                self.detours.append(Detour(i, self.meant(None, i), problem))
            return
        self.check_decision(step, i)

    def check_letter(self, step: Step) -> None:
        """The draft becomes a document the step's actor uploads here: one the file knows, that
        the step (or one of its options) requires with `upload: true`."""
        letter, key = step.letter, step.key
        assert letter is not None
        line = self.at(letter.line, "letter", key, "document")
        if letter.document not in self.spec.documents:
            hint = _hint(letter.document, self.spec.documents)
            message = say("unknown_document", what="letter", document=letter.document, hint=hint)
            self.add(line, message, key)
        elif letter.document not in step.uploads():
            uploads = ", ".join(sorted(step.uploads())) or say("letter_no_uploads")
            message = say("letter_not_uploaded", document=letter.document, uploads=uploads)
            self.add(line, message, key)

    def several(self, step: Step) -> bool:
        """May the step have several tasks, each able to settle it? Several actor roles, or the
        recipients of a disposition (one task each)."""
        if len(step.actors) > 1:
            return True
        giver = self.steps.get(step.actor_from) if step.actor_from else None
        return giver is not None and giver.disposition is not None

    def check_disposition(self, step: Step) -> None:
        """Whom it may go to, its instructions, and the step its recipients act in: the one it
        leads to, whose `actor_from` names it."""
        disposition, key = step.disposition, step.key
        assert disposition is not None
        line = self.at(disposition.line, "disposition", key, "to")
        self.roles_known(disposition.to, line, "disposition", key)
        seen: set[str] = set()
        for instruction in disposition.instructions:
            if instruction.key in seen:
                message = say("duplicate_instruction_key", instruction=instruction.key)
                self.add(instruction.line, message, key)
            seen.add(instruction.key)
        if not any(not i.informs for i in disposition.instructions):
            self.add(disposition.line, say("disposition_without_action"), key)
        if step.decision is not None:
            self.add(disposition.line, say("disposition_with_decision"), key)
        if disposition.on_inform is not None:
            i = next(n for n, s in enumerate(self.spec.steps) if s is step)
            inform = disposition.on_inform
            self.check_target(inform.target, inform.line, "on_inform", i)
            line = self.at(inform.line, "on_inform", key, "notify")
            self.roles_known(inform.notify, line, "on_inform", key)
            aim = self.steps.get(inform.target.step) if inform.target.step else None
            if aim is not None and aim.actor_from == key:  # nobody asked to act: no task there
                message = say("disposition_inform_to_recipients", step=key, target=aim.key)
                self.add(inform.line, message, key)
        if step.completion == "all" and self.several(step):
            self.add(self.at(step.line, "step", key, "completion"), say("disposition_by_all"), key)
        target = step.on_approve.target.step if step.on_approve else None
        nxt = self.steps.get(target) if target else None
        if step.on_approve is not None and (nxt is None or nxt.actor_from != key):
            self.add(step.on_approve.line, say("disposition_next", step=key), key)

    def check_target(self, target: Target, line: int, what: str, i: int) -> None:
        step = self.spec.steps[i].key
        if target.step is not None and target.step not in self.steps:
            if target.step in self.renamed:
                meant: int | None = self.renamed[target.step]
                duplicate = self.spec.steps[self.renamed[target.step]]
                hint = say("maybe_the_duplicate", line=duplicate.line, step=target.step)
            else:
                meant = self.meant(target.step, i)
                hint = _hint(target.step, self.steps)
            message = say("unknown_target_step", what=what, step=target.step, hint=hint)
            self.detours.append(Detour(i, meant, self.add(line, message, step)))
        if target.end is not None and target.end not in self.spec.outcomes:
            hint = _hint(target.end, self.spec.outcomes)
            message = say("unknown_target_outcome", what=what, outcome=target.end, hint=hint)
            self.detours.append(Detour(i, None, self.add(line, message, step)))

    def check_decision(self, step: Step, i: int) -> None:
        decision = step.decision
        assert decision is not None
        key = step.key
        for name in ("on_approve", "on_reject"):
            transition: Transition | None = getattr(step, name)
            if transition is not None:
                self.add(
                    transition.line,
                    say("decision_with_transition", transition=name),
                    key,
                )
        if step.completion == "all" and self.several(step):
            self.add(
                self.at(step.line, "step", key, "completion"),
                say("decision_by_all"),
                key,
            )
        if not decision.options:
            if i not in self.unread:  # options there, but none could be read: reported already
                problem = self.add(decision.line, say("decision_without_options"), key)
                self.detours.append(Detour(i, self.meant(None, i), problem))
            return
        seen: set[str] = set()
        for option in decision.options:
            what = f"{say('what_option')} {option.key!r}"
            if option.key in seen:
                message = say("duplicate_option_key", option=option.key)
                self.add(option.line, message, key, STRUCTURE)
            seen.add(option.key)
            self.check_target(option.target, option.line, what, i)
            line = self.at(option.line, "option", key, option.key, "notify")
            self.roles_known(option.notify, line, what, key)
            for req in option.requires:
                self.document_known(req, key)
            for kind in option.kinds:
                if kind not in self.spec.kinds:
                    line = self.at(option.line, "option", key, option.key, "kinds")
                    hint = _hint(kind, self.spec.kinds)
                    self.add(line, say("unknown_kind", what=what, kind=kind, hint=hint), key)
        for kind in self.spec.kinds:
            if not any(option.applies_to(kind) for option in decision.options):
                self.add(decision.line, say("no_option_for_kind", kind=kind), key)
