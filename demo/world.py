"""The real bot against the emulator, over HTTP on loopback: an office of phones to drive it.

`World` holds the emulator, the bot's context and the officials' Telegram accounts, and offers
what a person does on a phone: open an invitation link, write, send a file, tap a button, read a
chat. The demo, the playground and the end-to-end tests all drive the bot this way, so the code
they exercise is the code that runs in production (PTB, long polling, the outbox sender).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot import app
from bot.services.context import Context
from bot.services.invites import create_invite
from emulator.client import EmulatorClient
from emulator.server import Emulator

AGENCY = "Dinas Pariwisata"
SEED_SOP = "kerjasama_pihak_ketiga"  # the script below plays this SOP

TOKEN = "123456:TEST-token-for-the-emulator"
Json = dict[str, Any]


@dataclass
class World:
    emulator: Emulator | None  # None: an emulator in another process
    tg: EmulatorClient
    ctx: Context
    running: app.Running | None = None
    users: dict[str, int] = field(default_factory=dict)  # role -> Telegram user id
    group: int | None = None
    # Makes an invitation token: (role or "admin", unit) -> token. Default: the service.
    inviter: Callable[[str, str | None], Awaitable[str]] | None = None
    # Told of every act of an official (who, what, detail) before it happens, and of the
    # answer to a tap ("answer") after: the demo's transcript.
    on_act: Callable[[str, str, str], Awaitable[None]] | None = None

    # -- setting up -------------------------------------------------------------------------

    async def start_bot(self) -> None:
        self.running = await app.start(self.ctx, migrate_first=False)

    async def stop_bot(self) -> None:
        if self.running is not None:
            await app.stop(self.running)
            self.running = None

    async def close(self) -> None:
        """Stop the bot, then close the client, the database and the emulator."""
        await self.stop_bot()
        await self.tg.close()
        await self.ctx.close()
        if self.emulator is not None:
            await self.emulator.stop()

    async def register(
        self,
        role: str,
        *,
        unit: str | None = None,
        name: str | None = None,
        note: str | None = None,
    ) -> int:
        """A person opens their invitation link: the emulator user sends /start TOKEN. `note`
        labels the user in the playground (their role)."""
        token = await (self.inviter or self._invite)(role, unit)
        user = await self.tg.create_user(name or f"Pejabat {role}", note=note)
        await self.tg.send(user["id"], f"/start {token}")
        await self.tg.wait(user["id"], contains="Selamat datang", seconds=10)
        self.users[role] = user["id"]
        return int(user["id"])

    async def _invite(self, role: str, unit: str | None) -> str:
        is_admin = role == "admin"
        return await create_invite(
            self.ctx, role=None if is_admin else role, unit=unit, is_admin=is_admin
        )

    async def register_office(
        self,
        names: dict[str, str] | None = None,
        roles: tuple[str, ...] | None = None,
        sop_code: str = SEED_SOP,
    ) -> None:
        """An IT admin, one official per role of the SOP (named `names[role]`, else "Pejabat
        <role>"), a staff member to forward to, and the team's group, subscribed to the cards."""
        names = names or {}
        spec = self.ctx.sops.get(sop_code)
        roles = roles or tuple(spec.roles)
        await self.register("admin", name=names.get("admin", "Admin TI"), note="admin TI")
        for role in roles:
            unit = AGENCY if role == "perangkat_daerah" else None
            title = spec.roles[role].title if role in spec.roles else role
            note = f"{title}, {unit}" if unit else title
            await self.register(role, unit=unit, name=names.get(role), note=note)
        staff = names.get("staf", "Ani Staf Kerja Sama")
        self.users["staf"] = await self.register(
            "pengelola_info", name=staff, note="staf Bagian Kerja Sama"
        )
        chat = await self.tg.create_chat("Tim Kerja Sama", [self.users["admin"]])
        self.group = int(chat["id"])
        await self.tg.send(self.users["admin"], "/langganan", chat_id=self.group)
        await self.tg.wait(self.group, contains="kartu status", seconds=10)

    # -- acting -----------------------------------------------------------------------------

    def uid(self, who: str) -> int:
        return self.users[who]

    async def _acted(self, who: str, what: str, detail: str) -> None:
        if self.on_act is not None:
            await self.on_act(who, what, detail)

    async def say(self, who: str, text: str) -> Json:
        await self._acted(who, "text", text)
        sent: Json = await self.tg.send(self.uid(who), text)
        return sent

    async def send_file(
        self, who: str, name: str, mime: str = "application/pdf", content: bytes | None = None
    ) -> Json:
        body = content if content is not None else b"%PDF-1.4 " + name.encode()
        await self._acted(who, "file", name)
        sent: Json = await self.tg.send(self.uid(who), document=(name, mime, body))
        return sent

    async def latest(self, who: str, contains: str, seconds: float = 10.0) -> Json:
        """The newest bot message in `who`'s chat containing `contains` (waiting for it)."""
        found = await self.tg.wait(self.uid(who), contains=contains, seconds=seconds)
        return found[-1]

    async def press(
        self, who: str, message: Json, label: str, *, chat_id: int | None = None
    ) -> Json:
        """Tap a button by the start of its label; returns the callback answer."""
        fresh = next(
            m
            for m in await self.tg.messages(chat_id or self.uid(who))
            if m["message_id"] == message["message_id"]
        )
        buttons = [b for row in fresh.get("buttons") or [] for b in row]
        match = next((b for b in buttons if b["text"].startswith(label)), None)
        assert match is not None, f"no button {label!r} in {[b['text'] for b in buttons]}"
        await self._acted(who, "tap", match["text"])
        pressed: Json = await self.tg.press(
            self.uid(who), message["message_id"], chat_id=chat_id, label=match["text"], wait=10
        )
        answer: Json = pressed.get("answer") or {}
        if answer.get("text"):
            await self._acted(who, "answer", answer["text"])
        return answer

    async def task(
        self, who: str, number: str, seconds: float = 10.0, step: int | None = None
    ) -> Json:
        """The newest task message (with its buttons) for proposal `number` in `who`'s chat;
        with `step`, for that step (an earlier step's message may not be closed yet)."""
        since = 0
        wanted = f"Langkah {step}:" if step is not None else ""
        while True:
            found = await self.tg.wait(
                self.uid(who), contains=number, since_message_id=since, seconds=seconds
            )
            cards = [m for m in found if _has_button(m, "📎") and wanted in m["text"]]
            if cards:
                return cards[-1]
            since = found[-1]["message_id"]

    async def download(self, who: str, message: Json, file_name: str) -> Json:
        """Tap a document's button on `message`; returns the document message the bot sends."""
        uid = self.uid(who)
        before = sum(1 for m in await self.tg.messages(uid) if m["from_bot"])
        await self.press(who, message, f"📄 {file_name}")
        found = await self.tg.wait(uid, count=before + 1, seconds=10)
        sent = [m for m in found if (m.get("document") or {}).get("file_name") == file_name]
        assert sent, f"{file_name} was not sent to {who}"
        return sent[-1]

    async def approve(self, who: str, number: str, step: int | None = None) -> Json:
        return await self.press(who, await self.task(who, number, step=step), "✅ Setujui")

    async def attach(
        self,
        who: str,
        number: str,
        file_name: str,
        choice: str | None = None,
        step: int | None = None,
    ) -> None:
        """📎 on the task, pick the document kind if asked, send the file, wait for the ack."""
        before = await self.tg.messages(self.uid(who))
        await self.press(who, await self.task(who, number, step=step), "📎 Lampirkan")
        if choice is not None:
            picker = await self.tg.wait(
                self.uid(who),
                contains="Dokumen apa",
                since_message_id=before[-1]["message_id"],
                seconds=10,
            )
            await self.press(who, picker[-1], choice)
        await self.tg.wait(
            self.uid(who),
            contains="Kirim berkas",
            since_message_id=before[-1]["message_id"],
            seconds=10,
        )
        await self.send_file(who, file_name)
        await self.tg.wait(
            self.uid(who),
            contains="dilampirkan",
            since_message_id=before[-1]["message_id"],
            seconds=10,
        )


def _has_button(message: Json, start: str) -> bool:
    return any(b["text"].startswith(start) for row in message.get("buttons") or [] for b in row)


# -- the seed SOP, tapped through as its officials would ------------------------------------


async def intake(world: World, kind: str = "KAK", title: str = "Kerja sama wisata bahari") -> str:
    """The administration staff register a proposal with /usulan; returns its number."""
    who = "pengadministrasi"
    await world.say(who, "/usulan")
    await world.press(who, await world.latest(who, "Jenis usulan"), f"{kind} ")
    await world.latest(who, "judul usulan")
    await world.say(who, title)
    await world.latest(who, "Asal usulan")
    await world.say(who, AGENCY if kind == "KAK" else "PT Timah Wisata")
    await world.press(who, await world.latest(who, "Perangkat Daerah Terkait?"), AGENCY)
    await world.latest(who, "Kirim berkas")
    await world.send_file(who, f"{kind.lower()}.pdf")
    await world.press(who, await world.latest(who, "catatan untuk pelaksana"), "Lewati")
    await world.press(who, await world.latest(who, "Periksa lagi"), "✅ Daftarkan")
    done = await world.latest(who, "Usulan terdaftar")
    return str(done["text"].split("terdaftar: ")[1].split(" ")[0])


async def through_step_7(world: World, number: str) -> None:
    """Steps 1–7 as the SOP runs them, the analysts attaching their reviews."""
    for who in ("karo", "kabag_ks", "kasubbag_kss_ln"):
        await world.approve(who, number)
    for analyst in ("analis_ls", "analis_pks"):
        await world.attach(analyst, number, f"telaah-{analyst}.pdf")
        assert "Tersimpan" in (await world.approve(analyst, number))["text"]
    for who in ("kasubbag_kss_ln", "kabag_ks", "karo"):
        await world.approve(who, number)


async def tkksd_attaches_both(world: World, number: str) -> None:
    await world.attach("tkksd", number, "notulen.pdf", choice="Notulen")
    await world.attach("tkksd", number, "konsep.pdf", choice="Konsep surat")


async def kak_to_the_end(world: World, number: str) -> None:
    """From step 8 to the letter sent, on the KAK branch."""
    await tkksd_attaches_both(world, number)
    await world.press("tkksd", await world.task("tkksd", number), "Setuju — KAK")
    await world.press("gubernur", await world.task("gubernur", number), "Setuju")
    await world.attach("karo", number, "surat-usulan.pdf")
    await world.approve("karo", number)
    await world.approve("pengadministrasi", number)
