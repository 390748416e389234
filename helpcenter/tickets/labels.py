"""The words of a ticket's life, in the reader's language: statuses, SLA states, events."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS_NAMES = {
    "new": _l("New"),
    "open": _l("Open"),
    "waiting": _l("Waiting on customer"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
}

SLA_STATE_NAMES = {
    "no_target": _l("No target"),
    "met": _l("Met"),
    "breached": _l("Breached"),
    "pending": _l("On time"),
    "due_soon": _l("Due within the hour"),
}

EVENT_NAMES = {
    "created": _l("Created"),
    "priority": _l("Priority changed"),
    "first_response": _l("First response"),
    "reply": _l("Reply sent"),
    "note": _l("Internal note"),
    "status": _l("Status changed"),
    "customer_message": _l("Customer message"),
    "assigned": _l("Assigned"),
    "paged": _l("On-call paged"),
    "acknowledged": _l("Page acknowledged"),
    "file_not_kept": _l("File not kept"),
}
