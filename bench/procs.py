"""The processes a benchmark runs on loopback — the emulator, the real bot, the baseline bot —
and what the kernel says of them: CPU seconds and resident memory (Linux /proc)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

TOKEN = "123456:BENCH-token-for-the-emulator"
_TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Proc:
    name: str
    process: asyncio.subprocess.Process
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        """User + system CPU time so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    async def stop(self) -> None:
        if self.process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(20):
                await self.process.wait()
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


async def start_emulator(scratch: Path, *, flood: bool = False) -> tuple[Proc, str]:
    """`python -m emulator --port 0` for `TOKEN`; returns it and its URL (from its first line)."""
    args = [sys.executable, "-m", "emulator", "--port", "0", "--token", TOKEN]
    args += ["--flood"] if flood else []
    log = scratch / "emulator.log"
    process = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=log.open("wb")
    )
    assert process.stdout is not None
    first = (await process.stdout.readline()).decode()
    if "http://" not in first:
        raise RuntimeError(f"the emulator did not start: {log.read_text()[-2000:]}")
    url = "http://" + first.split("http://", 1)[1].split()[0]
    asyncio.get_running_loop().create_task(_drain(process.stdout))
    return Proc("emulator", process, log), url


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.read(65536):
        pass


def bot_env(database_url: str, api_url: str, scratch: Path, **extra: str) -> dict[str, str]:
    """The real bot's configuration for a benchmark: the emulator, no sweeps or digests in the
    way, and (unless `extra` says otherwise) Telegram's limits off, as the emulator's are."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "TELEGRAM_"))}
    env.update(
        DATABASE_URL=database_url,
        TELEGRAM_API_URL=f"{api_url}/bot",
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_RATE_LIMITS="false",
        ARCHIVE_DIR=str(scratch / "arsip"),
        LOG_LEVEL="WARNING",
        OUTBOX_POLL_SECONDS="0.5",
        NUDGE_SWEEP_SECONDS="3600",
        DAILY_DIGEST="false",
    )
    env.update(extra)
    return env


def _profiled() -> list[str]:
    """With DISPOSISI_BENCH_PROFILE=FILE, the bot runs under cProfile and writes FILE when it
    stops (read it with `python -m pstats FILE`): how bench/RESULTS.md found its costs."""
    target = os.environ.get("DISPOSISI_BENCH_PROFILE")
    return ["-m", "cProfile", "-o", target] if target else []


async def start_bot(env: dict[str, str], scratch: Path, name: str = "bot") -> Proc:
    """`python -m bot run`, exactly as an operator starts it."""
    log = scratch / f"{name}.log"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *_profiled(),
        "-m",
        "bot",
        "run",
        env=env,
        stdout=log.open("wb"),
        stderr=log.open("ab"),
    )
    return Proc(name, process, log)


async def start_baseline(args: list[str], scratch: Path) -> Proc:
    log = scratch / "baseline.log"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.baseline", *args, stdout=log.open("wb"), stderr=log.open("ab")
    )
    return Proc("baseline", process, log)
