"""Semantic checks of an SOP spec: cross-references, the step graph, decisions and documents.

Run by the loader after the structural checks, and usable on a spec built in code; the walks of
the step graph are in `bot.core.sop.graph`. Every problem names the file, the line (from the spec
objects' `line`, or the finer per-field `lines` index the loader records) and the step key, so
that a broken file can be fixed without reading code.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from bot.core.sop.graph import check_documents_available, check_graph
from bot.core.sop.problems import SopProblem
from bot.core.sop.spec import Requirement, SopSpec, Step, Target, Transition
from bot.core.sop.words import say


def validate(
    spec: SopSpec, file: str | None = None, lines: Mapping[tuple[str, ...], int] | None = None
) -> list[SopProblem]:
    """Every semantic problem of `spec` (empty when it can run)."""
    return _Checker(spec, file or spec.path or "<sop>", lines or {}).run()


# What intake keeps under these keys already (services.intake): a declared field may not take them.
RESERVED_FIELDS = frozenset(
    {"sop", "stage", "title", "origin", "kind", "unit", "note", "file", "urgency", "classification"}
)


def _hint(name: str, known: Iterable[str]) -> str:
    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return say("did_you_mean", name=close[0])
    return say("known_are", known=", ".join(known)) if known else ""


class _Checker:
    def __init__(self, spec: SopSpec, file: str, lines: Mapping[tuple[str, ...], int]) -> None:
        self.spec = spec
        self.file = file
        self.lines = lines
        self.problems: list[SopProblem] = []
        # First occurrence wins for duplicate keys (the duplicate itself is reported).
        self.steps: dict[str, Step] = {}
        for step in spec.steps:
            self.steps.setdefault(step.key, step)

    def add(self, line: int | None, message: str, step: str | None = None) -> None:
        self.problems.append(SopProblem(self.file, line or None, step, message))

    def at(self, default: int, *path: str) -> int:
        return self.lines.get(path, default)

    def run(self) -> list[SopProblem]:
        self.check_roles()
        self.check_intake()
        self.check_fields()
        self.check_outcomes()
        self.check_steps()
        if self.spec.steps:
            check_graph(self.spec, self.steps, self.add)
            check_documents_available(self.spec, self.steps, self.add)
        return self.problems

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
                self.add(f.line, say("reserved_field_key", field=f.key))
            elif f.key in seen:
                self.add(f.line, say("duplicate_field_key", field=f.key))
            seen.add(f.key)
            self.roles_known(f.roles, self.at(f.line, "field", f.key, "roles"), "roles", None)
            if f.document is not None and f.document not in self.spec.documents:
                hint = _hint(f.document, self.spec.documents)
                message = say("unknown_document", what="fields", document=f.document, hint=hint)
                self.add(self.at(f.line, "field", f.key, "document"), message)
        people = [f.key for f in self.spec.intake.fields if f.type == "official"]
        for step in self.spec.steps:
            if step.actor_from is not None and step.actor_from not in people:
                hint = _hint(step.actor_from, people)
                line = self.at(step.line, "step", step.key, "actor_from")
                self.add(
                    line, say("unknown_actor_from", field=step.actor_from, hint=hint), step.key
                )

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
        for step in self.spec.steps:
            if step.key in seen_keys:
                first = seen_keys[step.key].line
                message = say("duplicate_step_key", step=step.key, line=first)
                self.add(step.line, message, step.key)
            seen_keys.setdefault(step.key, step)
            if step.number in seen_numbers:
                other = seen_numbers[step.number]
                self.add(
                    self.at(step.line, "step", step.key, "number"),
                    say("duplicate_step_number", number=step.number, other=other.key),
                    step.key,
                )
            elif step.number > 0:  # 0: an invalid number, already reported by the loader
                seen_numbers[step.number] = step
            self.check_step(step)

    def check_step(self, step: Step) -> None:
        key = step.key
        self.roles_known(step.actors, self.at(step.line, "step", key, "actors"), "actors", key)
        for req in step.requires:
            self.document_known(req, key)
        for name in ("on_approve", "on_reject"):
            transition: Transition | None = getattr(step, name)
            if transition is not None:
                self.check_target(transition.target, transition.line, name, key)
                line = self.at(transition.line, name, key, "notify")
                self.roles_known(transition.notify, line, name, key)
        if step.decision is None:
            if step.on_approve is None:
                self.add(step.line, say("no_way_out"), key)
            return
        self.check_decision(step)

    def check_target(self, target: Target, line: int, what: str, step: str) -> None:
        if target.step is not None and target.step not in self.steps:
            hint = _hint(target.step, self.steps)
            self.add(line, say("unknown_target_step", what=what, step=target.step, hint=hint), step)
        if target.end is not None and target.end not in self.spec.outcomes:
            hint = _hint(target.end, self.spec.outcomes)
            message = say("unknown_target_outcome", what=what, outcome=target.end, hint=hint)
            self.add(line, message, step)

    def check_decision(self, step: Step) -> None:
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
        if step.completion == "all" and len(step.actors) > 1:
            self.add(
                self.at(step.line, "step", key, "completion"),
                say("decision_by_all"),
                key,
            )
        if not decision.options:
            self.add(decision.line, say("decision_without_options"), key)
            return
        seen: set[str] = set()
        for option in decision.options:
            what = f"{say('what_option')} {option.key!r}"
            if option.key in seen:
                self.add(option.line, say("duplicate_option_key", option=option.key), key)
            seen.add(option.key)
            self.check_target(option.target, option.line, what, key)
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
