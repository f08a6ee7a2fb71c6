"""Simulated officials: press "✅ Setujui" on a task message and wait, at the emulator, for the
next official's message about the same proposal. The time between is the latency the office
feels; the presses per second, the throughput.

Works the same against the real bot and the baseline: both answer a press with the next
official's message, whose text carries the proposal's number.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from emulator.client import EmulatorClient

NUMBER = re.compile(r"\d{4}/KS/\d{4}")
APPROVE = "✅ Setujui"
STEPS = 3  # approvals per proposal before a step that needs documents


@dataclass(frozen=True)
class Item:
    """A task message waiting for its press."""

    number: str
    step: int  # 0-based position in the chain of officials
    message_id: int


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # seconds
    errors: int = 0
    seconds: float = 0.0

    @property
    def count(self) -> int:
        return len(self.latencies)

    def summary(self) -> dict[str, Any]:
        ms = sorted(x * 1000 for x in self.latencies)
        return {
            "approvals": self.count,
            "per_second": round(self.count / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(_quantile(ms, 0.50), 1),
            "p95_ms": round(_quantile(ms, 0.95), 1),
            "p99_ms": round(_quantile(ms, 0.99), 1),
            "errors": self.errors,
        }


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


class Officials:
    def __init__(
        self, client: EmulatorClient, chats: list[int], number: re.Pattern[str] = NUMBER
    ) -> None:
        self.client, self.chats, self.number = client, chats, number
        self.seen: dict[int, int] = defaultdict(int)  # chat -> highest message id seen there
        self.ready: deque[Item] = deque()

    async def collect_first_tasks(self, expected: int, seconds: float = 120.0) -> None:
        """Wait until the first official has `expected` task messages; queue them."""
        chat = self.chats[0]
        found = await self.client.wait(chat, contains="Tugas baru", seconds=seconds)
        deadline = time.monotonic() + seconds
        while True:
            found = await self.client.messages(chat)
            tasks = [m for m in found if m["from_bot"] and _has(m, APPROVE)]
            if len(tasks) >= expected or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        if len(tasks) < expected:
            raise RuntimeError(f"only {len(tasks)} of {expected} task messages arrived")
        for message in tasks:
            match = self.number.search(message["text"] or "")
            if match:
                self.ready.append(Item(match.group(), 0, message["message_id"]))
        self.seen[chat] = max((m["message_id"] for m in found), default=0)

    async def approve(
        self, item: Item, since_moment: float | None = None
    ) -> tuple[float, Item | None]:
        """Press, then wait for the next official's message; (seconds, the next item). The
        time runs from `since_moment` (perf_counter) if given: when the press was due."""
        here, there = self.chats[item.step], self.chats[item.step + 1]
        since = self.seen[there]  # whatever comes for this proposal comes after the press
        started = time.perf_counter() if since_moment is None else since_moment
        await self.client.press(here, item.message_id, chat_id=here, label=APPROVE, wait=0)
        found = await self.client.wait(
            there, contains=item.number, since_message_id=since, seconds=30
        )
        elapsed = time.perf_counter() - started
        message = found[-1]
        self.seen[there] = max(self.seen[there], int(message["message_id"]))
        follow = Item(item.number, item.step + 1, int(message["message_id"]))
        return elapsed, follow if follow.step < STEPS else None

    async def closed_loop(self, concurrency: int, seconds: float) -> Tally:
        """`concurrency` officials, each pressing as soon as their next task arrives."""
        tally = Tally()
        end = time.monotonic() + seconds

        async def official() -> None:
            current: Item | None = None
            while time.monotonic() < end:
                if current is None:
                    if not self.ready:
                        return
                    current = self.ready.popleft()
                try:
                    elapsed, current = await self.approve(current)
                except Exception:
                    tally.errors += 1
                    current = None
                    continue
                tally.latencies.append(elapsed)

        started = time.monotonic()
        await asyncio.gather(*(official() for _ in range(concurrency)))
        tally.seconds = time.monotonic() - started
        return tally

    async def paced(self, rate: float, seconds: float) -> Tally:
        """Open loop: a press every 1/rate seconds, whatever the answers do."""
        tally = Tally()
        pending: set[asyncio.Task[None]] = set()
        follow: deque[Item] = deque()

        async def one(item: Item, due: float) -> None:
            try:  # timed from when the press was due, so a harness that falls behind shows
                elapsed, nxt = await self.approve(item, due)
            except Exception:
                tally.errors += 1
                return
            tally.latencies.append(elapsed)
            if nxt is not None:
                follow.append(nxt)

        started = time.monotonic()
        origin = time.perf_counter()
        for k in range(int(rate * seconds)):
            delay = started + k / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            source = follow if follow else self.ready
            if not source:
                tally.errors += 1  # nothing left to press: too few proposals in flight
                continue
            task = asyncio.create_task(one(source.popleft(), origin + k / rate))
            pending.add(task)
            task.add_done_callback(pending.discard)
        await asyncio.gather(*pending)
        tally.seconds = time.monotonic() - started
        return tally


def _has(message: dict[str, Any], label: str) -> bool:
    return any(b["text"] == label for row in message.get("buttons") or [] for b in row)
