"""Small pieces of the running bot: URLs, the callback codec."""

from __future__ import annotations

import pytest

from bot.app import api_urls
from bot.core import callbacks


def test_api_urls_accept_the_bot_suffix_or_the_root() -> None:
    assert api_urls("http://127.0.0.1:8081/bot") == (
        "http://127.0.0.1:8081/bot",
        "http://127.0.0.1:8081/file/bot",
    )
    assert api_urls("http://127.0.0.1:8081/") == api_urls("http://127.0.0.1:8081/bot")
    assert api_urls(None) is None


def test_callback_data_round_trips_and_refuses_forgeries() -> None:
    data = callbacks.encode("dc", callbacks.MAX_ID, 99, 3)
    assert len(data.encode()) <= 64
    assert callbacks.decode(data) == callbacks.Press("dc", (callbacks.MAX_ID, 99, 3))
    for forged in ("", "zz:1", "ok:1:2:3:4:5", "ok:abc", "ok:1;DROP"):
        assert callbacks.decode(forged) is None
    with pytest.raises(ValueError):
        callbacks.encode("nope", 1)
