"""A cache of rendered pages on disk, so that start-up does not render every file again.

Rendering Markdown is the slow part of loading content (about a millisecond
a file); a server restarting over ten thousand unchanged files should not
pay it.  The cache maps each file's path below ``content/`` to the page it
gave and the problems it had, and is valid for a file as long as the file's
stamp (:mod:`.sources`) is unchanged.  It is a rebuildable cache: a
missing, unreadable or outdated cache file only means rendering again, and a
new one is written atomically beside it.

The cache is a pickle written by this process for this process: it lives in
the app's instance folder, which only the app writes.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import pickle
import tempfile
from functools import cache
from pathlib import Path

from .model import Page, Problem
from .sources import Stamp

log = logging.getLogger(__name__)

Entry = tuple[Stamp, Page | None, tuple[Problem, ...]]

_RENDERING_MODULES = ("model.py", "frontmatter.py", "render.py", "addresses.py", "loader.py", "revision.py")
_RENDERING_PACKAGES = ("markdown", "nh3", "pygments")


@cache
def rendering_version() -> str:
    """A digest of the code that turns a file into a page: a change to it empties the cache."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in _RENDERING_MODULES:
        digest.update((here / name).read_bytes())
    for package in _RENDERING_PACKAGES:
        # Each package's own version: importlib.metadata, which reads the installed distributions,
        # added several milliseconds to every index update.
        digest.update(f"{package}={importlib.import_module(package).__version__}\n".encode())
    return digest.hexdigest()[:16]


class RenderCache:
    """Rendered pages of one content folder and set of languages, by file."""

    def __init__(self, cache_dir: Path | str, content_dir: Path, languages: tuple[str, ...]) -> None:
        identity = f"{content_dir.resolve()}\0{','.join(languages)}"
        tree = hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()[:16]
        self.path = Path(cache_dir) / f"content-{tree}-{rendering_version()}.pickle"
        #: The caches of the same tree made by other rendering code, which nothing reads again.
        self._outdated = f"content-{tree}-*.pickle"
        self._entries: dict[str, Entry] = self._read()
        self._used: dict[str, Entry] = {}

    def _read(self) -> dict[str, Entry]:
        try:
            with self.path.open("rb") as file:
                entries = pickle.load(file)
        except FileNotFoundError:
            return {}
        except Exception:  # any damage means: render again
            log.warning("content cache %s is unreadable; pages are rendered again", self.path, exc_info=True)
            return {}
        return entries if isinstance(entries, dict) else {}

    def get(self, relative: str, stamp: Stamp) -> tuple[Page | None, tuple[Problem, ...]] | None:
        """The cached page and problems of a file, or None when the file changed since."""
        entry = self._entries.get(relative)
        if entry is None or entry[0] != stamp:
            return None
        self._used[relative] = entry
        return entry[1], entry[2]

    def put(self, relative: str, stamp: Stamp, page: Page | None, problems: tuple[Problem, ...]) -> None:
        """Remember what a file gave."""
        self._used[relative] = (stamp, page, problems)

    def save(self) -> None:
        """Write the entries of this load, if they differ from the file's; never fails the load."""
        if self._used == self._entries:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".content-", suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as file:
                    pickle.dump(self._used, file, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(temporary, self.path)
            except BaseException:
                os.unlink(temporary)
                raise
            for outdated in self.path.parent.glob(self._outdated):
                if outdated != self.path:
                    outdated.unlink(missing_ok=True)
        except OSError:
            log.warning("content cache %s could not be written", self.path, exc_info=True)
