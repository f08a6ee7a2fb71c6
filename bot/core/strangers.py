"""How often a stranger (no active official behind the Telegram account) is answered.

A reply to a private chat waits on Telegram's one-per-second limit for that chat, and while it
waits it holds one of the few updates handled at once: answering every message of one
stranger's flood kept officials' own commands waiting half a minute. So a stranger is told at
most once every TELL_EVERY seconds, and at most TELL_PER_MINUTE strangers are told in any
minute overall; the rest are only counted. A button's answer is not a message to a chat (no
limit holds it), so a stranger's press is always answered.
"""

from __future__ import annotations

from collections import OrderedDict

from bot.core import windows
from bot.core.windows import SlidingWindow

TELL_EVERY = 600.0  # seconds between two replies to the same stranger
TELL_PER_MINUTE = 10  # strangers told in any minute, all of them together
REMEMBER = 10_000  # strangers remembered at most: memory stays bounded in a flood of accounts


class StrangerReplies:
    def __init__(
        self,
        every: float = TELL_EVERY,
        per_minute: int = TELL_PER_MINUTE,
        remember: int = REMEMBER,
    ) -> None:
        self.every, self.remember = every, remember
        # (user id, what about) → when told, oldest first
        self._told: OrderedDict[tuple[int, str], float] = OrderedDict()
        self._overall = SlidingWindow(per_minute, 60.0)

    def tell(self, user_id: int, about: str = "message") -> bool:
        """Whether to answer this stranger's message now (and count it as told if so)."""
        now = windows.monotonic()
        key = (user_id, about)  # a bad invitation link is told apart from other messages
        last = self._told.get(key)
        if last is not None and now - last < self.every:
            return False
        if self._overall.wait(now) > 0:
            return False
        self._overall.take(now)
        self._told[key] = now
        self._told.move_to_end(key)
        while len(self._told) > self.remember:
            self._told.popitem(last=False)
        return True
