"""The SOP names its own things: what a case is called, its command, short step titles; people
read titles, never keys (issue 13)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.render import Renderer
from bot.core.sop.loader import SopFileError, load_sop_text
from bot.core.sop.registry import SopRegistry
from bot.core.sop.spec import SHORT_TITLE, shorten
from bot.services.queries import HistoryEntry, _names
from models import Event
from tests.conftest import WIB
from tests.test_intake_optional import BARE
from tests.test_sop_fingerprint import TEXT

SEED = load_sop_text(TEXT, "seed.yaml")
LETTERS = BARE.replace("intake:", "case: {noun: surat masuk, command: suratmasuk}\nintake:")


def test_a_step_without_a_title_shows_its_activity_cut_at_a_word() -> None:
    bare = load_sop_text(BARE, "b.yaml").steps[0]
    assert bare.title is None and bare.short_title == "Membaca surat"
    long = SEED.steps[0]
    assert long.title == "Terima disposisi, perintahkan persiapan"
    cut = shorten(long.activity, SHORT_TITLE)
    assert cut.endswith("…") and len(cut) <= SHORT_TITLE and long.activity.startswith(cut[:-1])
    assert not cut[:-1].endswith(" ")


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (("activity: Membaca surat", "activity: Membaca surat\n    title: " + "x" * 81), "judul"),
        (("intake:", "case: {command: /surat}\nintake:"), "command"),
        (("intake:", "case: {noun: surat, kata: x}\nintake:"), "kata"),
    ],
)
def test_a_bad_title_or_case_is_refused_in_words(change: tuple[str, str], said: str) -> None:
    with pytest.raises(SopFileError) as refused:
        load_sop_text(BARE.replace(*change), "b.yaml")
    assert any(said in p.message and p.line for p in refused.value.problems)


def test_a_bad_command_names_its_place_once() -> None:
    """The problem is told under "case:" by the reader; the text does not say it again."""
    with pytest.raises(SopFileError) as refused:
        load_sop_text(BARE.replace("intake:", "case: {command: Surat-Masuk}\nintake:"), "b.yaml")
    [problem] = [p for p in refused.value.problems if "Surat-Masuk" in p.message]
    assert problem.message.startswith("case: command 'Surat-Masuk' bukan perintah Telegram")
    assert "case: case:" not in str(refused.value)


def test_the_registry_knows_the_common_noun_and_role_titles() -> None:
    letters = load_sop_text(LETTERS, "l.yaml")
    assert letters.case.noun == "surat masuk" and letters.case.command == "suratmasuk"
    assert SopRegistry.of([letters]).noun() == "surat masuk"
    assert SopRegistry.of([letters, SEED]).noun() is None  # they differ: the neutral word
    both = SopRegistry.of([letters, SEED])
    assert both.role_title("karo") == "Kepala Biro Pemerintahan"
    assert both.role_title("nobody") == "nobody"


def _entry(type_: str, step: str | None, **payload: object) -> HistoryEntry:
    event = Event(type=type_, step_key=step, payload=payload)
    at = datetime(2026, 12, 3, 3, tzinfo=UTC)
    return HistoryEntry(1, at, type_, step, "Budi", None, payload, _names(SEED, event))


def test_the_history_says_titles_not_keys() -> None:
    entries = [
        _entry("task_started", "tkksd_bahas"),
        _entry("task_decide", "tkksd_bahas", option="setuju_kak", note=None),
        _entry("proposal_closed", None, outcome="selesai"),
        _entry("task_nudged", "tkksd_bahas"),
        _entry("step_completed", "gone_step"),  # a key the SOP no longer has
    ]
    history = {"proposal": {"number": "0001/KS/2026", "title": "T"}, "entries": entries}
    text = Renderer(WIB).render("history", {"history": history | {"pages": 1}})
    assert "langkah 8. Bahas di TKKSD dimulai" in text
    assert "memutuskan «Setuju — KAK dikembalikan ke Perangkat Daerah untuk penawaran»" in text
    assert "selesai: Surat dikirim dan diarsipkan" in text
    assert "diingatkan" in text and "langkah gone_step selesai" in text
    for key in ("tkksd_bahas", "setuju_kak", "task_nudged"):
        assert key not in text


def test_messages_use_the_noun_and_the_neutral_word_without_one() -> None:
    renderer = Renderer(WIB)
    closed = {"number": "1", "title": "T", "kind": None, "verdict": None}
    said = renderer.render(
        "proposal_closed",
        {"proposal": closed | {"noun": "surat masuk"}, "outcome": "Selesai", "elapsed_minutes": 5},
    )
    assert said.startswith("🏁 <b>Surat masuk selesai</b>")
    old = renderer.render(
        "proposal_closed", {"proposal": closed, "outcome": "S", "elapsed_minutes": 5}
    )
    assert old.startswith("🏁 <b>Pengajuan selesai</b>")  # a row queued before nouns
    menu = {"own": [{"command": "suratmasuk", "noun": "surat masuk"}], "generic": True}
    help_text = Renderer(WIB, noun=None, menu=menu).render("help", {"is_admin": False})
    assert "/suratmasuk — daftarkan surat masuk baru" in help_text
    assert "/baru — daftarkan pengajuan baru" in help_text and "usulan" not in help_text
