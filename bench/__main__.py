"""python -m bench [--quick] [--json] [--only NAME,...] [--postgres URL]

Runs the scenarios side by side in one run (absolute times drift on shared machines; ratios
measured together hold) and prints a table, or JSON. Nothing here asserts a time: the targets
are printed next to the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from bench import footprint, limits, records, scenarios
from bench.report import table
from bench.scenarios import FULL, QUICK, Plan

NAMES = ("baseline", "workflow", "sweep", "outbox", "many", "memory", "durability", "records")
POSTGRES_ENV = ("DISPOSISI_BENCH_POSTGRES_URL", "DISPOSISI_TEST_POSTGRES_URL")


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="disposisi bench", description=__doc__.split("\n\n")[1])
    parser.add_argument("--quick", action="store_true", help="a cut-down run (under 2 minutes)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--only", help=f"comma-separated, of: {', '.join(NAMES)}")
    parser.add_argument(
        "--postgres",
        help="a PostgreSQL server URL to create a scratch database on "
        f"(default: ${POSTGRES_ENV[0]} or ${POSTGRES_ENV[1]}; none: PostgreSQL is skipped)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    chosen = set(args.only.split(",")) if args.only else set(NAMES)
    unknown = chosen - set(NAMES)
    if unknown:
        print(f"--only: unknown scenario(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    postgres = args.postgres or next(
        (os.environ[k] for k in POSTGRES_ENV if os.environ.get(k)), None
    )
    figures = asyncio.run(run(QUICK if args.quick else FULL, chosen, postgres))
    figures["run"] |= {"mode": "quick" if args.quick else "full", "command": " ".join(sys.argv)}
    print(json.dumps(figures, indent=2, ensure_ascii=False) if args.json else table(figures))
    broken = [
        name for name, block in figures.items() if isinstance(block, dict) and "error" in block
    ]
    if broken:  # the harness itself failed somewhere: say so in the exit code too
        print(f"scenarios that failed: {', '.join(broken)}", file=sys.stderr)
        return 1
    return 0


async def run(plan: Plan, chosen: set[str], postgres: str | None) -> dict[str, Any]:
    began = time.monotonic()
    out: dict[str, Any] = {"run": machine()}
    with tempfile.TemporaryDirectory(prefix="disposisi-bench-") as root:
        scratch = Path(root)

        async def step(name: str, work: Callable[[Path], Awaitable[Any]]) -> None:
            folder = scratch / name
            folder.mkdir()
            try:
                out[name] = await work(folder)
            except Exception as exc:  # a scenario that breaks is reported, not hidden
                out[name] = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}

        def sqlite(folder: Path) -> str:
            return f"sqlite:///{folder / 'bench.db'}"

        if "baseline" in chosen:
            await step("baseline", lambda f: scenarios.baseline(f, plan))
        if "workflow" in chosen:
            await step("sqlite", lambda f: scenarios.workflow(f, plan, sqlite(f), paced=True))
            await _on_postgres(
                postgres,
                out,
                "postgres",
                lambda f, url: scenarios.workflow(f, plan, url, paced=False),
                step,
            )
        if "sweep" in chosen:
            await step("sweep_sqlite", lambda f: scenarios.sweep(f, plan, sqlite(f)))
            await _on_postgres(
                postgres, out, "sweep_postgres", lambda f, url: scenarios.sweep(f, plan, url), step
            )
        if "outbox" in chosen:
            await step("outbox", lambda f: limits.outbox(f, plan, sqlite(f)))
        if "many" in chosen:
            await step("many_officials", lambda f: limits.many_officials(f, plan, sqlite(f)))
        if "memory" in chosen:
            await step("memory", lambda f: footprint.memory_and_startup(f, plan, sqlite(f)))
        if "durability" in chosen:
            await step("durability", lambda f: footprint.durability(f, plan))
        if "records" in chosen:
            await step("records", lambda f: records.records(f, plan, sqlite(f)))
    for backend in ("sqlite", "postgres"):
        real, base = out.get(backend), out.get("baseline")
        if isinstance(real, dict) and isinstance(base, dict) and "error" not in base:
            real["ratio_to_baseline"] = scenarios.ratio(real, base)
    out["run"]["seconds"] = round(time.monotonic() - began, 1)
    return out


async def _on_postgres(
    url: str | None,
    out: dict[str, Any],
    name: str,
    work: Callable[[Path, str], Awaitable[Any]],
    step: Callable[[str, Callable[[Path], Awaitable[Any]]], Awaitable[None]],
) -> None:
    """Run `work` on a scratch database created on `url`'s server, dropped afterwards."""
    if url is None:
        out[name] = {"skipped": "no PostgreSQL URL (--postgres or $DISPOSISI_TEST_POSTGRES_URL)"}
        return
    from bench.pg import scratch_database

    async def inner(folder: Path) -> Any:
        async with scratch_database(url) as database:
            return await work(folder, database)

    await step(name, inner)


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
    }


if __name__ == "__main__":
    sys.exit(main())
