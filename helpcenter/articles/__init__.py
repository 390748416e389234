"""Public pages: home, sections, articles, search, contact and article feedback."""

from flask import Blueprint

bp = Blueprint("articles", __name__)

from . import routes, search_page  # noqa: E402,F401 - register the routes on bp
