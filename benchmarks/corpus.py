"""The tldr-pages corpus (shared/corpora/tldr, CC BY 4.0) laid out as help-centre content.

Each page ``pages.<lang>/<platform>/<command>.md`` becomes the tutorial
``content/<lang>/tutorials/<platform>/<command>.md``: platforms play the
products, and the same file name in two language folders is the same article
translated.  The pages have no front matter; titles come from their first
heading, as for any pasted page.  The text is used unchanged.
"""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

ARCHIVE = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "tldr" / "tldr-pages-08e345f-6langs.tar.gz"
FOLDERS = {"pages": "en", "pages.fr": "fr", "pages.de": "de", "pages.es": "es", "pages.it": "it", "pages.pt_BR": "pt"}


def corpus_archive() -> Path:
    """The archive, or a clear error when ``shared/`` is not beside the project."""
    if not ARCHIVE.exists():
        raise SystemExit(f"the tldr corpus is not at {ARCHIVE}")
    return ARCHIVE


def unpack_as_content(target: Path, archive: Path | None = None) -> dict[str, int]:
    """Write the corpus under ``target`` as a content tree; returns pages per language."""
    counts = dict.fromkeys(FOLDERS.values(), 0)
    with tarfile.open(archive or corpus_archive()) as tar:
        for member in tar:
            parts = Path(member.name).parts
            if not member.isfile() or len(parts) != 3 or parts[0] not in FOLDERS or not parts[2].endswith(".md"):
                continue
            lang = FOLDERS[parts[0]]
            destination = target / lang / "tutorials" / parts[1] / parts[2]
            destination.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as source, destination.open("wb") as sink:
                shutil.copyfileobj(source, sink)
            counts[lang] += 1
    return counts
