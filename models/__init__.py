"""What is stored. Imports nothing from bot/ or handlers/."""

from models.base import Base
from models.documents import Document
from models.events import AuditHead, Event
from models.officials import Official, RoleAssignment
from models.outbox import GroupSubscription, OutboxMessage
from models.proposals import Proposal, RegistrationCounter
from models.tasks import Task

__all__ = [
    "AuditHead",
    "Base",
    "Document",
    "Event",
    "GroupSubscription",
    "Official",
    "OutboxMessage",
    "Proposal",
    "RegistrationCounter",
    "RoleAssignment",
    "Task",
]
