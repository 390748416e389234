"""The files of ``content/assets/`` the site serves: pictures and PDF documents, nothing that runs.

A file there is served from the site's own origin, where staff cookies
live: an HTML page or a script would run with them.  So only these types
are served, with the type given here (never guessed from the content), and
anything else in the folder is an error for editors.
"""

from __future__ import annotations

from pathlib import Path

from .model import Problem

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
