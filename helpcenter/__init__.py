"""The help centre: a Flask app serving Markdown articles in six languages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Flask is imported by the functions that make an app, not with the package
    from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Assemble the app: settings, extensions, blueprints, commands.

    ``test_config`` overrides the settings read from the environment.
    """
    from . import caching, cli, config, db, errors, i18n, jira, library, logs, oncall, outbox, security, templating
    from .account.routes import bp as account_bp
    from .api.routes import bp as api_bp
    from .articles.routes import bp as articles_bp
    from .attachments.uploads import allow_files
    from .extensions import babel, csrf, init_limiter
    from .oncall.routes import bp as oncall_bp
    from .staff.login import init_login
    from .staff.routes import bp as staff_bp
    from .tickets.routes import bp as tickets_bp

    app = configured_app(test_config)
    config.ensure_secret_key(app)
    config.secure_cookies(app)

    babel.init_app(app, locale_selector=i18n.select_locale)
    # Before the CSRF check reads any form: views that take files accept bigger requests.
    app.before_request(allow_files)
    csrf.init_app(app)
    init_limiter(app)
    init_login(app)
    db.init_app(app)
    library.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    logs.init_app(app)
    for blueprint in (articles_bp, api_bp, tickets_bp, account_bp, staff_bp, oncall_bp):
        app.register_blueprint(blueprint)
    outbox.init_app(app)
    oncall.init_app(app)
    jira.init_app(app)
    cli.init_app(app)
    # Last: its middleware answers kept pages in front of everything above,
    # and the guard's (proxies, trusted hosts) come before even that.
    caching.init_app(app, headers=security.security_headers)
    security.guard(app)
    return app


def configured_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The app with its settings and nothing else: no extension, no view, no command.

    :func:`create_app` starts from it; a command that needs only the settings
    (``helpcenter index build``) runs in its context, without importing every
    part of the site.  ``test_config`` overrides the settings read from the
    environment.
    """
    from flask import Flask

    from . import config

    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    app.config.from_mapping(config.settings_from_env(app.instance_path))
    if test_config is not None:
        app.config.from_mapping(test_config)
    return app
