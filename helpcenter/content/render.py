"""Markdown to safe HTML, once per file at load.

Rendering resolves relative links between Markdown files into site URLs in
the same language, points images at ``/assets/``, collects the table of
contents, highlights fenced code with Pygments and sanitises the result, so
nothing an editor pastes can put script on a page.
"""

from __future__ import annotations

import functools
import html as html_lib
import importlib
import posixpath
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor

from .addresses import url_path
from .model import TocEntry

_ALLOWED_ATTRIBUTES = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
_ALLOWED_ATTRIBUTES["*"] = {"class", "id", "title", "lang", "dir"}
_ALLOWED_ATTRIBUTES["a"] = {"href", "title", "hreflang"}
_ALLOWED_ATTRIBUTES["img"] = {"src", "alt", "title", "width", "height"}
_ALLOWED_TAGS = (set(nh3.ALLOWED_TAGS) | {"input"}) - {"center", "strike", "tt", "acronym"}
_ALLOWED_ATTRIBUTES["input"] = {"type", "checked", "disabled"}
_URL_SCHEMES = {"http", "https", "mailto", "tel"}
_ATX_TITLE = re.compile(r"^#[ \t]+(?P<title>.+?)[ \t]*#*[ \t]*$")


PAGE, ASSET, EXTERNAL, OTHER = "page", "asset", "external", "other"


@dataclass(frozen=True)
class LinkTarget:
    """Where a link or image of a Markdown file points.

    ``kind`` is :data:`PAGE` (``path`` is a page id in ``lang``), :data:`ASSET`
    (``path`` is a file name under ``content/assets/``), :data:`EXTERNAL`
    (another site, a mail address) or :data:`OTHER` (anything else, left as
    written).
    """

    kind: str
    path: str = ""
    lang: str = ""
    fragment: str = ""


def resolve_target(target: str, *, lang: str, page_id: str, languages: frozenset[str] | set[str]) -> LinkTarget:
    """Resolve a link target written in page ``page_id`` of ``lang``.

    Relative paths to ``.md`` files are pages of the same language (or of
    another, through ``../../fr/…``); paths into ``assets/`` are assets.
    """
    try:
        parts = urlsplit(target)
    except ValueError:
        # "http://[x" (an unclosed IPv6 address), a host that NFKC folds to "/": left as written.
        return LinkTarget(OTHER)
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    if parts.scheme or parts.netloc:
        return LinkTarget(EXTERNAL)
    if not parts.path:
        return LinkTarget(OTHER, fragment=fragment)
    if parts.path.startswith("/"):
        if parts.path.startswith("/assets/") and len(parts.path) > len("/assets/"):
            return LinkTarget(ASSET, unquote(parts.path.removeprefix("/assets/")), fragment=fragment)
        return LinkTarget(OTHER)
    # A link names a file by its address: "c%23.md" is the file c#.md.
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page_id), unquote(parts.path)))
    if resolved.startswith("../"):
        head, _, rest = resolved.removeprefix("../").partition("/")
        if head == "assets" and rest:
            return LinkTarget(ASSET, rest, fragment=fragment)
        if head in languages and rest:
            lang, resolved = head, rest
        else:
            return LinkTarget(OTHER)
    if not resolved.endswith(".md"):
        return LinkTarget(OTHER)
    target_id = resolved.removesuffix(".md")
    if target_id == "index" or target_id.endswith("/index"):
        target_id = target_id.removesuffix("index") + "_index"
    return LinkTarget(PAGE, target_id, lang, fragment)


@dataclass(frozen=True)
class Rendered:
    """The result of rendering one Markdown body."""

    html: str
    text: str
    title: str | None
    toc: tuple[TocEntry, ...]
    links: tuple[str, ...]
    assets: tuple[str, ...]


def page_url(lang: str, page_id: str) -> str:
    """Return the site path of a page: ``/fr/guide/alerts``, ``/fr/faq/``, ``/en/faq/c%23``."""
    if page_id == "_index":
        return f"/{lang}/"
    if page_id.endswith("/_index"):
        return f"/{lang}/{url_path(page_id.removesuffix('_index'))}"
    return f"/{lang}/{url_path(page_id)}"


def asset_url(name: str) -> str:
    """Return the site path of a file under ``content/assets/``."""
    return f"/assets/{url_path(name)}"


def take_title(body: str) -> tuple[str | None, str]:
    """Split a leading ``# Title`` line off ``body``.

    The page template shows the title as the page's only ``h1``, so a first
    heading that serves as the title is removed from the body.
    """
    lines = body.split("\n")
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        match = _ATX_TITLE.match(line)
        if match:
            return match.group("title").strip(), "\n".join(lines[index + 1 :])
        break
    return None, body


class _LinkResolver(Treeprocessor):
    """Rewrite relative ``.md`` links and image paths of the page being rendered."""

    def __init__(self, md: markdown.Markdown, languages: frozenset[str]) -> None:
        super().__init__(md)
        self.languages = languages
        self.lang = ""
        self.page_id = ""
        self.links: list[str] = []
        self.assets: list[str] = []

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if element.tag == "a" and element.get("href"):
                element.set("href", self._resolve(element.get("href", ""), image=False))
            elif element.tag == "img" and element.get("src"):
                element.set("src", self._resolve(element.get("src", ""), image=True))

    def _resolve(self, target: str, *, image: bool) -> str:
        found = resolve_target(target, lang=self.lang, page_id=self.page_id, languages=self.languages)
        if found.kind == ASSET:
            self.assets.append(found.path)
            return asset_url(found.path) + found.fragment
        if found.kind == PAGE and not image:
            self.links.append(found.path if found.lang == self.lang else f"{found.lang}:{found.path}")
            return page_url(found.lang, found.path) + found.fragment
        return target


#: The Markdown extensions of the content, each with a test of whether a body may use it: an
#: extension a body cannot use changes nothing in its HTML, and only costs time.  (Most pages
#: need few: rendering with the others took a fifth longer.)
_CODE_BLOCK = re.compile(r"```|~~~|^(?: {4}|\t)", re.MULTILINE)
EXTENSIONS: dict[str, Callable[[str], bool]] = {
    "abbr": lambda body: "*[" in body,
    "admonition": lambda body: "!!!" in body,
    "attr_list": lambda body: "{" in body,
    "def_list": re.compile(r"(?:^|\n)[ ]{0,3}:[ ]{1,3}").search,
    "fenced_code": lambda body: "```" in body or "~~~" in body,
    "footnotes": lambda body: "[^" in body,
    "sane_lists": lambda body: True,
    "tables": lambda body: "|" in body,
    "codehilite": _CODE_BLOCK.search,
    "toc": re.compile(r"^[ ]{0,3}#|^[ ]{0,3}(?:=+|-+)[ \t]*$|\[TOC\]", re.MULTILINE).search,
    "pymdownx.tasklist": lambda body: "[ ]" in body or "[x]" in body or "[X]" in body,
    "pymdownx.tilde": lambda body: "~" in body,
}
#: Python-Markdown's inline patterns, each with a test of whether a body may use it: a pattern is
#: tried on every piece of text of a page, and most pages can match few of them (a pattern not
#: listed here is always tried).  The tests look for what each pattern starts with; the text
#: pieces are parts of the body, tabs expanded ("\t\n" may end a line with a break).
INLINE_PATTERNS: dict[str, Callable[[str], bool]] = {
    "backtick": lambda body: "`" in body,
    "escape": lambda body: "\\" in body,
    "footnote": lambda body: "[^" in body,
    "reference": lambda body: "[" in body,
    "link": lambda body: "[" in body,
    "image_link": lambda body: "![" in body,
    "image_reference": lambda body: "![" in body,
    "short_reference": lambda body: "[" in body,
    "short_image_ref": lambda body: "![" in body,
    "autolink": lambda body: "<" in body,
    "automail": lambda body: "<" in body,
    "linebreak": lambda body: "  \n" in body or "\t" in body or "\r" in body,
    "html": lambda body: "<" in body,
    "entity": lambda body: "&" in body,
    "em_strong": lambda body: "*" in body or "_" in body,
    "delimiter": lambda body: "~" in body,
}
_EXTENSION_CONFIGS = {
    "codehilite": {"css_class": "highlight", "guess_lang": False},
    "toc": {"slugify": slugify_unicode, "toc_depth": "2-3"},
}


def _extension(name: str) -> Extension:
    """The extension called ``name`` (as Python-Markdown names it), with its settings, made from its module.

    Named by a string, an extension is looked for among the entry points of
    every installed package, a scan that costs more than rendering a page.
    """
    module = importlib.import_module(name if "." in name else f"markdown.extensions.{name}")
    return module.makeExtension(**_EXTENSION_CONFIGS.get(name, {}))


class MarkdownRenderer:
    """Renders the Markdown bodies of one content tree; not thread-safe.

    A body is rendered with the extensions it may use (see :data:`EXTENSIONS`),
    which gives the HTML that all of them give.
    """

    def __init__(self, languages: frozenset[str] | set[str]) -> None:
        self._languages = frozenset(languages)
        self._converters: dict[tuple[str, ...], tuple] = {}
        # Per converter and set of patterns a body may use: the inline patterns, in Markdown's order.
        self._patterns: dict[tuple[tuple[str, ...], tuple[bool, ...]], list] = {}
        # Made once: its rules cost more to set up than a page costs to clean.
        self._sanitiser = nh3.Cleaner(
            tags=_ALLOWED_TAGS,
            attributes=_ALLOWED_ATTRIBUTES,
            url_schemes=_URL_SCHEMES,
            link_rel="noopener noreferrer",
        )

    def _converter(self, body: str) -> tuple[markdown.Markdown, _LinkResolver]:
        """The Markdown converter with the extensions ``body`` may use, made once."""
        used = tuple(name for name, may_use in EXTENSIONS.items() if may_use(body))
        converter = self._converters.get(used)
        if converter is None:
            md = markdown.Markdown(extensions=[_extension(name) for name in used], output_format="html")
            links = _LinkResolver(md, self._languages)
            # After inline processing so that links exist as elements.
            md.treeprocessors.register(links, "helpcenter_links", 1)
            # The block parser goes through its processors for every block, and the tree is
            # asked for every element whether its tag is a block: a tuple of the processors in
            # their order, and the answers kept, give the same HTML with less work.
            md.parser.blockprocessors = tuple(md.parser.blockprocessors)
            md.is_block_level = functools.lru_cache(maxsize=1024)(md.is_block_level)
            patterns = list(md.inlinePatterns)
            gates = {
                md.inlinePatterns.get_index_for_name(name): test
                for name, test in INLINE_PATTERNS.items()
                if name in md.inlinePatterns
            }
            converter = self._converters[used] = (md, links, patterns, gates)
        # Python-Markdown's inline processor looks each pattern up in a registry at every step;
        # the patterns the body may use in a list, in the same order, give the same HTML faster
        # (tests/test_content_loading.py compares with Markdown left as is).
        md, links, patterns, gates = converter
        may_use = tuple(test(body) for test in gates.values())
        key = (used, may_use)
        chosen = self._patterns.get(key)
        if chosen is None:
            skipped = {index for index, use in zip(gates, may_use, strict=True) if not use}
            chosen = self._patterns[key] = [pattern for index, pattern in enumerate(patterns) if index not in skipped]
        md.treeprocessors["inline"].inlinePatterns = chosen
        return md, links

    def render(self, body: str, *, lang: str, page_id: str) -> Rendered:
        """Render ``body`` of page ``page_id`` in ``lang`` to sanitised HTML."""
        title, body = take_title(body)
        md, links = self._converter(body)
        md.reset()
        links.lang, links.page_id = lang, page_id
        links.links, links.assets = [], []
        raw_html = md.convert(body)
        safe_html = self._sanitiser.clean(raw_html)
        return Rendered(
            html=safe_html,
            text=html_text(safe_html),
            title=title,
            toc=tuple(_flatten_toc(getattr(md, "toc_tokens", []))),
            links=tuple(dict.fromkeys(links.links)),
            assets=tuple(dict.fromkeys(links.assets)),
        )


def html_text(fragment: str) -> str:
    """Return the readable text of an HTML fragment, whitespace folded."""
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _flatten_toc(tokens: list[dict]) -> list[TocEntry]:
    entries: list[TocEntry] = []
    for token in tokens:
        if token["level"] in (2, 3):
            entries.append(TocEntry(token["level"], token["id"], html_text(token["name"])))
        entries.extend(_flatten_toc(token.get("children", [])))
    return entries
