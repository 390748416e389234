"""Content engine: Markdown files in mirrored language trees, loaded once.

Knows nothing of Flask: it takes a folder and a list of languages and gives a
:class:`Library` of rendered pages, with fallback, listings and the
translation status of every page.
"""

from .assets import Asset, AssetCatalogue, missing_versions
from .checks import check_library
from .frontmatter import FrontMatterError, parse_front_matter, split_front_matter
from .library import MISSING, OK, ORPHAN, STALE, Library, Resolved
from .loader import content_fingerprint, load_library
from .model import HOME_ID, SECTIONS, Kind, Page, Problem, TocEntry
from .render import asset_url, page_url
from .revision import body_revision

__all__ = [
    "HOME_ID",
    "MISSING",
    "OK",
    "ORPHAN",
    "SECTIONS",
    "STALE",
    "Asset",
    "AssetCatalogue",
    "FrontMatterError",
    "Kind",
    "Library",
    "Page",
    "Problem",
    "Resolved",
    "TocEntry",
    "asset_url",
    "body_revision",
    "check_library",
    "content_fingerprint",
    "load_library",
    "missing_versions",
    "page_url",
    "parse_front_matter",
    "split_front_matter",
]
