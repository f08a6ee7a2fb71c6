"""The figures as a table for people, with each target beside the figure it applies to."""

from __future__ import annotations

from typing import Any


def _get(figures: dict[str, Any], *path: str) -> Any:
    node: Any = figures
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _cell(value: Any) -> str:
    return "—" if value is None else str(value)


def table(figures: dict[str, Any]) -> str:
    run = figures["run"]
    lines = [
        f"Disposisi Bot benchmarks ({run.get('mode')}) — {run['cpu']}, {run['cores']} cores, "
        f"Python {run['python']}; {run.get('seconds')} s",
        "",
        "Approvals, closed loop (press → next official's message at the emulator)",
        f"{'':10} {'conc':>4} {'appr/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'CPU ms/appr':>11} {'÷ baseline':>10} {'errors':>6}",
    ]
    for name in ("baseline", "sqlite", "postgres"):
        block = figures.get(name)
        if not isinstance(block, dict):
            continue
        if "error" in block or "skipped" in block:
            lines.append(f"{name:10} {block.get('error') or block.get('skipped')}")
            continue
        for level in ("1", "8", "32"):
            row = block.get(level)
            if not row:
                continue
            ratio = _get(block, "ratio_to_baseline", level)
            lines.append(
                f"{name:10} {level:>4} {row['per_second']:>8} {row['p50_ms']:>8} "
                f"{row['p95_ms']:>8} {row['p99_ms']:>8} {_cell(row['cpu_ms_per_approval']):>11} "
                f"{_cell(ratio):>10} {row['errors']:>6}"
            )
    lines.append("target: real ÷ baseline ≥ 0.8 at concurrency 8 on SQLite")
    paced = _get(figures, "sqlite", "paced")
    if paced:
        lines += [
            "",
            f"Paced load, SQLite: {paced['rate']}/s for {paced['approvals']} approvals: "
            f"{paced['per_second']}/s, p50 {paced['p50_ms']} ms, p95 {paced['p95_ms']} ms, "
            f"p99 {paced['p99_ms']} ms, {paced['errors']} errors (target: p99 < 50 ms)",
        ]
    for name in ("sweep_sqlite", "sweep_postgres"):
        block = figures.get(name)
        if isinstance(block, dict):
            if "error" in block or "skipped" in block:
                lines += ["", f"Sweep ({name[6:]}): {block.get('error') or block.get('skipped')}"]
                continue
            lines += [
                "",
                f"Sweep ({name[6:]}): {block['open_tasks']} open tasks, {block['due']} due: "
                f"one claim of {block['claim_batch']} in {block['claim_batch_ms']} ms; the whole "
                f"sweep in {block['sweep_ms']} ms ({_cell(block['ms_per_reminder'])} ms per "
                f"reminder); index used: {block['uses_index']} (target: one sweep < 50 ms)",
                *("    " + line for line in block["plan"].splitlines()),
            ]
    out = figures.get("outbox")
    if isinstance(out, dict):
        lines.append("")
        if "error" in out:
            lines.append(f"Outbox: {out['error']}")
        else:
            lines.append(
                f"Outbox, Telegram's limits on: {out['messages']} messages to "
                f"{out['private_chats']} private chats and {out['groups']} groups drained in "
                f"{out['seconds_to_drain']} s: {out['per_second']}/s, "
                f"{out['too_many_requests']} × 429 (target: ≥ 29.5/s under 30/s, no 429)"
            )
    many = figures.get("many_officials")
    if isinstance(many, dict):
        lines.append("")
        if "error" in many:
            lines.append(f"Many officials: {many['error']}")
        else:
            by_method = ", ".join(
                f"{method} {n}" for method, n in many["calls_per_approval_by_method"].items()
            )
            lines.append(
                f"Many officials, Telegram's limits on: {many['officials']} officials approving "
                f"at once, {many['per_second']} approvals/s sustained (p50 {many['p50_ms']} ms, "
                f"p95 {many['p95_ms']} ms), {many['too_many_requests']} × 429; "
                f"{many['bot_api_calls_per_approval']} Bot API calls per approval ({by_method}); "
                f"{many['messages_per_approval']} messages per approval, so Telegram's 30/s "
                f"allows {_cell(many['telegram_ceiling_per_second'])} approvals/s"
            )
    memory = figures.get("memory")
    if isinstance(memory, dict):
        lines.append("")
        if "error" in memory:
            lines.append(f"Memory and start-up: {memory['error']}")
        else:
            lines += [
                f"Memory: {memory['rss_idle_mb']} MB idle, {memory['rss_after_commands_mb']} MB "
                f"after /tugas, /status, /riwayat, /cari with {memory['proposals']} proposals "
                "and their full history stored (target: < 150 MB)",
                f"Start-up, `disposisi run` to the first update handled: "
                f"{memory['startup_empty_seconds']} s on a new database, "
                f"{memory['startup_loaded_seconds']} s with the history (target: < 2 s)",
            ]
    lines += _durability(figures.get("durability"))
    lines += _records(figures.get("records"))
    return "\n".join(lines)


def _records(block: Any) -> list[str]:
    """Each piece of the records at scale: its time and its own peak memory."""
    if not isinstance(block, dict):
        return []
    if "error" in block:
        return ["", f"Records: {block['error']}"]
    lines = [
        "",
        f"Records over {block['cases']} cases with full history "
        f"(loaded in {block['rows_loaded_seconds']} s; target: < 10 s and < 300 MB each):",
    ]
    for what, row in block.items():
        if not isinstance(row, dict):
            continue
        if "error" in row:
            lines.append(f"  {what}: {row['error']}")
        else:
            lines.append(
                f"  {what}: {row['seconds']} s ({row['cpu_seconds']} s CPU), "
                f"peak {row['peak_mb']} MB ({row['said']}"
                + (f", {row['bytes'] // 1024} KB" if row.get("bytes") else "")
                + ")"
            )
    return lines


def _durability(block: Any) -> list[str]:
    if not isinstance(block, dict):
        return []
    if "error" in block:
        return ["", f"Durability, SQLite: {block['error']}"]
    commits = block["commits"]
    lines = [
        "",
        f"Durability, SQLite `synchronous` (scratch on {block['filesystem']}): one-row commits "
        f"{commits['normal']['per_second']}/s ({commits['normal']['ms']} ms) with NORMAL, "
        f"{commits['full']['per_second']}/s ({commits['full']['ms']} ms) with FULL",
        f"{'':10} {'conc':>4} {'appr/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'CPU ms/appr':>11} {'errors':>6}",
    ]
    for mode in ("normal", "full"):
        for level, row in (block.get(mode) or {}).items():
            lines.append(
                f"{mode:10} {level:>4} {row['per_second']:>8} {row['p50_ms']:>8} "
                f"{row['p95_ms']:>8} {row['p99_ms']:>8} {_cell(row['cpu_ms_per_approval']):>11} "
                f"{row['errors']:>6}"
            )
    ratios = ", ".join(f"{k}: {_cell(v)}" for k, v in (block.get("full_to_normal") or {}).items())
    lines.append(f"FULL ÷ NORMAL approvals/s by concurrency: {ratios} (the default is FULL)")
    return lines
