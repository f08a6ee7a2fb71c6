"""The demo's script: the seed SOP from intake to outcome, tapped through by its officials.

Three paths: `fs` (a third party's feasibility study: all eleven steps), `kak` (an agency's
terms of reference, approved and returned to the agency for its offer, then the letter), and
`rejected` (the TKKSD does not agree: the proposal goes back to the agency). Each official takes
a plausible share of their step's time standard, moved on the bot's clock; one analyst runs
late, so a reminder appears; the Head of Division forwards step 2 to the Head of Subdivision
with an instruction; the analysts and the TKKSD upload the documents their steps require.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.clock import ShiftedClock
from demo.tape import Tape
from demo.world import World, intake


@dataclass(frozen=True)
class Path:
    key: str
    kind: str
    title: str
    about: str


PATHS = {
    "fs": Path("fs", "FS", "Pembangunan dermaga wisata Tanjung Kelayang", "FS pihak ketiga"),
    "kak": Path("kak", "KAK", "Kerja sama promosi wisata bahari", "KAK Perangkat Daerah"),
    "rejected": Path("rejected", "KAK", "Kerja sama pengelolaan parkir", "KAK yang ditolak"),
}

# Who plays each role in the demo (made-up people).
NAMES = {
    "admin": "Admin TI",
    "gubernur": "Hendra Wijaya",
    "sekda": "Sri Wahyuni",
    "asisten1": "Bambang Sutrisno",
    "tkksd": "Dewi Lestari",
    "karo": "Agus Salim",
    "kabag_ks": "Rina Marlina",
    "kasubbag_kss_ln": "Yudi Pratama",
    "analis_ls": "Fitri Handayani",
    "analis_pks": "Doni Saputra",
    "pengelola_info": "Rudi Hartono",
    "pengadministrasi": "Siti Aminah",
    "perangkat_daerah": "Joko Susilo",
    "staf": "Ani Kusuma",
}


class Script:
    """The scenario's moves on one World, with its clock and its tape."""

    def __init__(self, world: World, tape: Tape, clock: ShiftedClock) -> None:
        self.world, self.tape, self.clock = world, tape, clock

    async def takes(self, minutes: int) -> None:
        """The next official takes `minutes` of working time before acting."""
        await self.tape.settle()  # what came before belongs to the act before
        calendar = self.world.ctx.calendar
        later = calendar.add_working_minutes(self.clock.now(), minutes)
        self.clock.advance(later - self.clock.now())
        await self.tape.note("clock", str(minutes))

    async def approve(self, who: str, number: str, step: int, minutes: int = 0) -> None:
        if minutes:
            await self.takes(minutes)
        await self.world.approve(who, number, step)

    async def choose(self, who: str, number: str, step: int, label: str, minutes: int) -> None:
        if minutes:
            await self.takes(minutes)
        await self.world.press(who, await self.world.task(who, number, step=step), label)

    async def forward(self, who: str, to: str, number: str, step: int, instruction: str) -> None:
        world = self.world
        await world.press(who, await world.task(who, number, step=step), "👥 Teruskan")
        picker = await world.latest(who, "Teruskan kepada siapa")
        await world.press(who, picker, NAMES[to])
        await world.latest(who, "Tulis arahan")
        await world.say(who, instruction)
        await world.latest(to, "Diteruskan kepada Anda")

    async def late_analyst(self, who: str, number: str) -> None:
        """Left past the standard: the reminder comes, then the analyst acts on it."""
        await self.takes(16)  # 61 minutes into a 60-minute step
        await self.world.latest(who, "Pengingat", seconds=15)
        await self.takes(4)


async def play(script: Script, path: Path) -> str:
    """Run `path`; returns the proposal's number."""
    world = script.world
    number = await intake(world, path.kind, path.title)
    await script.approve("karo", number, 1, 3)
    await script.takes(2)  # 2: a disposition, then the Head of Subdivision approves it
    instruction = "Mohon disiapkan bahan rapatnya"
    await script.forward("kabag_ks", "kasubbag_kss_ln", number, 2, instruction)
    await script.approve("kasubbag_kss_ln", number, 2, 2)
    await script.approve("kasubbag_kss_ln", number, 3, 4)
    await script.takes(45)  # 4: both analysts review and upload their findings
    await world.attach("analis_ls", number, "telaah-lintas-sektor.pdf", step=4)
    await world.approve("analis_ls", number, 4)
    await script.late_analyst("analis_pks", number)
    await world.attach("analis_pks", number, "telaah-perencanaan.pdf", step=4)
    await world.approve("analis_pks", number, 4)
    await script.takes(20)  # 5: the Head of Subdivision reads a review, then approves
    task = await world.task("kasubbag_kss_ln", number, step=5)
    await world.download("kasubbag_kss_ln", task, "telaah-perencanaan.pdf")
    await script.approve("kasubbag_kss_ln", number, 5)
    await script.approve("kabag_ks", number, 6, 30)
    await script.approve("karo", number, 7, 25)
    await script.takes(150)  # 8: the TKKSD meets, then uploads the minutes and a draft letter
    await world.attach("tkksd", number, "notulen-rapat-tkksd.pdf", choice="Notulen", step=8)
    await world.attach("tkksd", number, "konsep-surat.pdf", choice="Konsep surat", step=8)
    await STEP_8[path.key](script, number)
    return number


async def _fs(script: Script, number: str) -> None:
    await script.choose("tkksd", number, 8, "Setuju — rekomendasi", 0)
    await _letter(script, number)


async def _kak(script: Script, number: str) -> None:
    await script.choose("tkksd", number, 8, "Setuju — KAK", 0)
    await _letter(script, number)


async def _rejected(script: Script, number: str) -> None:
    world = script.world
    await script.choose("tkksd", number, 8, "Tidak setuju", 0)
    await world.latest("tkksd", "alasan")
    await world.say("tkksd", "Belum sesuai RPJMD; mohon dikaji ulang manfaatnya bagi daerah")
    await world.latest("perangkat_daerah", "Usulan selesai")


async def _letter(script: Script, number: str) -> None:
    """Steps 9–11: the Governor signs, the Bureau sends, the staff file and send the letter."""
    world = script.world
    await script.choose("gubernur", number, 9, "Setuju", 90)
    await script.takes(25)  # 10
    await world.attach("karo", number, "surat-usulan-ditandatangani.pdf", step=10)
    await world.approve("karo", number, 10)
    await script.approve("pengadministrasi", number, 11, 30)
    await world.latest("perangkat_daerah", "Usulan selesai")


STEP_8: dict[str, Callable[[Script, str], Awaitable[None]]] = {
    "fs": _fs,
    "kak": _kak,
    "rejected": _rejected,
}
