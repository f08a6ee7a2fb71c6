"""Bulk loads for the benchmarks that need a big database: many proposals with their tasks,
history and messages, written with plain multi-row inserts (minutes through the services)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from models import AuditHead, Event, OutboxMessage, Proposal, Task
from models.outbox import SEND, SENT
from models.proposals import CLOSED, OPEN

CHUNK = 5000
SOP, VERSION = "kerjasama_pihak_ketiga", "2020.1"
STEPS = (
    ("karo_terima_disposisi", "karo"),
    ("kabag_perintah_persiapan", "kabag_ks"),
    ("kasubbag_persiapan", "kasubbag_kss_ln"),
    ("analis_telaah", "analis_ls"),
    ("analis_telaah", "analis_pks"),
    ("kasubbag_koreksi", "kasubbag_kss_ln"),
    ("kabag_koreksi", "kabag_ks"),
    ("karo_periksa_analisa", "karo"),
    ("tkksd_bahas", "tkksd"),
    ("gubernur_tandatangani", "gubernur"),
    ("karo_tindak_lanjut", "karo"),
    ("pengadministrasi_kirim_arsip", "pengadministrasi"),
)


def _chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


async def _insert(engine: AsyncEngine, table: Any, rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    for batch in _chunks(rows):
        async with engine.begin() as connection:
            await connection.execute(insert(table), batch)
        count += len(batch)
    return count


def _proposal(n: int, by: int, at: datetime, closed: bool) -> dict[str, Any]:
    return {
        "id": n,
        "number": f"{n:06d}/KS/2026",
        "year": 2026,
        "seq": n,
        "title": f"Usulan uji beban {n}",
        "kind": "FS",
        "origin": "PT Uji Beban",
        "agency_unit": "Dinas Pariwisata",
        "sop_code": SOP,
        "sop_version": VERSION,
        "status": CLOSED if closed else OPEN,
        "outcome": "selesai" if closed else None,
        "registered_by_id": by,
        "registered_at": at,
        "closed_at": at + timedelta(hours=8) if closed else None,
    }


async def open_tasks(
    engine: AsyncEngine, count: int, official: int, now: datetime, due_share: float
) -> int:
    """`count` proposals, each with one open task at step 1 held by `official`; `due_share`
    of them with a reminder due now, the rest later. Returns how many are due."""
    due_every = max(1, round(1 / due_share))
    start = now - timedelta(days=2)
    await _insert(
        engine, Proposal, (_proposal(n, official, start, False) for n in range(1, count + 1))
    )

    def tasks() -> Iterator[dict[str, Any]]:
        for n in range(1, count + 1):
            due = n % due_every == 0
            yield {
                "id": n,
                "proposal_id": n,
                "step_key": STEPS[0][0],
                "activation": 1,
                "role": STEPS[0][1],
                "assignee_id": official,
                "started_at": start,
                "target_due_at": start + timedelta(minutes=5),
                "next_reminder_at": now - timedelta(minutes=1) if due else now + timedelta(days=30),
                "reminders_sent": 0,
                "version": 1,
            }

    await _insert(engine, Task, tasks())
    return count // due_every


async def history(
    engine: AsyncEngine, count: int, holders: dict[str, int], now: datetime, chat: int
) -> None:
    """`count` finished proposals with full history: eleven completed tasks, an event for each
    start and completion, a message for each task and its closing edit. The hash chain is made
    of stand-in hashes (the bot does not verify it at start) and the chain head follows it."""
    start = now - timedelta(days=400)
    await _insert(
        engine,
        Proposal,
        (
            _proposal(n, holders["pengadministrasi"], start + timedelta(minutes=n), True)
            for n in range(1, count + 1)
        ),
    )

    def tasks() -> Iterator[dict[str, Any]]:
        for n in range(1, count + 1):
            for i, (step, role) in enumerate(STEPS):
                at = start + timedelta(minutes=n, hours=i)
                yield {
                    "id": (n - 1) * len(STEPS) + i + 1,
                    "proposal_id": n,
                    "step_key": step,
                    "activation": 1,
                    "role": role,
                    "assignee_id": holders[role],
                    "started_at": at,
                    "target_due_at": at + timedelta(minutes=30),
                    "completed_at": at + timedelta(minutes=20),
                    "completed_by_id": holders[role],
                    "action": "approve",
                    "version": 2,
                    "reminders_sent": 0,
                }

    await _insert(engine, Task, tasks())
    async with engine.connect() as connection:  # the chain goes on from where it is
        head = (
            await connection.execute(select(AuditHead.last_event_id, AuditHead.last_hash))
        ).one()
    last: dict[str, Any] = {"id": head[0], "hash": head[1]}

    def events() -> Iterator[dict[str, Any]]:
        for n in range(1, count + 1):
            for i, (step, _role) in enumerate(STEPS):
                task = (n - 1) * len(STEPS) + i + 1
                for kind in ("task_started", "task_approve"):
                    last["id"] += 1
                    digest = hashlib.sha256(f"{last['hash']}{last['id']}".encode()).hexdigest()
                    yield {
                        "id": last["id"],
                        "occurred_at": start + timedelta(minutes=n, hours=i),
                        "type": kind,
                        "proposal_id": n,
                        "task_id": task,
                        "step_key": step,
                        "payload": {"bench": True},
                        "prev_hash": last["hash"],
                        "hash": digest,
                    }
                    last["hash"] = digest

    await _insert(engine, Event, events())
    async with engine.begin() as connection:
        await connection.execute(
            update(AuditHead).values(
                last_event_id=last["id"],
                last_hash=last["hash"],
                count=AuditHead.count + (last["id"] - head[0]),
            )
        )

    def messages() -> Iterator[dict[str, Any]]:
        for n in range(1, count + 1):
            for i in range(len(STEPS)):
                task = (n - 1) * len(STEPS) + i + 1
                yield {
                    "chat_id": chat,
                    "template": "saved",
                    "context": {"proposal": n, "step": i + 1, "text": "x" * 200},
                    "idempotency_key": f"bench:{task}",
                    "proposal_id": n,
                    "task_id": task,
                    "kind": SEND,
                    "status": SENT,
                    "attempts": 1,
                    "next_attempt_at": start,
                    "created_at": start,
                    "sent_at": start,
                    "telegram_message_id": task,
                }

    await _insert(engine, OutboxMessage, messages())


async def queued(
    engine: AsyncEngine, chats: list[int], per_chat: dict[int, int], now: datetime
) -> int:
    """Pending messages for the sender: `per_chat[chat]` short ones to each chat."""

    def rows() -> Iterator[dict[str, Any]]:
        k = 0
        for chat in chats:
            for _ in range(per_chat[chat]):
                k += 1
                yield {
                    "chat_id": chat,
                    "template": "saved",
                    "context": {},
                    "idempotency_key": f"flood:{k}",
                    "kind": SEND,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }

    return await _insert(engine, OutboxMessage, rows())


async def fix_sequences(engine: AsyncEngine) -> None:
    """After inserts with explicit ids, PostgreSQL's sequences must catch up."""
    if engine.dialect.name != "postgresql":
        return
    async with engine.begin() as connection:
        for table in ("proposals", "tasks"):
            await connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
