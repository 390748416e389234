"""The JSON API (``/api/v1``) and its OpenAPI document."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import routes  # noqa: E402,F401 - registers the routes on bp
