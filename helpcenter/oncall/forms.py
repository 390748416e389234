"""Forms of on-call paging."""

from __future__ import annotations

from flask_wtf import FlaskForm


class AcknowledgeForm(FlaskForm):
    """Take the ticket that paged on-call (the button only: a link in a mail never acknowledges by itself)."""
