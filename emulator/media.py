"""What simulated people send besides text: voice notes, photos, documents, locations, stickers.

Each builder returns the Message fields Telegram sends for that content. The files are
small stand-ins with real headers (OGG, JPEG, WebP...), stored like the bot's uploads, so
the bot can ``getFile`` and download them, and send or copy them again by file_id.
"""

from __future__ import annotations

import itertools
import mimetypes
import struct
from typing import TYPE_CHECKING, Any

from emulator.formatting import command_entities

if TYPE_CHECKING:
    from emulator.api import BotApi

# Telegram keeps several sizes of every photo a person sends, smallest first.
PHOTO_SIZES = ((90, 68), (320, 240), (800, 600))
STICKER_SIDE = 512
_serial = itertools.count(1)


def ogg_opus(duration: int, serial: int) -> bytes:
    """A stand-in OGG/Opus recording: the OGG page header and an OpusHead packet."""
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0)
    page = b"OggS" + struct.pack("<BBqIIIB", 0, 2, 0, serial, 0, 0, 1) + bytes([len(head)])
    return page + head + f"simulated voice note {serial}, {duration}s".encode()


def jpeg(width: int, height: int, serial: int) -> bytes:
    """A stand-in JPEG whose header gives its size."""
    frame = struct.pack(">HBHHB", 17, 8, height, width, 3) + bytes.fromhex("011100021101031101")
    comment = f"simulated photo {serial}".encode()
    return (
        b"\xff\xd8\xff\xc0"
        + frame
        + b"\xff\xfe"
        + struct.pack(">H", len(comment) + 2)
        + comment
        + b"\xff\xd9"
    )


def webp(serial: int) -> bytes:
    """A stand-in WebP image (a static sticker)."""
    body = b"WEBPVP8 " + f"simulated sticker {serial}".encode()
    return b"RIFF" + struct.pack("<I", len(body)) + body


def document_bytes(file_name: str, serial: int) -> bytes:
    """Stand-in content for a document, a PDF when the name says so."""
    if file_name.lower().endswith(".pdf"):
        return f"%PDF-1.4\n% simulated document {serial}\n%%EOF\n".encode()
    return f"simulated file {file_name} {serial}\n".encode()


def _with_caption(content: dict[str, Any], caption: str | None) -> dict[str, Any]:
    if caption:
        content["caption"] = caption
        entities = command_entities(caption)
        if entities:
            content["caption_entities"] = entities
    return content


def voice(api: BotApi, duration: int = 3) -> dict[str, Any]:
    """A voice note (OGG/Opus, as Telegram's apps record them)."""
    serial = next(_serial)
    stored = api.store_file(
        "voice", "voice.ogg", ogg_opus(duration, serial), "audio/ogg", duration=duration
    )
    return {"voice": stored.as_voice()}


def photo(api: BotApi, caption: str | None = None) -> dict[str, Any]:
    """A photo, in the sizes Telegram makes of it."""
    serial = next(_serial)
    sizes = [
        api.store_file(
            "photo", "photo.jpg", jpeg(w, h, serial), "image/jpeg", width=w, height=h
        ).as_photo_size()
        for w, h in PHOTO_SIZES
    ]
    return _with_caption({"photo": sizes}, caption)


def document(
    api: BotApi, file_name: str = "file.pdf", caption: str | None = None
) -> dict[str, Any]:
    """A file sent as a document."""
    mime = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
    data = document_bytes(file_name, next(_serial))
    stored = api.store_file("document", file_name, data, mime)
    return _with_caption({"document": stored.as_document()}, caption)


def location(latitude: float, longitude: float) -> dict[str, Any]:
    """A point on the map."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError(f"({latitude}, {longitude}) is not a point on the map")
    return {"location": {"latitude": latitude, "longitude": longitude}}


def venue(latitude: float, longitude: float, title: str, address: str) -> dict[str, Any]:
    """A place picked in the app's location sheet: Telegram sends the venue and, for
    clients that do not know venues, its point as a location too."""
    point = location(latitude, longitude)["location"]
    return {"venue": {"location": point, "title": title, "address": address}, "location": point}


def sticker(api: BotApi, emoji: str = "👍") -> dict[str, Any]:
    """A regular static (WebP) sticker from a sticker set."""
    serial = next(_serial)
    stored = api.store_file(
        "sticker",
        "sticker.webp",
        webp(serial),
        "image/webp",
        width=STICKER_SIDE,
        height=STICKER_SIDE,
        emoji=emoji,
    )
    return {"sticker": {**stored.as_sticker(), "set_name": "SimulatedStickers"}}
