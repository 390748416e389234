"""The Markdown files of a content folder, found by one walk, each with a stamp that changes with it.

A file's stamp is its size, its modification and change times and its
inode: saving the file, replacing it, restoring an older copy over it or
pointing a symbolic link elsewhere changes it.  Comparing the stamps of two
walks tells which files changed without reading one, which is what the
render cache and the search index's record of its sources rely on.

A page is made from its file alone, given the configured languages and the
code that renders Markdown (:func:`~helpcenter.content.cache.rendering_version`):
two walks of the same folder with the same languages and rendering code give
the same page for every file whose stamp is the same in both.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISDIR

#: What a file is known by: size, modification time, change time (ns) and inode.
Stamp = tuple[int, int, int, int]


def stamp_of(stat: os.stat_result) -> Stamp:
    """The stamp of a file from its ``stat``."""
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


def walk_markdown(content_dir: Path | str) -> tuple[list[tuple[str, Stamp | None]], int]:
    """Every Markdown file below ``content_dir``: its path below it and its stamp (None when unreadable).

    Hidden files and folders, ``assets`` folders and folders reached through
    a symbolic link are left out; the files come in no particular order
    (:func:`in_path_order` sorts them).  Also returns the latest modification
    time (ns) of the folders, which adding or removing a file changes.  Plain
    strings and one ``stat`` a file, made from the open folder (a name
    looked up in it, not a whole path from the root: a sixth less time): the
    walk is made on every load, every index update and every check for
    changes of the development server, over ten thousand files.
    """
    files: list[tuple[str, Stamp | None]] = []
    newest = 0
    pending = [("", os.fspath(content_dir))]
    while pending:
        prefix, folder = pending.pop()
        try:
            # Below the content folder, never through a link (one put there since the folder was listed).
            descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | (os.O_NOFOLLOW if prefix else 0))
        except OSError:
            continue
        try:
            newest = max(newest, os.fstat(descriptor).st_mtime_ns)
            # The entries' stats are made from the descriptor, which stays open until they are done.
            with os.scandir(descriptor) as entries:
                for entry in entries:
                    name = entry.name
                    if name.startswith("."):
                        continue
                    if name.endswith(".md"):
                        # Its stat says whether it is a file, following a link as the walk does.
                        try:
                            stat = entry.stat()
                        except OSError:
                            files.append((prefix + name, None))
                            continue
                        if not S_ISDIR(stat.st_mode):
                            files.append((prefix + name, stamp_of(stat)))
                            continue
                    elif not _is_folder(entry):
                        continue
                    if name != "assets" and not entry.is_symlink():
                        pending.append((f"{prefix}{name}/", f"{folder}/{name}"))
        except OSError:
            continue  # a folder that cannot be listed is skipped, as one that cannot be opened
        finally:
            os.close(descriptor)
    return files, newest


def _is_folder(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def in_path_order(files: Iterable[tuple[str, Stamp | None]]) -> list[tuple[str, Stamp | None]]:
    """``files`` sorted as their paths' parts are: ``faq/a/b.md`` before ``faq/a-b.md``."""
    # A separator below every other character sorts the paths as their parts.
    return sorted(files, key=lambda item: item[0].replace("/", "\0"))


@dataclass(frozen=True)
class Sources:
    """The Markdown files of the configured languages of a content folder, with their stamps.

    ``stamps`` maps each file's path below ``content_dir`` (``en/faq/x.md``)
    to its stamp, or to None when it could not be read.  ``content_dir``,
    ``languages`` and ``rendering`` are what else decides the pages.
    """

    content_dir: str
    languages: tuple[str, ...]
    rendering: str
    stamps: Mapping[str, Stamp | None]

    def changes_since(self, earlier: Sources) -> tuple[list[str], list[str]] | None:
        """The files added or changed since ``earlier``, and the files removed.

        A file without a stamp counts as changed each time.  None when the two
        cannot be compared: another folder, other languages or other rendering
        code, where every page may differ.
        """
        if (self.content_dir, self.languages, self.rendering) != (
            earlier.content_dir,
            earlier.languages,
            earlier.rendering,
        ):
            return None
        before = earlier.stamps
        changed = [path for path, stamp in self.stamps.items() if stamp is None or before.get(path) != stamp]
        removed = [path for path in before if path not in self.stamps]
        return changed, removed

    def to_record(self) -> dict:
        """A JSON-ready record, which :meth:`from_record` reads back."""
        return {
            "content_dir": self.content_dir,
            "languages": list(self.languages),
            "rendering": self.rendering,
            "stamps": dict(self.stamps),  # tuples are written as arrays
        }

    @classmethod
    def from_record(cls, record: object) -> Sources | None:
        """The sources a :meth:`to_record` record describes; None for what cannot be one (a damaged record).

        A damaged stamp is read as it is: it matches no file, whose next
        comparison then says it changed.
        """
        if not isinstance(record, dict):
            return None
        content_dir, languages, rendering, stamps = (
            record.get("content_dir"),
            record.get("languages"),
            record.get("rendering"),
            record.get("stamps"),
        )
        if not (
            isinstance(content_dir, str)
            and isinstance(rendering, str)
            and isinstance(languages, list)
            and all(isinstance(lang, str) for lang in languages)
            and isinstance(stamps, dict)
        ):
            return None
        configured = set(languages)
        if not all(language_of(path) in configured for path in stamps):
            return None
        try:
            read = {path: tuple(stamp) if stamp is not None else None for path, stamp in stamps.items()}
        except TypeError:
            return None
        return cls(content_dir, tuple(languages), rendering, read)


def language_of(path: str) -> str:
    """The language folder of a file's path below the content folder (``en`` for ``en/faq/x.md``)."""
    return path.partition("/")[0]


def page_id_of(path: str) -> str:
    """The id of the page a file's path below the content folder gives (``faq/x`` for ``en/faq/x.md``)."""
    return path.partition("/")[2].removesuffix(".md")


def sources_of(
    content_dir: Path | str,
    languages: Iterable[str],
    rendering: str,
    files: Iterable[tuple[str, Stamp | None]],
) -> Sources:
    """The :class:`Sources` of the configured languages among ``files`` (as :func:`walk_markdown` gives them)."""
    languages = tuple(languages)
    configured = set(languages)
    stamps = {path: stamp for path, stamp in files if language_of(path) in configured}
    return Sources(str(Path(content_dir).resolve()), languages, rendering, stamps)
