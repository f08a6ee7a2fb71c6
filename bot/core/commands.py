"""The bot's own commands, by name: what an SOP's `case.command` may not take.

`handlers` binds each name to its handler (`handlers.COMMANDS`, and `/start`);
`tests/test_commands.py` checks that the two lists agree, so that a command added there is
refused to SOPs here.
"""

from __future__ import annotations

BUILT_IN: frozenset[str] = frozenset(
    {
        "start",
        "tugas",
        "baru",
        "usulan",
        "status",
        "riwayat",
        "cari",
        "cek",
        "sop",
        "laporan",
        "bantuan",
        "help",
        "batal",
        "delegasi",
        "rekap",
        "undang",
        "pejabat",
        "cabut",
        "langganan",
        "berhenti",
    }
)

# Aliases of `/baru` that an SOP may take as its own: the seed's `/usulan`, the command from
# before SOPs named theirs.
TAKEABLE: frozenset[str] = frozenset({"usulan"})


def taken(command: str) -> bool:
    """Whether `command` is the bot's own, not to be taken by an SOP."""
    return command in BUILT_IN and command not in TAKEABLE
