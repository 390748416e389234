"""The help centre: a Flask app serving Markdown articles in six languages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Assemble the app: settings, extensions, blueprints, commands.

    ``test_config`` overrides the settings read from the environment.
    """
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    from . import cli, config, db, errors, http_cache, i18n, library, mail, security, static_files, templating
    from .api import bp as api_bp
    from .articles import bp as articles_bp
    from .tickets import bp as tickets_bp
    from .extensions import babel, csrf, init_limiter
    from .staff import bp as staff_bp
    from .staff.auth import init_login

    app.config.from_mapping(config.settings_from_env(app.instance_path))
    if test_config is not None:
        app.config.from_mapping(test_config)
    config.ensure_secret_key(app)
    config.secure_cookies(app)

    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)
    init_limiter(app)
    init_login(app)
    db.init_app(app)
    library.init_app(app)
    http_cache.init_app(app)
    static_files.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    app.register_blueprint(articles_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(tickets_bp)
    app.register_blueprint(staff_bp)
    mail.init_app(app)
    cli.init_app(app)
    return app
