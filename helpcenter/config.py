"""Settings read from the environment, each with a default that works on a laptop."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # the settings are read without the web framework (see helpcenter.script)
    from flask import Flask

#: The project folder: where ``content/`` and ``translations/`` live by default.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

LANGUAGES = ("en", "fr", "de", "es", "it", "pt")
SOURCE_LANGUAGE = "en"
FALLBACK_CHAIN = ("en", "fr")


def default_instance_path() -> str | None:
    """The app's instance folder when the package is not installed, where Flask puts it: beside the package.

    None when the package is installed (under ``sys.prefix`` or in a
    ``site-packages`` folder), where Flask's rule for installed packages applies.
    """
    package_path = str(PROJECT_ROOT)
    if Path(package_path).is_relative_to(os.path.abspath(sys.prefix)):
        return None
    if os.path.basename(package_path).lower() == "site-packages":
        return None
    return os.path.join(package_path, "instance")


class ConfigError(RuntimeError):
    """The configuration cannot work; the message says which setting and why."""


def _flag(value: str | None, default: bool) -> bool:
    if value is None or not value.strip():
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"expected true or false, got {value!r}")


def _count(value: str, name: str, unit: str) -> int:
    """A whole number, 0 or more, read from setting ``name``."""
    try:
        number = int(value)
        if number < 0:
            raise ValueError
    except ValueError:
        raise ConfigError(f"{name}: expected a whole number of {unit}, 0 or more") from None
    return number


def settings_from_env(instance_path: str, environ: Mapping[str, str] | None = None) -> dict:
    """Return the Flask settings named by ``HELPCENTER_*`` environment variables."""
    env = os.environ if environ is None else environ
    instance = Path(instance_path)

    def get(name: str, default: str = "") -> str:
        return env.get(f"HELPCENTER_{name}", "").strip() or default

    try:
        ratelimit_enabled = _flag(env.get("HELPCENTER_RATELIMIT_ENABLED"), True)
    except ConfigError as exc:
        raise ConfigError(f"HELPCENTER_RATELIMIT_ENABLED: {exc}") from None
    page_cache_size = _count(get("PAGE_CACHE_SIZE", "1000"), "HELPCENTER_PAGE_CACHE_SIZE", "pages")
    page_cache_mb = _count(get("PAGE_CACHE_MB", "64"), "HELPCENTER_PAGE_CACHE_MB", "megabytes")
    proxy_count = _count(get("PROXY_COUNT", "0"), "HELPCENTER_PROXY_COUNT", "proxies")
    attachment_files = _count(get("ATTACHMENT_MAX_FILES", "5"), "HELPCENTER_ATTACHMENT_MAX_FILES", "files")
    attachment_mb = _count(get("ATTACHMENT_MAX_MB", "10"), "HELPCENTER_ATTACHMENT_MAX_MB", "megabytes")
    base_url = get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    if urlsplit(base_url).scheme not in ("http", "https") or not urlsplit(base_url).netloc:
        raise ConfigError(
            f"HELPCENTER_BASE_URL: expected an address such as https://help.example.com, got {base_url!r}"
        )
    trusted_hosts = [host.strip().lower() for host in get("TRUSTED_HOSTS").split(",") if host.strip()]
    oncall_webhook = get("ONCALL_WEBHOOK_URL")
    if oncall_webhook and (
        urlsplit(oncall_webhook).scheme not in ("http", "https") or not urlsplit(oncall_webhook).hostname
    ):
        raise ConfigError(
            f"HELPCENTER_ONCALL_WEBHOOK_URL: expected an address such as https://pager.example/hooks/help, got {oncall_webhook!r}"
        )
    return {
        "SECRET_KEY": get("SECRET_KEY") or None,
        "DATABASE_URL": get("DATABASE_URL", f"sqlite:///{instance / 'helpcenter.sqlite3'}"),
        "CONTENT_DIR": get("CONTENT_DIR", str(PROJECT_ROOT / "content")),
        "INDEX_DIR": get("INDEX_DIR", str(instance / "index")),
        "CACHE_DIR": get("CACHE_DIR", str(instance / "cache")),
        "PAGE_CACHE_SIZE": page_cache_size,
        "PAGE_CACHE_BYTES": page_cache_mb * 1024 * 1024,
        "SLA_POLICY": get("SLA_POLICY") or None,
        "SMTP_URL": get("SMTP_URL") or None,
        "HELPDESK_EMAIL": get("HELPDESK_EMAIL", "support@fulgur.example"),
        "HELPDESK_PHONE": get("HELPDESK_PHONE", "+33 4 00 00 00 00"),
        "SALES_EMAIL": get("SALES_EMAIL", "sales@fulgur.example"),
        # On-call contacts: each wins over the policy file's [oncall] when set.
        "ONCALL_EMAIL": get("ONCALL_EMAIL") or None,
        "ONCALL_WEBHOOK_URL": oncall_webhook or None,
        # Signs every on-call webhook call (X-Helpcenter-Signature); never in a file that is shipped.
        "ONCALL_WEBHOOK_SECRET": get("ONCALL_WEBHOOK_SECRET") or None,
        "SITE_NAME": get("SITE_NAME", "Fulgur Help Centre"),
        # Every absolute link that leaves a response (mails, feeds, canonical
        # links) is built from this, never from the request's Host header.
        "BASE_URL": base_url,
        "TRUSTED_HOSTS_LIST": trusted_hosts,
        "PROXY_COUNT": proxy_count,
        "RATELIMIT_STORAGE_URI": get("RATELIMIT_STORAGE", "memory://"),
        "RATELIMIT_ENABLED": ratelimit_enabled,
        "LANGUAGES": LANGUAGES,
        "SOURCE_LANGUAGE": SOURCE_LANGUAGE,
        "FALLBACK_CHAIN": FALLBACK_CHAIN,
        "BABEL_DEFAULT_LOCALE": SOURCE_LANGUAGE,
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
        "LANGUAGE_COOKIE": "hc_lang",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        # Staff sessions end after a working day whatever their activity, or
        # after an hour without any; the browser keeps the cookie only until
        # it closes (a permanent one would weaken Flask-Login's protection).
        "SESSION_PERMANENT": False,
        "STAFF_SESSION_HOURS": 8,
        "STAFF_IDLE_MINUTES": 60,
        "STAFF_LOGIN_LIMIT": "5 per minute",
        # Failed logins per account, from browsers that have not logged in to it before.
        "STAFF_ACCOUNT_LOGIN_LIMIT": "10 per 15 minutes",
        "SEARCH_PAGE_LIMIT": get("SEARCH_PAGE_LIMIT", "60 per minute"),
        # Customer Area: sessions last a month unless the customer signs out;
        # sign-in links are asked for at most so often, per client and per address.
        "CUSTOMER_SESSION_DAYS": 30,
        "SIGN_IN_LIMIT": get("SIGN_IN_LIMIT", "10 per hour"),
        "SIGN_IN_ADDRESS_LIMIT": get("SIGN_IN_ADDRESS_LIMIT", "3 per 15 minutes"),
        "ATTACHMENT_MAX_FILES": attachment_files,
        "ATTACHMENT_MAX_MB": attachment_mb,
        "FEEDBACK_LIMIT": get("FEEDBACK_LIMIT", "30 per hour"),
        # Votes without a session (each one would count anew) on one article, per client.
        "FEEDBACK_ARTICLE_LIMIT": get("FEEDBACK_ARTICLE_LIMIT", "3 per day"),
        "TICKET_LIMIT": get("TICKET_LIMIT", "5 per minute;30 per hour"),
        "SEARCH_API_LIMIT": get("SEARCH_API_LIMIT", "120 per minute"),
        # The Jira Service Management channel, off without a URL (checked by helpcenter.jira at start).
        "JIRA_URL": get("JIRA_URL"),
        "JIRA_USER": get("JIRA_USER"),
        "JIRA_TOKEN": get("JIRA_TOKEN"),
        "JIRA_SERVICE_DESK": get("JIRA_SERVICE_DESK"),
        "JIRA_WEBHOOK_SECRET": get("JIRA_WEBHOOK_SECRET"),
        "JIRA_CONFIG": get("JIRA_CONFIG"),
    }


def ensure_secret_key(app: Flask) -> None:
    """Refuse to serve without ``HELPCENTER_SECRET_KEY`` outside debugging and testing.

    Commands that serve nothing (``content check``, ``db upgrade``) get a
    throw-away key so that editors and deploy scripts need no secret.
    """
    if app.config.get("SECRET_KEY"):
        return
    import secrets

    import click

    context = click.get_current_context(silent=True)
    serving = context is None or context.info_name == "run"
    if serving and not (app.debug or app.testing):
        raise ConfigError(
            "HELPCENTER_SECRET_KEY is not set: set it to a long random value "
            "(for example the output of `python -c 'import secrets; print(secrets.token_hex(32))'`) "
            "before serving the help centre outside debug mode."
        )
    app.config["SECRET_KEY"] = secrets.token_hex(32)


def secure_cookies(app: Flask) -> None:
    """Cookies only over HTTPS outside debugging and testing (``HELPCENTER_COOKIE_SECURE`` decides)."""
    configured = os.environ.get("HELPCENTER_COOKIE_SECURE")
    secure = _flag(configured, not (app.debug or app.testing))
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["REMEMBER_COOKIE_SECURE"] = secure
