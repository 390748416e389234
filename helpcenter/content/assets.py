"""The files of ``content/assets/`` the site serves: pictures and PDF documents, nothing that runs.

A file there is served from the site's own origin, where staff cookies
live: an HTML page or a script would run with them.  So only these types
are served, with the type given here (never guessed from the content), and
anything else in the folder is an error for editors.

At load, every served file is read once (:func:`scan_assets`): its digest
goes into the address pages link it by (``alert-zones.3f2a1b9c04d2.svg``,
kept a year by browsers, a new address when the file changes), and a
picture's size into its ``width`` and ``height`` (:func:`place_assets`).
A file under ``assets/<lang>/`` replaces the shared file of the same name
on that language's pages: ``assets/de/alert-zones.svg`` is the German
version of ``assets/alert-zones.svg``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from .addresses import url_path
from .model import Page, Problem
from .pictures import Size, picture_size

#: What may be served, by file suffix, with the type it is served as.
ASSET_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".pdf": "application/pdf",
}


def asset_type(name: str) -> str | None:
    """The type ``name`` is served as, or None when such a file is not served."""
    return ASSET_TYPES.get(Path(name).suffix.lower())


def check_assets(assets_dir: Path) -> list[Problem]:
    """An error for every file of the assets folder that is not served (hidden files aside)."""
    if not assets_dir.is_dir():
        return []
    problems = []
    for path in sorted(assets_dir.rglob("*")):
        relative = path.relative_to(assets_dir)
        if (
            path.is_file()
            and not any(part.startswith(".") for part in relative.parts)
            and asset_type(path.name) is None
        ):
            problems.append(
                Problem(
                    f"assets/{relative.as_posix()}",
                    "not served: assets may only be pictures (PNG, JPEG, GIF, WebP, SVG) or PDF documents",
                )
            )
    return problems


_DIGEST = re.compile(r"^[0-9a-f]{12}$")
# Sanitised HTML quotes every attribute value with ", escaped inside; ">" may appear in a value.
_TAG = re.compile(r'<(?P<tag>img|a)(?P<attributes>(?:\s+[a-zA-Z-]+(?:="[^"]*")?)*)\s*/?>')
_ATTRIBUTE = re.compile(r'\s(?P<name>[a-zA-Z-]+)(?:="(?P<value>[^"]*)")?')


@dataclass(frozen=True)
class Asset:
    """One served file of the assets folder, as read at load."""

    #: Its path below ``assets/`` (``alert-zones.svg``, ``de/alert-zones.svg``).
    name: str
    digest: str
    #: Width and height in CSS pixels, for a picture whose size could be read.
    size: Size | None
    #: Its size and modification time (ns) when read: a file changed since is not this asset.
    stamp: tuple[int, int]

    @property
    def fingerprinted(self) -> str:
        """The name with the digest: ``de/alert-zones.svg`` gives ``de/alert-zones.<digest>.svg``."""
        stem, _, suffix = self.name.rpartition(".")  # a served file always has a suffix
        return f"{stem}.{self.digest}.{suffix}"

    @property
    def url(self) -> str:
        """The address pages link it by: with its digest, %-escaped."""
        return "/assets/" + url_path(self.fingerprinted)


class AssetCatalogue:
    """The served files of an assets folder, and which of them each language has its own version of."""

    def __init__(self, assets: Iterable[Asset], languages: Iterable[str], stamp: str = "") -> None:
        self._assets = {asset.name: asset for asset in assets}
        self.languages = tuple(languages)
        #: The :func:`assets_stamp` of the folder when it was read.
        self.stamp = stamp

    def __len__(self) -> int:
        return len(self._assets)

    def get(self, name: str) -> Asset | None:
        """The file at ``name`` below ``assets/``, or None."""
        return self._assets.get(name)

    def for_page(self, name: str, lang: str) -> Asset | None:
        """What a page in ``lang`` shows for ``assets/<name>``: ``assets/<lang>/<name>`` where present."""
        return self._assets.get(f"{lang}/{name}") or self._assets.get(name)

    def versions(self, name: str) -> list[str]:
        """The languages with their own version of ``assets/<name>``, in site order."""
        return [lang for lang in self.languages if f"{lang}/{name}" in self._assets]

    def fingerprinted(self, name: str) -> tuple[Asset, str] | None:
        """The asset a fingerprinted name (``alert-zones.<digest>.svg``) stands for, and that digest."""
        stem, _, suffix = name.rpartition(".")
        plain, _, digest = stem.rpartition(".")
        asset = self._assets.get(f"{plain}.{suffix}") if plain and _DIGEST.match(digest) else None
        return (asset, digest) if asset is not None else None


def assets_stamp(assets_dir: Path) -> str:
    """A cheap fingerprint of the served files: names, sizes and times (what live preview watches)."""
    return _stamp(_served_files(assets_dir))


def _stamp(files: list[tuple[str, os.stat_result]]) -> str:
    digest = hashlib.sha256()
    for name, stat in files:
        digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:8]


def scan_assets(assets_dir: Path, languages: Iterable[str]) -> AssetCatalogue:
    """Read every served file of ``assets_dir`` once: its digest and, for a picture, its size."""
    assets = []
    files = _served_files(assets_dir)
    for name, stat in files:
        try:
            data = (assets_dir / name).read_bytes()
        except OSError:
            continue
        assets.append(
            Asset(
                name=name,
                digest=hashlib.sha256(data).hexdigest()[:12],
                size=picture_size(data, Path(name).suffix),
                stamp=(stat.st_size, stat.st_mtime_ns),
            )
        )
    return AssetCatalogue(assets, languages, _stamp(files))


def _served_files(assets_dir: Path) -> list[tuple[str, os.stat_result]]:
    """The served files below ``assets_dir`` (hidden ones aside), sorted, with their ``stat``."""
    found = []
    for folder, dirnames, filenames in os.walk(assets_dir):
        dirnames[:] = sorted(name for name in dirnames if not name.startswith("."))
        for filename in filenames:
            path = Path(folder, filename)
            if filename.startswith(".") or asset_type(filename) is None:
                continue
            try:
                stat = path.stat()
            except OSError:
                continue
            found.append((path.relative_to(assets_dir).as_posix(), stat))
    return sorted(found)


def place_assets(page: Page, catalogue: AssetCatalogue) -> Page:
    """``page`` with its links to assets pointing at the version for its language, by digest.

    Rendering links ``/assets/<name>``; here each such link becomes the
    address of ``assets/<lang>/<name>`` where that exists (else of the
    shared file), with its digest, and each picture gets the ``width`` and
    ``height`` of that file (the one the author gave is kept, the other
    follows the picture's proportions).  A link to a file that does not
    exist is left as it is (the content check reports it).
    """
    if not page.assets:
        return page

    def place(match: re.Match) -> str:
        tag, attributes = match.group("tag"), match.group("attributes")
        wanted = "src" if tag == "img" else "href"
        values = {found.group("name").lower(): found.group("value") for found in _ATTRIBUTE.finditer(attributes)}
        if None in values.values():
            return match.group(0)  # an attribute without a value: not what rendering makes
        address = html.unescape(values.get(wanted, ""))
        if not address.startswith("/assets/"):
            return match.group(0)
        name, hash_mark, fragment = address.removeprefix("/assets/").partition("#")
        asset = catalogue.for_page(unquote(name), page.lang)
        if asset is None:
            return match.group(0)
        values[wanted] = html.escape(asset.url + hash_mark + fragment)
        if tag == "img" and asset.size is not None:
            values.update(_dimensions(values.get("width"), values.get("height"), asset.size))
        rebuilt = "".join(f' {name}="{value}"' for name, value in values.items())
        return f"<{tag}{rebuilt}>"

    return dataclasses.replace(page, html=_TAG.sub(place, page.html))


def _dimensions(width: str | None, height: str | None, size: Size) -> dict[str, str]:
    """``width`` and ``height`` of a picture of ``size``: both given are kept, one given sets the other."""
    natural_width, natural_height = size
    if width and height:
        return {"width": width, "height": height}
    if width and width.isdigit():
        return {"width": width, "height": str(round(int(width) * natural_height / natural_width))}
    if height and height.isdigit():
        return {"width": str(round(int(height) * natural_width / natural_height)), "height": height}
    return {"width": str(natural_width), "height": str(natural_height)}


def missing_versions(pages: Iterable[Page], catalogue: AssetCatalogue, source_language: str) -> dict[str, list[str]]:
    """Per language, the assets its pages show that other languages have their own version of, but it lacks.

    A file with a version in some language is one with words in it; the
    source language's pages show the shared file, which is in that language.
    """
    lacking: dict[str, set[str]] = {}
    for page in pages:
        if page.lang == source_language:
            continue
        for name in page.assets:
            versions = catalogue.versions(name)
            if versions and page.lang not in versions and catalogue.get(name) is not None:
                lacking.setdefault(page.lang, set()).add(name)
    return {lang: sorted(names) for lang, names in sorted(lacking.items())}
