"""`disposisi`: the operators' command line — the command tree and how a failure is told.

disposisi sop check FILE...     validate SOP files (exit 1 naming file, line and step)
disposisi sop show FILE         the steps as a table, then the flowchart as Mermaid
disposisi sop roles [FILE...]   the role keys `invite` takes, their titles, who registers
disposisi db upgrade            create or migrate the schema (a no-op when up to date)
disposisi audit verify          recompute the audit hash chain
disposisi audit cek KODE        was a disposition sheet with this code issued? for which case?
disposisi lembar NOMOR --out F  a case's disposition sheet (PDF), with its verification code
disposisi inbox                 the updates set aside after failing, with why
disposisi rekap --out FILE      the register of cases as XLSX, a sheet per SOP
disposisi laporan --out F.pdf   the SOP compliance report (laporan monev), PDF or XLSX
disposisi run                   run the bot (TELEGRAM_BOT_TOKEN)
disposisi invite ROLE           print a one-time registration link
disposisi reminders simulate    walk a clock over some days: when reminders and digests go
disposisi demo                  the whole SOP on a built-in Telegram emulator, no token needed
disposisi playground            the emulator's web page beside the bot: play each official
disposisi bench [--quick]       benchmarks against the baseline of a bare PTB bot (bench/)

The commands themselves are in one module per family: sop_files, records (db, audit, inbox),
serving (run, invite), reminders, emulated (demo, playground, bench), laporan, lembar (lembar,
audit cek).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.core import redact
from bot.tools import failures, sop_files

# The commands, one module per family, under the names the tree below is built from. The tree is
# built anew by each main(), so a test stands in for a command by setting its name here.
from bot.tools.emulated import bench as _bench
from bot.tools.emulated import demo as _demo
from bot.tools.emulated import playground as _playground
from bot.tools.laporan import laporan as _laporan
from bot.tools.lembar import check as _audit_check
from bot.tools.lembar import lembar as _lembar
from bot.tools.records import audit_verify as _audit_verify
from bot.tools.records import db_upgrade as _db_upgrade
from bot.tools.records import inbox as _inbox
from bot.tools.rekap import rekap as _rekap
from bot.tools.reminders import simulate as _reminders_simulate
from bot.tools.serving import invite as _invite
from bot.tools.serving import run as _run
from bot.tools.sop_files import check as _sop_check
from bot.tools.sop_files import roles as _sop_roles
from bot.tools.sop_files import show as _sop_show

# A record's period, as /rekap and /laporan read it (bot/records/periode.py).
FROM_HELP = (
    "cases registered from: a day (2026-12-01, 01/12/2026), or the first day of a month,"
    " year or semester (2026-07, 2026, 'semester1 2026')"
)
TO_HELP = "up to and including: a day, or the last day of a month, year or semester"


def main(argv: Sequence[str] | None = None) -> int:
    redact.install()  # from here on, no traceback or stray log line shows a secret
    redact.protect_environment(os.environ)  # until the settings are read (a .env may add)
    failures.quiet_library_tracebacks()
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        result: int = args.run(args)
        return result
    except KeyboardInterrupt:  # Ctrl-C before the command set up its own handling
        return 130
    except BrokenPipeError:  # `disposisi sop show | head`: the reader stopped reading
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return 1
    except Exception as exc:
        from bot.core.sop.loader import SopFileError

        if isinstance(exc, SopFileError):  # any command that loads SOP_DIR: its problems
            return sop_files.refuse(exc.problems)
        return _failed(exc)


def _failed(error: Exception) -> int:
    """A failure the operator can fix: its one or two lines, exit 2. Anything else is a bug:
    its traceback, scrubbed, exit 1."""
    failure = failures.explain(error)
    if failure is None:
        print(redact.format_exception(error), end="", file=sys.stderr)
        return 1
    print(failures.message(failure), file=sys.stderr)
    return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="disposisi", description="Disposisi Bot")
    commands = parser.add_subparsers(title="commands")

    sop = commands.add_parser("sop", help="SOP definition files").add_subparsers(title="sop")
    check = sop.add_parser("check", help="validate SOP files")
    check.add_argument("files", nargs="+", type=Path)
    check.set_defaults(run=_sop_check)
    show = sop.add_parser("show", help="print an SOP's steps and its Mermaid flowchart")
    show.add_argument("file", type=Path)
    show.add_argument("--mermaid", action="store_true", help="only the flowchart")
    show.set_defaults(run=_sop_show)
    roles = sop.add_parser("roles", help="the role keys for `disposisi invite`, and who registers")
    roles.add_argument("files", nargs="*", type=Path, help="SOP files (default: SOP_DIR)")
    roles.add_argument("--sop", help="only this SOP code (from SOP_DIR)")
    roles.set_defaults(run=_sop_roles)

    db = commands.add_parser("db", help="the database").add_subparsers(title="db")
    db_upgrade = db.add_parser("upgrade", help="apply migrations (DATABASE_URL)")
    db_upgrade.set_defaults(run=_db_upgrade)

    run = commands.add_parser("run", help="run the bot (TELEGRAM_BOT_TOKEN)")
    run.set_defaults(run=_run)

    invite = commands.add_parser("invite", help="print a one-time registration link")
    invite.add_argument(
        "role", help="an SOP role key (disposisi sop roles lists them), or 'admin' for an IT admin"
    )
    invite.add_argument("--unit", help="the unit (e.g. the agency) the role is held in")
    invite.add_argument("--name", help="the official's name, as the record should show it")
    invite.add_argument("--days", type=int, default=7, help="days the link stays valid")
    invite.set_defaults(run=_invite)

    audit = commands.add_parser("audit", help="the audit trail").add_subparsers(title="audit")
    verify = audit.add_parser("verify", help="recompute the event hash chain")
    verify.set_defaults(run=_audit_verify)
    cek = audit.add_parser("cek", help="check a disposition sheet's verification code")
    cek.add_argument("code", help="the code printed beside the sheet's QR code")
    cek.set_defaults(run=_audit_check)

    sheet = commands.add_parser("lembar", help="a case's disposition sheet (lembar disposisi), PDF")
    sheet.add_argument("number", help="the case's registration number, e.g. 0001/SM/2026")
    sheet.add_argument("--out", required=True, metavar="FILE.pdf", help="where to write it")
    sheet.set_defaults(run=_lembar)

    inbox = commands.add_parser("inbox", help="updates set aside after failing, with why")
    inbox.set_defaults(run=_inbox)

    rekap = commands.add_parser("rekap", help="the register of cases as XLSX, a sheet per SOP")
    rekap.add_argument("--sop", metavar="CODE", help="only this SOP (default: every SOP)")
    rekap.add_argument("--from", dest="start", metavar="DATE", help=FROM_HELP)
    rekap.add_argument("--to", dest="end", metavar="DATE", help=TO_HELP)
    rekap.add_argument("--out", metavar="FILE.xlsx", required=True, help="the file to write")
    rekap.set_defaults(run=_rekap)
    report = commands.add_parser(
        "laporan", help="the SOP compliance report (laporan monev SOP), as a PDF or an XLSX"
    )
    report.add_argument("--sop", help="only this SOP code (default: every SOP)")
    report.add_argument("--from", dest="start", metavar="DATE", help=FROM_HELP)
    report.add_argument("--to", dest="end", metavar="DATE", help=TO_HELP)
    report.add_argument("--out", required=True, help="the file to write: FILE.pdf or FILE.xlsx")
    report.set_defaults(run=_laporan)

    demo = commands.add_parser("demo", help="play an SOP on the built-in emulator (the seed)")
    demo.add_argument("--path", choices=("fs", "kak", "rejected"), default="fs")
    demo.add_argument("--sop", metavar="FILE", help="play this SOP file instead of the seed")
    demo.add_argument(
        "--choose",
        metavar="STEP=OPTION",
        action="append",
        default=[],
        help="with --sop: the option a decision step takes (keys in the file); repeatable",
    )
    demo.add_argument("--json", action="store_true", help="print the run as JSON")
    demo.add_argument("--start", help="the bot's clock at the start, e.g. '2026-11-23 08:00'")
    demo.add_argument(
        "--keep", metavar="FILE.db", help="keep the demo's SQLite database there (a new file)"
    )
    demo.set_defaults(run=_demo)

    playground = commands.add_parser(
        "playground", help="the emulator's web page beside the bot: play each official"
    )
    playground.add_argument("--host", default="127.0.0.1")
    playground.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    playground.add_argument(
        "--sop", metavar="FILE", help="serve this SOP file (default: SOP_DIR, else the seed)"
    )
    playground.set_defaults(run=_playground)

    bench = commands.add_parser(
        "bench", help="benchmarks (python -m bench --help)", add_help=False, prefix_chars="\0"
    )
    bench.add_argument("rest", nargs=argparse.REMAINDER)
    bench.set_defaults(run=_bench)

    remind = commands.add_parser("reminders", help="reminders of overdue tasks")
    simulate = remind.add_subparsers(title="reminders").add_parser(
        "simulate",
        help="leave a new proposal's first task untouched and show when reminders go",
    )
    simulate.add_argument(
        "--from", dest="start", required=True, help="local start, e.g. '2026-11-27 14:00'"
    )
    simulate.add_argument("--days", type=float, default=4.0, help="how long to walk (days)")
    simulate.add_argument("--sop", help="SOP code (default: the first one)")
    simulate.add_argument("--json", action="store_true", help="print the walk as JSON")
    simulate.set_defaults(run=_reminders_simulate)
    return parser
