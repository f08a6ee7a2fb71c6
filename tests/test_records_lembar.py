"""The disposition sheet (issue 14): one case's header, steps and dispositions in a PDF, with a QR
code and a verification code tied to the audit chain; `/cek KODE` (and `disposisi audit cek`)
tells a sheet issued from a code altered or forged, and whether the case moved since.

The case is a letter of sops/surat_masuk.yaml: registered with its letter number and date, sifat
and klasifikasi; the head of division notes, then disposes to a section head (to act) and a staff
member (to know); the section head forwards to a colleague, who reports it done."""

from __future__ import annotations

import asyncio
import io
import shutil
import subprocess
import sys
from collections.abc import AsyncGenerator, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select, text

from bot.core.clock import FrozenClock
from bot.core.render import Renderer
from bot.records import lembar, lembar_pdf
from bot.services import dispositions, tasks
from bot.services.context import Context
from bot.services.errors import NotVisible, RestrictedInGroup
from bot.services.officials import add_official, assign_role
from bot.services.proposals import register_proposal
from bot.storage.db import read_session
from bot.tools.cli import main
from bot.tools.console import as_text
from models import AuditHead, Event
from tests.conftest import WIB
from tests.helpers import events, open_tasks, pdf, viewer

SOP = Path(__file__).parents[1] / "sops" / "surat_masuk.yaml"
ROLES = {
    "Rina Agendaris": "agendaris",
    "Budi Kabid": "kabid",
    "Citra Kasi": "kasi",
    "Dedi Kasi": "kasi",
    "Eka Staf": "staf",
    "Fajar Kabid Lain": "kabid",
}


async def _people(ctx: Context) -> dict[str, int]:
    """Each official by role, the first holder of a role; a second holder by name."""
    people: dict[str, int] = {}
    for chat, (name, role) in enumerate(ROLES.items(), start=700):
        official = await add_official(ctx, name=name, telegram_user_id=chat)
        await assign_role(ctx, official_id=official, role=role)
        people[name if role in people else role] = official
    return people


class Letter:
    def __init__(self, ctx: Context, clock: FrozenClock, people: dict[str, int]) -> None:
        self.ctx, self.clock, self.people = ctx, clock, people
        self.id = 0
        self.number = ""

    async def register(self, classification: str = "biasa") -> None:
        reg = await register_proposal(
            self.ctx,
            by=self.people["agendaris"],
            sop_code="surat_masuk",
            title="Undangan rapat koordinasi — dana BOS",
            origin="Dinas Kominfo",
            disposition_note="Mohon segera dipelajari",
            document=pdf("undangan.pdf"),
            fields={
                "nomor_surat": "005/77/2026",
                "tanggal_surat": "2026-11-20",
                "tujuan": {"id": self.people["kabid"], "name": "Budi Kabid", "role": "kabid"},
                "urgency": "segera",
                "classification": classification,
            },
        )
        self.id, self.number = reg.proposal_id, reg.number

    async def dispose(self) -> None:
        [head] = (await open_tasks(self.ctx, self.id)).values()
        self.clock.advance(timedelta(minutes=4))
        await tasks.add_note(self.ctx, head.id, self.people["kabid"], "Hadir bersama bendahara")
        self.clock.advance(timedelta(minutes=6))
        picks = {self.people["kasi"]: "tindak_lanjuti", self.people["staf"]: "diketahui"}
        await dispositions.give(self.ctx, head.id, self.people["kabid"], picks, "Koordinasikan")

    async def finish(self) -> None:
        [task] = (await open_tasks(self.ctx, self.id)).values()
        self.clock.advance(timedelta(minutes=5))
        colleague = self.people["Dedi Kasi"]
        await tasks.forward(self.ctx, task.id, self.people["kasi"], colleague, "Siapkan bahan")
        self.clock.advance(timedelta(minutes=50))  # past the step's 30 minutes
        await tasks.act(self.ctx, task.id, colleague, tasks.Decide("selesai", "Sudah dihadiri"))


@pytest.fixture
async def letter(letters_office: Context, clock: FrozenClock) -> Letter:
    made = Letter(letters_office, clock, await _people(letters_office))
    await made.register()
    await made.dispose()
    return made


def _text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def _decoded(image: Image.Image) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(image)]


async def _issued(ctx: Context, proposal_id: int) -> Event:
    [found] = [e for e in await events(ctx, proposal_id) if e.type == "record_issued"][-1:]
    return found


# -- the sheet --------------------------------------------------------------------------------


async def test_the_sheet_shows_the_header_each_step_and_the_dispositions(
    letter: Letter,
) -> None:
    await letter.finish()
    ctx = letter.ctx
    made = await lembar.issue(ctx, letter.number, viewer=None, by=None)
    said = _text(made.content)
    for expected in (
        "Pemerintah Kabupaten Pasaman",
        "Dinas Pendidikan",
        "LEMBAR DISPOSISI",
        f"Nomor agenda {letter.number}",
        "Perihal Undangan rapat koordinasi — dana BOS",  # the SOP's own labels, Unicode kept
        "Pengirim Dinas Kominfo",
        "Sifat Segera",
        "Klasifikasi Biasa",
        "Nomor surat 005/77/2026",
        "Tanggal surat 20 Nov 2026",
        "Ditujukan kepada Budi Kabid",
        "Catatan pendaftar Mohon segera dipelajari",
        "Selesai — Surat ditindaklanjuti sesuai disposisi",
    ):
        assert expected in said, expected
    # Every step, in order: number, title, actor, what was said and decided, its time.
    step3 = said.index("Pelajari surat dan beri disposisi")
    step4 = said.index("Tindak lanjuti disposisi", step3)
    assert step3 < step4
    assert "Budi Kabid" in said[step3:step4]
    assert "Catatan Budi Kabid: Hadir bersama bendahara" in said[step3:step4]
    assert "Didisposisikan" in said[step3:step4]
    assert "10 menit (standar 15 menit) — sesuai standar" in said[step3:step4]
    row4 = said[step4:]
    assert "Dedi Kasi" in row4
    assert "Instruksi disposisi: Tindak lanjuti sesuai peruntukan" in row4
    assert "Citra Kasi meneruskan kepada Dedi Kasi: Siapkan bahan" in row4  # the giver too
    assert "Diputuskan: Sudah ditindaklanjuti" in row4 and "Alasan: Sudah dihadiri" in row4
    assert "55 menit (standar 30 menit) — lewat 25 menit" in row4
    # The dispositions given: to whom, in which role, with which instruction, and the note.
    assert "Langkah 3 (Pelajari surat dan beri disposisi) — dari Budi Kabid" in said
    assert "Catatan: Koordinasikan" in said
    assert "Citra Kasi Kepala Seksi Tindak lanjuti sesuai peruntukan untuk ditindaklanjuti" in said
    assert "Eka Staf Staf Pelaksana Untuk diketahui untuk diketahui" in said
    # The code, printed, and how to check it.
    assert f"Kode verifikasi: {lembar.shown(made.code)}" in said
    assert f"/cek {lembar.shown(made.code)}" in said
    assert made.file_name == f"Lembar disposisi {letter.number.replace('/', '-')}.pdf"


async def test_issuing_records_the_code_and_the_chain_at_that_moment(letter: Letter) -> None:
    ctx = letter.ctx
    async with read_session(ctx.engine) as session:
        head = await session.get(AuditHead, 1)
        assert head is not None
        before = (head.last_event_id, head.last_hash)
    newest = max(e.id for e in await events(ctx, letter.id))
    made = await lembar.issue(ctx, letter.number, viewer=None, by=letter.people["kabid"])
    event = await _issued(ctx, letter.id)
    assert event.actor_id == letter.people["kabid"]
    payload = event.payload
    assert payload["kind"] == "lembar" and payload["code"] == made.code
    assert (payload["last_event_id"], payload["head_event_id"]) == (newest, before[0])
    assert payload["last_hash"] == before[1] == event.prev_hash
    assert (payload["step"], payload["status"]) == (4, "berjalan")
    # Not drawn from the case's number: the same case at the same moment, another code.
    again = await lembar.issue(ctx, letter.number, viewer=None, by=None)
    assert again.code != made.code and letter.number not in made.code


async def test_the_qr_code_reads_back_as_the_code(letter: Letter, tmp_path: Path) -> None:
    made = await lembar.issue(letter.ctx, letter.number, viewer=None, by=None)
    code = lembar.shown(made.code)
    [page] = PdfReader(io.BytesIO(made.content)).pages
    [picture] = page.images  # the QR code, as embedded in the sheet
    assert _decoded(picture.image) == [code]
    if shutil.which("pdftoppm"):  # and on the page as it prints (Debian's poppler-utils)
        (tmp_path / "lembar.pdf").write_bytes(made.content)
        render = ["pdftoppm", "-png", "-r", "150", "-singlefile", "lembar.pdf", "page"]
        await asyncio.to_thread(subprocess.run, render, cwd=tmp_path, check=True)
        assert _decoded(Image.open(tmp_path / "page.png")) == [code]


async def test_without_a_unicode_font_the_sheet_is_still_written(
    letter: Letter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lembar_pdf, "unicode_fonts", lambda: None)
    made = await lembar.issue(letter.ctx, letter.number, viewer=None, by=None)
    said = _text(made.content)
    assert "LEMBAR DISPOSISI" in said and "Undangan rapat koordinasi - dana BOS" in said


async def test_the_sheet_follows_the_visibility_rule(letter: Letter) -> None:
    ctx = letter.ctx
    other = await viewer(ctx, letter.people["Fajar Kabid Lain"])
    with pytest.raises(NotVisible):
        await lembar.issue(ctx, letter.number, viewer=other, by=other.official.id)
    with pytest.raises(NotVisible):  # the same words for a number that does not exist
        await lembar.issue(ctx, "9999/SM/2026", viewer=other, by=other.official.id)
    informed = await viewer(ctx, letter.people["staf"])  # one the disposition informs
    made = await lembar.issue(ctx, letter.number, viewer=informed, by=informed.official.id)
    assert made.number == letter.number and not made.restricted


async def test_a_restricted_case_is_no_sheet_for_a_group(
    letters_office: Context, clock: FrozenClock
) -> None:
    made = Letter(letters_office, clock, await _people(letters_office))
    await made.register(classification="rahasia")
    kabid = await viewer(letters_office, made.people["kabid"])
    sheet = await lembar.issue(letters_office, made.number, viewer=kabid, by=kabid.official.id)
    assert sheet.restricted  # sent protected
    in_group = await viewer(letters_office, made.people["kabid"], group_chat_id=-100)
    with pytest.raises((RestrictedInGroup, NotVisible)):
        await lembar.issue(letters_office, made.number, viewer=in_group, by=kabid.official.id)


# -- the code ---------------------------------------------------------------------------------


def test_a_code_is_ten_signs_nobody_misreads_and_one_changed_sign_is_caught() -> None:
    codes = [
        lembar.derive(proposal_id=p, last_event_id=e, last_hash="ab" * 32, salt=str(p * e))
        for p in (1, 2, 77)
        for e in (3, 40)
    ]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert len(code) == 10 and not set(code) & set("01OIL") and lembar.well_formed(code)
        assert lembar.normalized(f" {lembar.shown(code).lower()} ") == code
        for at in range(10):
            for sign in lembar.ALPHABET:
                if sign != code[at]:
                    assert not lembar.well_formed(code[:at] + sign + code[at + 1 :])
        for a in range(10):
            for b in range(a + 1, 10):
                swapped = list(code)
                swapped[a], swapped[b] = code[b], code[a]
                assert "".join(swapped) == code or not lembar.well_formed("".join(swapped))
    assert lembar.normalized("0001/SM/2026") is None and lembar.normalized("ABC") is None


def _altered(code: str) -> str:
    sign = next(s for s in lembar.ALPHABET if s != code[3])
    return lembar.shown(code[:3] + sign + code[4:])


def _forged(code: str) -> str:
    """Well formed (its check sign right), yet issued by no one."""
    body = code[:8] + next(s for s in lembar.ALPHABET if s != code[8])
    return lembar.shown(body + lembar._check_sign(body))


async def test_cek_a_good_code_then_an_altered_and_a_forged_one(letter: Letter) -> None:
    ctx = letter.ctx
    made = await lembar.issue(ctx, letter.number, viewer=None, by=letter.people["kabid"])
    informed = await viewer(ctx, letter.people["staf"])
    code, by = lembar.shown(made.code), informed.official.id
    found = await lembar.check(ctx, code, viewer=informed, by=by)
    assert found.ok and found.number == letter.number
    assert found.title == "Undangan rapat koordinasi — dana BOS" and found.issued_by == "Budi Kabid"
    assert found.state["step"] == 4 and found.moved == 0
    said = Renderer(ctx.settings.zone).render("cek", {"found": found})
    assert "Lembar disposisi asli" in said and "langkah 4: Tindak lanjuti disposisi" in said
    assert "belum ada perubahan" in said
    # Someone who may not see the case learns that the sheet is genuine, not what it is about.
    other = await viewer(ctx, letter.people["Fajar Kabid Lain"])
    hidden = await lembar.check(ctx, made.code.lower(), viewer=other, by=other.official.id)
    assert hidden.ok and hidden.number == letter.number and hidden.title is None
    assert hidden.now == {}
    assert "Undangan" not in Renderer(ctx.settings.zone).render("cek", {"found": hidden})
    # Altered, forged, or no code at all: refused in words, and each refusal recorded.
    for typed, reason, words in (
        (_altered(made.code), "salah", "tidak sah"),
        (_forged(made.code), "tidak_ada", "Tidak ada lembar disposisi"),
        ("0001/SM/2026", "bentuk", "bukan kode lembar disposisi"),
    ):
        refused = await lembar.check(ctx, typed, viewer=other, by=other.official.id)
        assert refused.refused == reason, typed
        assert words in Renderer(ctx.settings.zone).render("cek", {"found": refused})
    recorded = [e for e in await events(ctx) if e.type == "record_check_refused"]
    assert [e.payload["reason"] for e in recorded] == ["salah", "tidak_ada", "bentuk"]
    assert all(e.actor_id == other.official.id for e in recorded)


async def test_cek_after_the_case_moved_on(letter: Letter) -> None:
    ctx = letter.ctx
    made = await lembar.issue(ctx, letter.number, viewer=None, by=None)
    await lembar.check(ctx, "SALAH", viewer=None, by=None)  # a refusal is no movement
    assert (await lembar.check(ctx, made.code, viewer=None, by=None)).moved == 0
    await letter.finish()
    found = await lembar.check(ctx, made.code, viewer=None, by=None)
    assert found.ok and found.state["step"] == 4 and found.moved >= 3
    assert found.now["outcome_title"] == "Surat ditindaklanjuti sesuai disposisi"
    said = Renderer(ctx.settings.zone).render("cek", {"found": found})
    assert "sudah bergerak" in said and "Posisi sekarang: selesai" in said


@contextmanager
def generators_started() -> Iterator[list[AsyncGenerator[Any, None]]]:
    """The async generators first iterated meanwhile on this thread (kept, so none is
    collected): one still suspended afterwards was left open, and would be closed by the
    garbage collector outside its task ("aclose(): asynchronous generator is already running")."""
    first, finalizer = sys.get_asyncgen_hooks()
    started: list[AsyncGenerator[Any, None]] = []

    def track(generator: AsyncGenerator[Any, None]) -> None:
        started.append(generator)
        if first is not None:
            first(generator)

    sys.set_asyncgen_hooks(firstiter=track, finalizer=finalizer)
    try:
        yield started
    finally:
        sys.set_asyncgen_hooks(firstiter=first, finalizer=finalizer)


async def test_cek_leaves_no_generator_open(letter: Letter) -> None:
    ctx = letter.ctx
    made = await lembar.issue(ctx, letter.number, viewer=None, by=None)
    with generators_started() as started:
        found = await lembar.check(ctx, made.code, viewer=None, by=None)
    assert found.ok and found.now["step"] == 4
    assert started and [g for g in started if g.ag_frame is not None] == []


async def test_a_tampered_record_of_issue_is_refused(letter: Letter) -> None:
    ctx = letter.ctx
    made = await lembar.issue(ctx, letter.number, viewer=None, by=None)
    event = await _issued(ctx, letter.id)
    async with ctx.engine.begin() as connection:  # as one with full rights could
        await connection.execute(text("DROP TRIGGER IF EXISTS events_no_update"))
        forged: dict[str, Any] = {**event.payload, "last_event_id": 1}
        row = await connection.execute(select(Event.payload).where(Event.id == event.id))
        assert row.scalar_one()["code"] == made.code
        await connection.execute(
            Event.__table__.update().where(Event.id == event.id).values(payload=forged)
        )
    assert (await lembar.check(ctx, made.code, viewer=None, by=None)).refused == "rusak"


# -- the command line -------------------------------------------------------------------------


async def _run(argv: list[str]) -> int:
    """The CLI runs its own event loop: call it from a thread, as a shell would."""
    return await asyncio.to_thread(main, argv)


@pytest.fixture
def console(letter: Letter, monkeypatch: pytest.MonkeyPatch) -> Letter:
    monkeypatch.setenv("DATABASE_URL", letter.ctx.settings.database_url)
    monkeypatch.setenv("SOP_DIR", str(letter.ctx.settings.sop_dir))
    return letter


async def test_cli_lembar_then_audit_cek(
    console: Letter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "lembar.pdf"
    assert await _run(["lembar", console.number, "--out", str(out)]) == 0
    event = await _issued(console.ctx, console.id)
    code = lembar.shown(event.payload["code"])
    assert code in capsys.readouterr().out
    assert event.actor_id is None and "LEMBAR DISPOSISI" in _text(out.read_bytes())
    assert await _run(["audit", "cek", code]) == 0
    said = capsys.readouterr()
    assert said.out.startswith(f"✅ Lembar disposisi asli · kode {code}\n{console.number} · ")
    assert "Undangan" in said.out and "<" not in said.out and said.err == ""
    assert await _run(["audit", "cek", _altered(event.payload["code"])]) == 1
    assert "tidak sah" in capsys.readouterr().err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full to fill")
async def test_cli_lembar_says_why_the_sheet_was_not_written(
    console: Letter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "penuh.pdf").symlink_to("/dev/full")  # a disk that is full
    assert await _run(["lembar", console.number, "--out", str(tmp_path / "penuh.pdf")]) == 2
    said = capsys.readouterr().err
    assert said == f"--out {tmp_path}/penuh.pdf: tidak dapat ditulis (ruang penyimpanannya penuh)\n"


def test_the_console_shows_a_telegram_message_as_telegram_does() -> None:
    title = "Kerja sama A & B <tahap 2>"  # as typed: escaped for Telegram, shown back as typed
    found = lembar.Checked(
        code="K3DKM-M2MWS",
        number="0001/SM/2026",
        title=title,
        state={"outcome_title": None, "step": 2, "step_title": "Telaah"},
    )
    said = as_text(WIB, "cek", {"found": found})
    assert said.splitlines()[:2] == [
        "✅ Lembar disposisi asli · kode K3DKM-M2MWS",
        f"0001/SM/2026 · {title}",
    ]


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["9999/SM/2026", "--out", "{tmp}/a.pdf"], "Tidak ada pengajuan bernomor '9999/SM/2026'"),
        (["{number}", "--out", "{tmp}/a.xlsx"], "beri nama berakhiran .pdf"),
        (["{number}", "--out", "{tmp}/tidak/ada/a.pdf"], "ditulis (folder tujuannya tidak ada)"),
        (["{number}", "--out", "{tmp}"], "beri nama berakhiran .pdf"),
        (["{number}", "--out", "{tmp}/folder.pdf"], "ditulis (itu sebuah folder; beri nama"),
    ],
)
async def test_cli_lembar_refuses_in_indonesian(
    console: Letter,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    said: str,
) -> None:
    (tmp_path / "folder.pdf").mkdir()
    given = [a.format(tmp=tmp_path, number=console.number) for a in argv]
    assert await _run(["lembar", *given]) == 2
    assert said in capsys.readouterr().err
    async with read_session(console.ctx.engine) as session:  # nothing issued
        issued = await session.scalars(select(Event).where(Event.type == "record_issued"))
        assert list(issued) == []
