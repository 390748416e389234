"""Tickets: the form with its suggested articles, creation with the SLA deadline, tracking."""

from flask import Blueprint

bp = Blueprint("tickets", __name__)

from . import routes  # noqa: E402,F401 - registers the routes on bp
