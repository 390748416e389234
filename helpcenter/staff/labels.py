"""The words of the staff console, in the reader's language: translation statuses, account errors."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

TRANSLATION_STATUS_NAMES = {
    "ok": _l("Up to date"),
    "missing": _l("Missing"),
    "stale": _l("Stale"),
    "orphan": _l("Orphan"),
}

#: Why an account could not be changed (``AccountError.reason``).
ACCOUNT_ERRORS = {
    "invalid_email": _l("This is not an e-mail address."),
    "invalid_role": _l("Choose a role from the list."),
    "short_password": _l("The password is too short."),
    "exists": _l("An account with this address exists already."),
    "last_admin": _l("The last active administrator cannot be disabled."),
    "own_account": _l("You cannot change your own role or disable your own account."),
    "invalid_link": _l("This link has expired or was used already."),
}

#: Why an organisation could not be saved (``OrganisationError.reason``).
ORGANISATION_ERRORS = {
    "exists": _l("An organisation with this name exists already."),
    "taken": _l("A domain or a contract number given here belongs to another organisation."),
    "invalid": _l("A domain, an address or a contract number is not valid."),
    "unknown": _l("There is no such organisation."),
}
