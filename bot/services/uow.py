"""The unit of work: one transaction per use case, and what its events cause.

A use case changes state through the domain's methods (`Task.complete`, `Task.forward_to`…)
and records events (`record`); it never sends a message itself. Before the transaction commits
(and at the end of each savepoint), every event recorded is looked up in the one table of
`bot.services.effects`, which queues the messages it causes — in the same transaction, so the
outbox guarantee stands (see `transaction`).
"""

from __future__ import annotations

from bot.services import effects
from bot.services.transaction import Recorded, Transaction

__all__ = ["Recorded", "UnitOfWork"]


class UnitOfWork(Transaction):
    async def __aenter__(self) -> UnitOfWork:
        await super().__aenter__()
        return self

    async def settle(self) -> None:
        fresh = self.recorded[self.settled :]
        self.settled = len(self.recorded)
        await effects.apply(self, fresh)
