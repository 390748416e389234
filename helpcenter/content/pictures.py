"""The size of a picture in CSS pixels, read from its own bytes: PNG, GIF, JPEG, WebP and SVG.

Pages give every picture its ``width`` and ``height`` so that a browser
keeps its place before it arrives (no layout shift).  Only the headers are
read, by the formats' published layouts; a file that does not parse gives
no size, never an error.
"""

from __future__ import annotations

import re
import struct

Size = tuple[int, int]

_SVG_ROOT = re.compile(rb"<svg\b([^>]*)>", re.IGNORECASE)
_SVG_ATTRIBUTE = re.compile(rb"""([a-zA-Z:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$")
# JPEG frame headers (SOF0 to SOF15) carry the size; C4, C8 and CC are other segments.
_JPEG_FRAMES = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def picture_size(data: bytes, suffix: str) -> Size | None:
    """The width and height of the picture in ``data`` (a file ending in ``suffix``), or None."""
    reader = {
        ".png": _png,
        ".gif": _gif,
        ".jpg": _jpeg,
        ".jpeg": _jpeg,
        ".webp": _webp,
        ".svg": _svg,
    }.get(suffix.lower())
    if reader is None:
        return None
    try:
        size = reader(data)
    except (struct.error, ValueError, IndexError):
        return None
    return size if size is not None and size[0] > 0 and size[1] > 0 else None


def _png(data: bytes) -> Size | None:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def _gif(data: bytes) -> Size | None:
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        return None
    return struct.unpack("<HH", data[6:10])


def _jpeg(data: bytes) -> Size | None:
    if data[:2] != b"\xff\xd8":
        return None
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if marker in _JPEG_FRAMES:
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        position += 2 + length
    return None


def _webp(data: bytes) -> Size | None:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None


def _svg(data: bytes) -> Size | None:
    """From the root element's ``width`` and ``height`` in pixels, else its ``viewBox``."""
    root = _SVG_ROOT.search(data[:65536])
    if root is None:
        return None
    attributes = {
        match.group(1).decode("ascii").lower(): (match.group(2) or match.group(3) or b"").decode("utf-8", "replace")
        for match in _SVG_ATTRIBUTE.finditer(root.group(1))
    }
    width, height = _pixels(attributes.get("width")), _pixels(attributes.get("height"))
    box = attributes.get("viewbox", "").replace(",", " ").split()
    ratio = None
    if len(box) == 4:
        box_width, box_height = float(box[2]), float(box[3])
        if box_width > 0 and box_height > 0:
            ratio = box_height / box_width
            if width is None and height is None:
                width, height = box_width, box_height
    if ratio is not None and width is not None and height is None:
        height = width * ratio
    elif ratio is not None and height is not None and width is None:
        width = height / ratio
    if width is None or height is None:
        return None
    return round(width), round(height)


def _pixels(value: str | None) -> float | None:
    """A length in CSS pixels (a bare number or ``px``); None for other units (%, em, mm)."""
    match = _LENGTH.match(value or "")
    return float(match.group(1)) if match else None
