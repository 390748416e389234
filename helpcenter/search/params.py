"""Reading a search from request parameters, with clear errors for bad ones."""

from __future__ import annotations

import re
from collections.abc import Mapping

from helpcenter.content import SECTIONS

from .query import clean
from .results import SearchRequest

MAX_PAGE = 100
MAX_PER_PAGE = 50
#: A product's name in URLs, as the API's document spells it (ASCII, as JSON Schema reads ``\w``);
#: matched whole, as ``$`` would let a final newline through.
_PRODUCT = re.compile(r"[\w][\w.-]{0,99}", re.ASCII)
_WHOLE = re.compile(r"([0-9]{1,9})(?:\.0*)?")


class InvalidSearch(ValueError):
    """A search parameter is malformed; ``param`` names it."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param


def _integer(params: Mapping[str, str], name: str, default: int, maximum: int) -> int:
    raw = params.get(name, "")
    if raw == "":
        return default
    # ASCII digits only (``str.isdigit`` also takes "²", which ``int`` refuses), and
    # few of them (``int`` refuses more than 4300); "30.0" is the integer 30, as the
    # API's document (JSON Schema) counts it.
    match = _WHOLE.fullmatch(raw)
    if match is None or not 1 <= int(match.group(1)) <= maximum:
        raise InvalidSearch(name, f"{name} must be a whole number from 1 to {maximum}")
    return int(match.group(1))


def _flag(params: Mapping[str, str], name: str) -> bool:
    raw = params.get(name, "").lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise InvalidSearch(name, f"{name} must be true or false")


def search_request(
    params: Mapping[str, str], *, lang: str | None, languages: tuple[str, ...], default_lang: str, per_page: int = 10
) -> SearchRequest:
    """Build a :class:`SearchRequest` from query-string parameters.

    ``lang`` fixes the language (the page's URL); otherwise the ``lang``
    parameter chooses it.  Any text is a valid query; a malformed language,
    section, product, page, page size or flag raises :class:`InvalidSearch`.
    """
    if lang is None:
        lang = params.get("lang", "") or default_lang
        if lang not in languages:
            raise InvalidSearch("lang", f"lang must be one of {', '.join(languages)}")
    section = params.get("section", "")
    if section and section not in SECTIONS:
        raise InvalidSearch("section", f"section must be one of {', '.join(SECTIONS)}")
    product = params.get("product", "")
    if product and not _PRODUCT.fullmatch(product):
        raise InvalidSearch("product", "product must be a product's name in its URL (letters, digits, - . _)")
    return SearchRequest(
        text=clean(params.get("q", "")),
        lang=lang,
        section=section or None,
        product=product or None,
        page=_integer(params, "page", 1, MAX_PAGE),
        per_page=_integer(params, "per_page", per_page, MAX_PER_PAGE),
        as_you_type=_flag(params, "as_you_type"),
    )
