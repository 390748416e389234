"""Public pages: home, sections, articles, contact and article feedback."""

from flask import Blueprint

bp = Blueprint("articles", __name__)

from . import routes  # noqa: E402,F401 - registers the routes on bp
