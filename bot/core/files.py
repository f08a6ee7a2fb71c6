"""What a received file is, read from its bytes, and a name it is safe to keep and send back.

The client's claimed MIME type and name are the sender's word: an `.exe` can claim to be a PDF,
a name can be `../../etc/passwd`. Neither is trusted here.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

import olefile
import puremagic

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOC, XLS, PPT = "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"
ZIP = "application/zip"
OLE = "application/x-ole-storage"

# puremagic reads signatures only: it calls every ZIP an Office Open XML document and every OLE
# compound file a Word document. For those two containers the part inside decides.
_ZIP_LIKE = frozenset(
    {DOCX, XLSX, PPTX, ZIP, "application/vnd.ms-excel.sheet.binary.macroenabled.12"}
)
_OLE_LIKE = frozenset({DOC, XLS, PPT, OLE})
# The content type of an OOXML package's main part, in its [Content_Types].xml (ECMA-376 part 2).
_OOXML_MAIN = {
    f"{DOCX}.main+xml": (DOCX, ".docx"),
    f"{XLSX}.main+xml": (XLSX, ".xlsx"),
    f"{PPTX}.main+xml": (PPTX, ".pptx"),
}
_CONTENT_TYPES_LIMIT = 1024 * 1024  # a real one is a few KB; more is a zip bomb's doing
# The stream each binary Office format keeps its body in ([MS-DOC], [MS-XLS], [MS-PPT]); an
# OLE file without one (an .msi installer, say) is not a document.
_OLE_STREAMS = (
    ("WordDocument", DOC, ".doc"),
    ("Workbook", XLS, ".xls"),
    ("Book", XLS, ".xls"),
    ("PowerPoint Document", PPT, ".ppt"),
)


@dataclass(frozen=True)
class FileType:
    mime: str  # "" when nothing is recognised
    extension: str  # ".exe", or "" when nothing is recognised


UNKNOWN = FileType("", "")


def detect(content: bytes) -> FileType:
    """The file's type from its bytes; containers (ZIP, OLE) by what they hold."""
    try:
        matches = puremagic.magic_string(content)
    except (puremagic.PureError, ValueError):
        return UNKNOWN
    if not matches:
        return UNKNOWN
    # The most confident match that names a MIME type (several signatures have none).
    named = [m for m in matches if m.mime_type] or matches
    best = max(named, key=lambda m: m.confidence)
    if best.mime_type in _ZIP_LIKE:
        return _inside_zip(content)
    if best.mime_type in _OLE_LIKE:
        return _inside_ole(content)
    return FileType(best.mime_type, best.extension)


def _inside_zip(content: bytes) -> FileType:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            info = package.getinfo("[Content_Types].xml")
            if info.file_size > _CONTENT_TYPES_LIMIT:
                return FileType(ZIP, ".zip")
            root = ElementTree.fromstring(package.read(info))
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, ValueError, OSError):
        return FileType(ZIP, ".zip")
    for part in root:
        found = _OOXML_MAIN.get(part.get("ContentType", ""))
        if found is not None:
            return FileType(*found)
    return FileType(ZIP, ".zip")


def _inside_ole(content: bytes) -> FileType:
    try:
        with olefile.OleFileIO(content) as storage:
            for stream, mime, extension in _OLE_STREAMS:
                if storage.exists(stream):
                    return FileType(mime, extension)
    except (OSError, ValueError, IndexError):  # olefile's errors on a broken file
        pass
    return FileType(OLE, ".ole")


# The extensions a file of each type may keep; a type not listed keeps only the one detected.
# Aliases are few and named here, not read from the host's mime.types (which calls macro
# add-ins .xla "Excel").
_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    DOC: (".doc",),
    XLS: (".xls",),
    PPT: (".ppt",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    PPTX: (".pptx",),
}

# Names a file must not have on Windows, whatever its extension.
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$", re.I)
MAX_NAME = 120  # characters: the column holds 255, and a person reads the name on a button
_MAX_EXTENSION = 10
FALLBACK = "dokumen"


def safe_name(name: str | None, kind: FileType | None = None) -> str:
    """A file name safe to store and send back: the last path component only, without control
    or direction-changing characters, not a Windows device name, at most MAX_NAME characters
    with its extension kept. Given the type read from the bytes (`kind`), the name ends in an
    extension of that type: a PDF sent as "telaah.hta" is kept as "telaah.pdf", so no name
    makes a reader's computer run it as something else."""
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[/\\]", text)[-1]
    # Unicode "other" (C*): controls, NUL, format characters such as the bidi overrides that
    # make "exe.pdf" read as "fdp.exe", surrogates and unassigned code points.
    text = "".join(c for c in text if not unicodedata.category(c).startswith("C"))
    text = text.strip(" .")  # Windows drops them; a leading dot hides the file
    stem, dot, extension = text.rpartition(".")
    if not dot or not stem or len(extension) > _MAX_EXTENSION or not extension.isalnum():
        stem, extension = text, ""
    stem = stem.rstrip(" .")
    if not stem or _RESERVED.match(stem.split(".")[0]):
        stem = f"{FALLBACK}-{stem}" if stem else FALLBACK
    suffix = f".{extension}" if extension else ""
    if kind is not None:
        suffix = _suffix_for(kind, suffix)
    return stem[: MAX_NAME - len(suffix)].rstrip(" .") + suffix


def _suffix_for(kind: FileType, suffix: str) -> str:
    # A type the office added (ALLOWED_DOCUMENT_TYPES): the extension its signature names.
    kept = _EXTENSIONS.get(kind.mime) or ((kind.extension,) if kind.extension else ())
    if not kept or suffix.lower() in kept:
        return suffix
    return kept[0]
