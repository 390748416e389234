"""Which file names can become web addresses, and how they are written in one.

A page's address is its path below the language folder, so its file name
(and its folders') must be one a link can carry.  Most can: technical
documentation has ``g++.md``, ``c#.md`` or ``[.md``, and a link to them
only needs %-escaping (``/en/tutorials/compilers/c%23``).  What is
refused is what no address carries safely: control characters (a line
break in a URL), invisible formatting characters (a bidirectional override
makes a name read as another), other invisible spaces, and ``\\``, which
browsers turn into ``/``.
"""

from __future__ import annotations

import string
import unicodedata
from urllib.parse import quote

#: Besides letters, digits and any non-ASCII character, what a path carries as it is (RFC 3986).
_PATH_SAFE = frozenset(string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@/")
#: Unicode categories refused: control, format (invisible), line and paragraph separators.
_REFUSED_CATEGORIES = ("Cc", "Cf", "Zl", "Zp")


def url_path(path: str) -> str:
    """``path`` as written in an address: ASCII that a path may not carry is %-escaped (``c#`` gives ``c%23``).

    Other characters stay as they are (browsers send them %-escaped in UTF-8).
    """
    return "".join(char if char in _PATH_SAFE or ord(char) > 127 else quote(char, safe="") for char in path)


def refused_characters(name: str) -> list[str]:
    """The characters of ``name`` that no address may carry, described for editors (none: the name is usable)."""
    refused = []
    for char in dict.fromkeys(name):
        category = unicodedata.category(char)
        if char == "\\" or category in _REFUSED_CATEGORIES or (category == "Zs" and char != " "):
            refused.append(_describe(char))
    return refused


def _describe(char: str) -> str:
    """``'\\' (U+005C REVERSE SOLIDUS)``, ``U+200B (ZERO WIDTH SPACE)``, ``U+0007 (a control character)``."""
    code = f"U+{ord(char):04X}"
    if unicodedata.category(char) == "Cc":
        return f"{code} (a control character)"
    name = unicodedata.name(char, "an unnamed character")
    return f"'{char}' ({code} {name})" if char.isprintable() and not char.isspace() else f"{code} ({name})"
