"""The staff console: login, the queue against the SLA, tickets, reports."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from . import auth, report_views, routes, translations  # noqa: E402,F401 - register the routes on bp
