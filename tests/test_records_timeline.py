"""The one measure of the records (issue 14): each step's working time against its standard,
checked against cases computed by hand in the office calendar — a returned step, a forwarded
step, a holiday in the middle, parallel reviewers — and the cases streamed for a register."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.core.calendar import DEFAULT_OFFICE_HOURS, OfficeHours, WorkCalendar
from bot.core.paths import data_dir
from bot.core.sop.loader import load_sop
from bot.records.cases import Period, cases
from bot.records.timeline import step_times
from bot.services.context import Context
from models import Task
from tests.conftest import Office
from tests.helpers import do, register, viewer

JAKARTA = ZoneInfo("Asia/Jakarta")
SEED = load_sop(data_dir("sops") / "kerjasama_pihak_ketiga.yaml")
CALENDAR = WorkCalendar(JAKARTA, OfficeHours.parse(DEFAULT_OFFICE_HOURS))


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=JAKARTA)


def task(step: str, role: str, start: datetime, end: datetime | None, **more: object) -> Task:
    found = Task(
        proposal_id=1,
        step_key=step,
        activation=int(more.pop("activation", 1)),  # type: ignore[call-overload]
        role=role,
        started_at=start,
        completed_at=end,
        reminders_sent=0,
        **more,
    )
    return found


def test_parallel_reviewers_count_once_the_slower_decides() -> None:
    """Step 4 (60 menit), two analysts from Mon 08:12: one done at 09:00 (48 min), the other
    at 09:20 (68 min). The step took 68 working minutes: 8 past its standard."""
    rows = [
        (task("analis_telaah", "analis_ls", at(23, 8, 12), at(23, 9), action="approve"), "Ana"),
        (
            task("analis_telaah", "analis_pks", at(23, 8, 12), at(23, 9, 20), action="approve"),
            "Budi",
        ),
    ]
    [step] = step_times(SEED, rows, CALENDAR, at(23, 12), 60)
    assert (step.took_minutes, step.within, step.late_by) == (68, False, 8)
    assert step.done_by == ["Ana", "Budi"]
    assert step.ended_at == at(23, 9, 20).astimezone(UTC).isoformat()


def test_a_holiday_in_the_middle_is_not_counted() -> None:
    """Step 8 (3 jam) from Wed 23 Dec 15:00 to Mon 28 Dec 08:30: Wednesday 15:00–16:00 (60),
    Thursday 24 Dec is cuti bersama, Friday 25 Dec Christmas, then the weekend; Monday
    07:30–08:30 (60). 120 working minutes: within the 180."""
    row = task("tkksd_bahas", "tkksd", at(23, 15, month=12), at(28, 8, 30, month=12))
    [step] = step_times(SEED, [(row, "Tim")], CALENDAR, at(28, 12, month=12), 60)
    assert (step.took_minutes, step.within, step.late_by) == (120, True, 0)


def test_a_forwarded_step_and_a_returned_one_say_so() -> None:
    """Step 2 (5 menit) forwarded and done 7 minutes after it started: 2 late. Step 7 sends the
    case back to step 6, which starts again: two activations of step 6, the second still open;
    a step with no standard takes the office's default (60)."""
    rows = [
        (
            task(
                "kabag_perintah_persiapan",
                "kabag_ks",
                at(23, 8, 3),
                at(23, 8, 10),
                action="approve",
                forwarded_to_id=9,
            ),
            "Kasubbag",
        ),
        (task("kabag_koreksi", "kabag_ks", at(23, 10), at(23, 10, 20), action="approve"), "K"),
        (
            task(
                "karo_periksa_analisa",
                "karo",
                at(23, 10, 20),
                at(23, 10, 30),
                action="reject",
                note="Lengkapi",
            ),
            "Karo",
        ),
        (task("kabag_koreksi", "kabag_ks", at(23, 10, 30), None, activation=2), None),
    ]
    forwarded, first, back, again = step_times(SEED, rows, CALENDAR, at(23, 12, 30), 60)
    assert (forwarded.took_minutes, forwarded.late_by, forwarded.forwarded) == (7, 2, True)
    assert back.returned and back.action == "reject" and not first.returned
    assert (first.standard_minutes, first.within) == (60, True)  # the default, assumed
    assert (again.activation, again.open, again.ended_at) == (2, True, None)
    assert again.took_minutes == 120  # 10:30 to 12:30, still open: measured to now
    assert not again.within  # 120 > 60, even unfinished


async def test_cases_stream_in_batches_with_the_viewer_s_rule(ctx: Context, office: Office) -> None:
    first = await register(ctx, office, title="Satu")
    second = await register(ctx, office, title="Dua")
    await do(ctx, office, first.proposal_id, "karo")
    found = [c async for c in cases(ctx, batch=1)]  # one case per batch: the keyset walks on
    assert [c.number for c in found] == [first.number, second.number]
    one = found[0]
    assert [(s.number, s.open, s.done_by) for s in one.steps] == [
        (1, False, ["Pejabat karo"]),
        (2, True, []),
    ]
    assert one.current is not None and one.current.number == 2 and one.status == "berjalan"
    assert [file for _, file in one.documents] == ["usulan.pdf"]
    # Someone who has nothing to do with either case is given neither.
    outsider = await viewer(ctx, office["staf"])
    assert [c async for c in cases(ctx, viewer=outsider)] == []
    assert [c.number async for c in cases(ctx, period=Period(end=one.registered_at))] == []
