"""What is stored. Imports nothing from bot/ or handlers/."""

from models.base import Base
from models.conversations import Conversation, Invite, ReceivedUpdate
from models.dispositions import Disposition
from models.documents import Document
from models.events import AuditHead, Event
from models.officials import Official, RoleAssignment
from models.outbox import GroupSubscription, OutboxMessage
from models.proposals import Proposal, RegistrationCounter
from models.sops import SopVersion
from models.tasks import Task

__all__ = [
    "AuditHead",
    "Base",
    "Conversation",
    "Disposition",
    "Document",
    "Event",
    "GroupSubscription",
    "Invite",
    "Official",
    "OutboxMessage",
    "Proposal",
    "ReceivedUpdate",
    "RegistrationCounter",
    "RoleAssignment",
    "SopVersion",
    "Task",
]
