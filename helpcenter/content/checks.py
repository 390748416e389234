"""What an editor should fix: broken links and images, missing alt text, duplicates, assets not served.

Loading already reports files that cannot be read, unknown front-matter keys
and missing titles; these checks read every loaded file once more, line by
line, for what rendering forgives but readers would trip over.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from .assets import check_assets
from .library import Library
from .model import Page, Problem
from .render import ASSET, OTHER, PAGE, resolve_target

_LINK = re.compile(r"(?P<image>!?)\[(?P<text>[^\]]*)\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)")
_HTML_IMG = re.compile(r"<img\b(?P<attributes>[^>]*)>", re.IGNORECASE)
_HTML_ATTR = re.compile(r"""(?P<name>[a-zA-Z-]+)\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s>]+))""")
_FENCE = re.compile(r"^\s*(```|~~~)")


def check_library(library: Library) -> list[Problem]:
    """Every problem of the tree: load problems, links, images, duplicates; sorted by file and line."""
    problems = list(library.problems)
    for page in library.all_pages():
        problems.extend(_check_page(library, page))
    problems.extend(_duplicates(library))
    problems.extend(check_assets(library.assets_dir))
    return sorted(problems, key=lambda problem: (problem.path, problem.line or 0, problem.message))


def _relative(page: Page) -> str:
    return f"{page.lang}/{page.id}.md"


def _lines(page: Page):
    """The lines of a page's file outside fenced code, with their numbers."""
    try:
        text = page.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return
    fenced = False
    for number, line in enumerate(text.splitlines(), start=1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, re.sub(r"`[^`]*`", "", line)


def _check_page(library: Library, page: Page) -> list[Problem]:
    path = _relative(page)
    problems = []
    languages = frozenset(library.languages)
    for number, line in _lines(page):
        found = [(m.group("target"), bool(m.group("image")), m.group("text")) for m in _LINK.finditer(line)]
        for tag in _HTML_IMG.finditer(line):
            attributes = {
                m.group("name").lower(): m.group("dq") or m.group("sq") or m.group("bare") or ""
                for m in _HTML_ATTR.finditer(tag.group("attributes"))
            }
            found.append((attributes.get("src", ""), True, attributes.get("alt", "")))
        for target, image, text in found:
            if image and not text.strip():
                problems.append(Problem(path, f"image {target} has no alternative text", line=number))
            where = resolve_target(target, lang=page.lang, page_id=page.id, languages=languages)
            if where.kind == PAGE and not image:
                problems.extend(_check_link(library, path, number, target, where.lang, where.path))
            elif where.kind == ASSET and not (library.assets_dir / where.path).is_file():
                problems.append(Problem(path, f"{target}: no such file in content/assets/", line=number))
            elif where.kind == OTHER and image and target:
                problems.append(Problem(path, f"image {target} is not in content/assets/", line=number))
    return problems


def _check_link(library: Library, path: str, number: int, target: str, lang: str, page_id: str) -> list[Problem]:
    if library.exact(lang, page_id) is not None:
        return []
    if library.resolve(lang, page_id) is None:
        return [Problem(path, f"{target}: no such article ({lang}/{page_id}.md)", line=number)]
    return [
        Problem(
            path,
            f"{target}: {lang}/{page_id}.md is not translated yet; readers get the fallback",
            "warning",
            number,
        )
    ]


def _duplicates(library: Library) -> list[Problem]:
    """Files whose URLs differ only by case or accents: one of them would be unreachable."""
    problems = []
    for lang in library.languages:
        groups: dict[str, list[Page]] = defaultdict(list)
        for page in library.all_pages([lang]):
            key = unicodedata.normalize("NFKC", page.id).casefold()
            groups[key].append(page)
        for pages in groups.values():
            if len(pages) > 1:
                names = ", ".join(sorted(f"{lang}/{page.id}.md" for page in pages))
                for page in pages:
                    problems.append(Problem(f"{lang}/{page.id}.md", f"duplicate slug: {names}"))
    return problems
