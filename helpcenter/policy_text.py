"""The support policy's words (categories, priorities, ticket statuses), in the reader's language."""

from flask_babel import lazy_gettext as _l

CATEGORY_NAMES = {
    "technical": _l("Technical assistance"),
    "general": _l("General question"),
    "improvement": _l("Suggest an improvement"),
}

PRIORITY_NAMES = {
    "high": _l("High"),
    "average": _l("Average"),
    "low": _l("Low"),
}

PRIORITY_DESCRIPTIONS = {
    "high": _l("Immediate and significant impact on your business; productivity seriously disrupted."),
    "average": _l("Limited impact; the problem can be worked around."),
    "low": _l("Anomaly or non-blocking issue, not urgent."),
}

STATUS_NAMES = {
    "new": _l("New"),
    "open": _l("Open"),
    "waiting": _l("Waiting on customer"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
}
