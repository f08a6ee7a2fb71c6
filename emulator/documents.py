"""Bot API methods on files: sendDocument (an upload, an attach:// part or a known file_id) and
getFile, with Telegram's upload and download size limits and the MIME type a document is
given. The checks every sent message goes through (chat, flood, caption, reply) come from
`emulator.messaging`; the downloads themselves are served by `emulator.botapi`.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from emulator.core import Core
from emulator.messaging import check_flood, find_chat, message_text, reply_target, sent_message
from emulator.params import Params, Upload
from emulator.registry import method
from emulator.rules import MAX_DOWNLOAD, MAX_UPLOAD, ApiError, bad_request, parse_reply_markup
from emulator.state import BOT, StoredFile

Json = dict[str, Any]


def _upload(p: Params) -> Upload | None:
    upload = p.files.get("document")
    reference = p.opt_str("document")
    if upload is None and reference and reference.startswith("attach://"):
        upload = p.files.get(reference[len("attach://") :])
        if upload is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
    return upload


def _mime(upload: Upload) -> str:
    declared = upload.content_type
    if declared and declared != "application/octet-stream":
        return declared
    guessed, _ = mimetypes.guess_type(upload.filename or "")
    return guessed or declared or "application/octet-stream"


@method("sendDocument")
async def send_document(core: Core, p: Params) -> Json:
    chat = find_chat(core, p)
    caption = message_text(core, p, "caption", caption=True)
    markup = parse_reply_markup(p.values.get("reply_markup"))
    reply_to = reply_target(core, p, chat)
    upload = _upload(p)
    existing: StoredFile | None = None
    if upload is not None:
        if not upload.content:
            raise bad_request("file must be non-empty")
        if len(upload.content) > MAX_UPLOAD:
            raise ApiError(413, "Request Entity Too Large")
    else:
        reference = p.opt_str("document")
        if not reference:
            raise bad_request("there is no document in the request")
        existing = core.world.files.get(reference)
        if existing is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
    check_flood(core, chat)
    if upload is not None:
        name = upload.filename or "file"
        existing = core.world.add_file(name, _mime(upload), upload.content, BOT)
    assert existing is not None
    return sent_message(
        core,
        chat,
        file_id=existing.file_id,
        caption=caption.text or None,
        caption_entities=caption.entities,
        source=p.opt_str("caption"),
        reply_markup=markup,
        reply_to_message_id=reply_to,
        protected=p.opt_bool("protect_content"),
    )


@method("getFile")
async def get_file(core: Core, p: Params) -> Json:
    stored = core.world.files.get(p.opt_str("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    if len(stored.content) > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.content),
        "file_path": stored.file_path,
    }
