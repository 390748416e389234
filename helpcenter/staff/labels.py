"""The words of the staff console's content pages, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

TRANSLATION_STATUS_NAMES = {
    "ok": _l("Up to date"),
    "missing": _l("Missing"),
    "stale": _l("Stale"),
    "orphan": _l("Orphan"),
}
