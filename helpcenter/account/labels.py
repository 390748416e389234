"""The Customer Area's words for a ticket's first-response state, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: Whether we kept the first-response promise, as a customer reads it.
CUSTOMER_STATE_NAMES = {
    "met": _l("Answered in time"),
    "breached": _l("Later than promised"),
    "pending": _l("Within the promised time"),
    "no_target": _l("No committed time"),
}
