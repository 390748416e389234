"""What a file is, decided by its content, never by its name.

Accepted: pictures (PNG, JPEG, GIF, WebP), PDF documents, ZIP archives, and
text (plain text, logs, CSV) that is valid UTF-8 without control bytes.  A
name only chooses between text kinds (``.csv`` is CSV, ``.log`` a log); a
file whose bytes are none of these is refused whatever it is called.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

#: Bytes a file of each binary kind starts with (its "magic number").
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"GIF87a", "image/gif", ".gif"),
    (b"GIF89a", "image/gif", ".gif"),
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"PK\x03\x04", "application/zip", ".zip"),
    (b"PK\x05\x06", "application/zip", ".zip"),  # an empty archive
)
_TEXT_SUFFIXES = {".csv": "text/csv", ".log": "text/plain", ".txt": "text/plain"}
# Control characters other than tab, line feed, carriage return and form feed mark a binary file.
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class FileKind:
    """A kind of file we accept: its type, and the suffix its name must end with."""

    content_type: str
    suffix: str


def detect_kind(name: str, data: bytes) -> FileKind | None:
    """The kind of a file from its bytes (``name`` only picks among text kinds); None when it is not accepted."""
    for magic, content_type, suffix in _MAGIC:
        if data.startswith(magic):
            return FileKind(content_type, suffix)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return FileKind("image/webp", ".webp")
    if _CONTROL.search(data):
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    suffix = PurePosixPath(name.lower()).suffix
    return FileKind(_TEXT_SUFFIXES.get(suffix, "text/plain"), suffix if suffix in _TEXT_SUFFIXES else ".txt")


def safe_filename(name: str, kind: FileKind) -> str:
    """A name fit to show and to send back: no path, no control or odd characters, the kind's own suffix.

    ``../../etc/passwd`` gives ``passwd.txt``; ``photo.exe`` that is a PNG
    gives ``photo.exe.png``: a file is never named as something it is not.
    """
    base = PurePosixPath(name.replace("\\", "/")).name
    base = unicodedata.normalize("NFC", base)
    base = "".join(char for char in base if unicodedata.category(char)[0] not in "CZ" or char == " ")
    base = re.sub(r"[\"'<>:;|?*`$&%{}\[\]]", "_", base).strip(" .") or "file"
    stem = base[: -len(kind.suffix)] if base.lower().endswith(kind.suffix) else base
    if kind.suffix == ".jpg" and base.lower().endswith(".jpeg"):
        stem, suffix = base[:-5], ".jpeg"
    else:
        suffix = kind.suffix
    return (stem[: 150 - len(suffix)] or "file") + suffix
