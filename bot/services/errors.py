"""Named refusals. Each `code` has an Indonesian text in templates/refusal.j2, so a handler can
answer a tap in plain words without knowing which service refused."""

from __future__ import annotations

from bot.core.engine import WorkflowError


class Refusal(WorkflowError):
    code = "refused"

    def __init__(self, message: str = "", **details: object) -> None:
        super().__init__(message or self.code)
        self.details = details


class NotFound(Refusal):
    code = "not_found"


class NotVisible(Refusal):
    """The case is not one the official (or the group the answer goes to) may see."""

    code = "not_visible"


class NotYourTask(Refusal):
    code = "not_your_task"


class AlreadyHandled(Refusal):
    code = "already_handled"


class DocumentMissing(Refusal):
    code = "document_missing"


class DocumentRejected(Refusal):
    code = "document_rejected"


class RestrictedInGroup(Refusal):
    """The case's klasifikasi keeps it off group chats: its title, fields and documents are
    read in a private chat only (the group card shows its number and where it stands)."""

    code = "restricted_in_group"


class NotPermitted(Refusal):
    """The official's roles do not allow this (e.g. registering a proposal)."""

    code = "not_permitted"


class InvalidInput(Refusal):
    code = "invalid_input"


class UnknownRole(InvalidInput):
    """No SOP in force has the role named (`details`: role, and roles: the key and title of
    each role there is; admin: whether "admin" may be named too)."""

    code = "unknown_role"


class FieldRefused(InvalidInput):
    """An intake answer that cannot be kept: a choice not among its options, a date that is
    not one, an official no longer there to be named (`details`: field, label, reason,
    value)."""

    code = "field_refused"


class NobodyToChoose(Refusal):
    """A required question whose answer is an official, with nobody holding its roles yet."""

    code = "nobody_to_choose"


class SopGone(Refusal):
    """The case's SOP version is no longer in SOP_DIR (allowed once its cases are closed)."""

    code = "sop_gone"
