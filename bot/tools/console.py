"""What several commands say the same way at the console: a message the bot also sends in
Telegram, as terminal text; why a file cannot be written, in the operator's words (rekap,
laporan, lembar)."""

from __future__ import annotations

import errno
import os
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.texts import text

# The usual reasons a file cannot be written, in the operator's words (cli.yaml); any other is
# named by its errno code, never by the OS's English text.
_WHY = {
    errno.EACCES: "why_no_permission",
    errno.EPERM: "why_no_permission",
    errno.EROFS: "why_read_only",
    errno.EISDIR: "why_a_folder",
    errno.ENOSPC: "why_disk_full",
    errno.EDQUOT: "why_quota",
    errno.EFBIG: "why_too_big",
    errno.ENAMETOOLONG: "why_name_too_long",
    errno.EIO: "why_device",
    errno.EBUSY: "why_busy",
    errno.ETXTBSY: "why_busy",
}


class _Shown(HTMLParser):
    """What Telegram would show of its HTML: the text without the tags, entities read."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def as_text(zone: ZoneInfo, template: str, context: dict[str, object]) -> str:
    """A Telegram template (its own <b> and <i> included) as a terminal shows it.

    Rendered as HTML, so that what officials typed is escaped like the template's own text
    and comes back as typed ("A & B", "<draf>"), then read as Telegram reads it. A
    Renderer(html=False) would print the template's tags."""
    from bot.core.render import Renderer

    parser = _Shown()
    parser.feed(Renderer(zone).render(template, context))
    parser.close()
    return "".join(parser.parts)


def why(error: OSError, path: Path) -> str:
    """Why `path` could not be written, in the operator's words."""
    code = error.errno or 0
    if code in (errno.ENOENT, errno.ENOTDIR):
        # Said of the folder only when it is missing: /proc exists, yet takes no new file.
        return text("cli", "why_no_folder" if not _folder(path).is_dir() else "why_no_new_file")
    key = _WHY.get(code)
    if key is not None:
        return text("cli", key)
    return text("cli", "why_other", code=errno.errorcode.get(code, str(code)))


def blocked(path: Path) -> OSError | None:
    """What would refuse a file written to `path`, seen before anything is made (a record
    made is recorded issued): a folder in its place, no folder, no permission."""
    folder = _folder(path)
    if path.is_dir():
        return OSError(errno.EISDIR, "")
    if not folder.is_dir():
        return OSError(errno.ENOENT, "")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        read_only = os.statvfs(folder).f_flag & os.ST_RDONLY
        return OSError(errno.EROFS if read_only else errno.EACCES, "")
    return None


def _folder(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")
