"""A local Telegram Bot API emulator with a control API for tests, the demo and benchmarks.

See emulator/README.md. `python -m emulator --port 8081` runs it standalone."""

from emulator.core import ApiCall
from emulator.rules import FloodLimits
from emulator.server import Emulator, create_app

__all__ = ["ApiCall", "Emulator", "FloodLimits", "create_app"]
