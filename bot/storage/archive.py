"""The document archive: our own copy of every attached file, addressed by its SHA-256.

Content addressing makes a store idempotent (a retried upload writes nothing new) and lets the
record outlive Telegram's copy of the file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Stored:
    sha256: str
    path: str  # relative to the archive root, as recorded in the database
    size: int


class Archive:
    def __init__(self, root: Path) -> None:
        self.root = root

    def store(self, content: bytes) -> Stored:
        sha = hashlib.sha256(content).hexdigest()
        relative = Path(sha[:2]) / sha
        target = self.root / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename, so a crash never leaves a half file under the final name.
            fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
            os.replace(temp, target)
        return Stored(sha, relative.as_posix(), len(content))

    def path_of(self, stored_path: str) -> Path:
        return self.root / stored_path
