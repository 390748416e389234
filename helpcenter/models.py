"""Every model of the help centre, imported together for migrations."""

from helpcenter.articles.models import ArticleFeedback
from helpcenter.db import Base
from helpcenter.search.models import SearchMiss

__all__ = ["ArticleFeedback", "Base", "SearchMiss"]
