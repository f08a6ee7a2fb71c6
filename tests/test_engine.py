"""The engine alone: routes, choices, requirements and completion, with no database."""

from __future__ import annotations

import pytest

from bot.core import engine
from bot.core.engine import ActionNotAllowed, Approve, Decide, NoteRequired, Reject
from bot.core.sop.registry import SopRegistry
from bot.core.sop.spec import Requirement, SopSpec


@pytest.fixture(scope="module")
def sop() -> SopSpec:
    return SopRegistry().get("kerjasama_pihak_ketiga")


def test_choices_follow_the_sop_and_the_kind(sop: SopSpec) -> None:
    assert [c.action for c in engine.choices(sop.step("karo_terima_disposisi"), "KAK")] == [
        "approve"
    ]
    assert [c.action for c in engine.choices(sop.step("karo_periksa_analisa"), "KAK")] == [
        "approve",
        "reject",
    ]
    tkksd = sop.step("tkksd_bahas")
    assert [c.option for c in engine.choices(tkksd, "KAK")] == ["setuju_kak", "tidak_setuju"]
    assert [c.option for c in engine.choices(tkksd, "FS")] == ["setuju_fs", "tidak_setuju"]
    assert next(c for c in engine.choices(tkksd, "FS") if c.option == "tidak_setuju").note_required


def test_routes(sop: SopSpec) -> None:
    step7 = sop.step("karo_periksa_analisa")
    assert engine.route(step7, Approve(), "KAK").target.step == "tkksd_bahas"
    assert engine.route(step7, Reject("kurang"), "KAK").target.step == "kabag_koreksi"
    tkksd = sop.step("tkksd_bahas")
    assert engine.route(tkksd, Decide("tidak_setuju", "x"), "FS").target.end == "dikembalikan"
    governor = sop.step("gubernur_tandatangani")
    assert engine.route(governor, Decide("setuju"), "FS").verdict == "disetujui"


@pytest.mark.parametrize(
    ("step", "action", "kind", "error"),
    [
        ("karo_terima_disposisi", Reject("tidak"), "KAK", ActionNotAllowed),
        ("karo_periksa_analisa", Reject(" "), "KAK", NoteRequired),
        ("tkksd_bahas", Approve(), "KAK", ActionNotAllowed),
        ("tkksd_bahas", Decide("setuju_fs"), "KAK", ActionNotAllowed),
        ("tkksd_bahas", Decide("tidak_ada"), "KAK", ActionNotAllowed),
        ("tkksd_bahas", Decide("tidak_setuju"), "KAK", NoteRequired),
        ("karo_terima_disposisi", Decide("setuju"), "KAK", ActionNotAllowed),
    ],
)
def test_what_the_sop_does_not_allow(
    sop: SopSpec, step: str, action: engine.Action, kind: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        engine.route(sop.step(step), action, kind)


def test_requirements_include_the_options_own(sop: SopSpec) -> None:
    tkksd = sop.step("tkksd_bahas")
    needed = {r.document for r in engine.requirements(tkksd, Decide("setuju_kak"))}
    assert needed == {"notulen", "konsep_surat"}
    assert {r.document for r in engine.requirements(tkksd, Decide("tidak_setuju", "x"))} == {
        "notulen"
    }
    assert engine.requirements(sop.step("karo_periksa_analisa"), Reject("x")) == ()


def test_missing_distinguishes_uploads_from_earlier_documents() -> None:
    upload, earlier = Requirement("hasil_telaah", True), Requirement("usulan", False)
    assert engine.missing([upload, earlier], set(), {"usulan", "hasil_telaah"}) == [upload]
    assert engine.missing([upload, earlier], {"hasil_telaah"}, {"usulan"}) == []
    assert engine.missing([earlier], set(), set()) == [earlier]


def test_completion_all_and_any(sop: SopSpec) -> None:
    parallel = sop.step("analis_telaah")
    assert not engine.completes_step(parallel, Approve(), others_open=1)
    assert engine.completes_step(parallel, Approve(), others_open=0)
    assert engine.completes_step(sop.step("karo_periksa_analisa"), Reject("x"), others_open=3)
    from dataclasses import replace

    anyone = replace(parallel, completion="any")
    assert engine.completes_step(anyone, Approve(), others_open=1)
