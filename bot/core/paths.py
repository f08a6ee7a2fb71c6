"""Where the project's data folders (sops/, templates/, migrations/) live.

In a checkout they sit at the repository root beside `bot/`; in an installed wheel they are
shipped inside the package as `bot/_data/...` (see pyproject.toml).
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]  # bot/


def data_dir(name: str) -> Path:
    # The wheel's copy first: beside an installed package lies site-packages, where another
    # distribution may have put a top-level folder of the same name.
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"data folder {name!r} not found beside or inside {_PACKAGE}")
