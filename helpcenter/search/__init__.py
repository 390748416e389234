"""Full-text search: one Whoosh index per language, behind a small interface.

Every Whoosh call of the project lives in this package.  The rest of the
project sees :class:`SearchService` (``search(request, library)``), the
request and result types, and :class:`SearchUnavailable`; another engine
could implement the same.
"""

from .refresh import refresh_index
from .results import SearchHit, SearchRequest, SearchResults, SearchUnavailable
from .service import SearchService
from .store import BuildReport, IndexBusy, build

__all__ = [
    "BuildReport",
    "IndexBusy",
    "SearchHit",
    "SearchRequest",
    "SearchResults",
    "SearchService",
    "SearchUnavailable",
    "build",
    "refresh_index",
]
