"""How often strangers are answered (`bot.core.strangers`): once a person per interval, a few a
minute overall, and a bounded memory of who was told."""

from __future__ import annotations

import pytest

from bot.core import windows
from bot.core.strangers import StrangerReplies


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(windows, "monotonic", lambda: now[0])
    return now


def test_one_person_is_told_once_per_interval(clock: list[float]) -> None:
    door = StrangerReplies(every=600, per_minute=10)
    assert [door.tell(7) for _ in range(5)] == [True, False, False, False, False]
    clock[0] += 599
    assert not door.tell(7)
    clock[0] += 1
    assert door.tell(7)


def test_at_most_so_many_strangers_are_told_a_minute(clock: list[float]) -> None:
    door = StrangerReplies(every=600, per_minute=3)
    assert [door.tell(person) for person in range(5)] == [True, True, True, False, False]
    clock[0] += 60
    assert door.tell(3) and door.tell(4)  # not told before, so told now


def test_the_memory_of_who_was_told_is_bounded(clock: list[float]) -> None:
    door = StrangerReplies(every=600, per_minute=10_000, remember=100)
    for person in range(1000):
        door.tell(person)
    assert len(door._told) == 100
    assert not door.tell(999) and door.tell(0)  # the oldest were forgotten first
