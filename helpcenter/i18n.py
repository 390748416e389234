"""Which language a request is served in, and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from babel import Locale
from flask import Blueprint, Flask, abort, current_app, redirect, request, url_for
from werkzeug.routing import BaseConverter

from .security import local_target

bp = Blueprint("i18n", __name__)

ONE_YEAR = 365 * 24 * 3600


def select_locale() -> str:
    """Return the interface language of the current request.

    The order, first match wins:

    1. the language prefix of the URL (``/fr/…``), when it is a site language;
    2. the reader's saved choice (the language cookie, set by the switcher);
    3. the best match of the ``Accept-Language`` header;
    4. the source language, English.
    """
    languages = current_app.config["LANGUAGES"]
    prefix = url_language()
    if prefix:
        return prefix
    saved = request.cookies.get(current_app.config["LANGUAGE_COOKIE"], "")
    if saved in languages:
        return saved
    best = request.accept_languages.best_match(languages)
    if best:
        return best
    # ``best_match`` compares whole tags: fr-CA must still find fr.
    for value, _quality in request.accept_languages:
        primary = value.split("-")[0].split("_")[0].lower()
        if primary in languages:
            return primary
    return current_app.config["SOURCE_LANGUAGE"]


def url_language() -> str | None:
    """The site language named by the first segment of the request path, if any."""
    first = request.path.lstrip("/").split("/", 1)[0]
    return first if first in current_app.config["LANGUAGES"] else None


def language_name(code: str) -> str:
    """The name of a language in that language, capitalised: ``Français``."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def localised_path(path: str, lang: str) -> str:
    """``path`` with its language prefix replaced by ``lang``.

    A page without a prefix (the staff console) stays where it is: the saved
    choice is what sets its language.
    """
    segments = path.lstrip("/").split("/", 1)
    if segments[0] in current_app.config["LANGUAGES"]:
        return f"/{lang}/" + (segments[1] if len(segments) > 1 else "")
    return path


def all_languages() -> dict[str, str]:
    """The current page in every site language (for hreflang links): a page of interface text exists in all."""
    endpoint, args = request.endpoint, dict(request.view_args or {})
    return {lang: url_for(endpoint, **{**args, "lang": lang}) for lang in current_app.config["LANGUAGES"]}


@bp.route("/language/<lang>")
def switch_language(lang: str):
    """Save the reader's choice of language and go to the same page in it."""
    if lang not in current_app.config["LANGUAGES"]:
        abort(404)
    target = local_target(request.args.get("next", ""))  # only a path on this site: never an open redirect
    if target is None:
        target = f"/{lang}/"
    else:
        parts = urlsplit(target)
        target = localised_path(parts.path, lang) + (f"?{parts.query}" if parts.query else "")
    response = redirect(target)
    response.set_cookie(
        current_app.config["LANGUAGE_COOKIE"],
        lang,
        max_age=ONE_YEAR,
        samesite="Lax",
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


class LanguageConverter(BaseConverter):
    """URL converter matching only the site's languages: ``/<lang:lang>/``."""

    def __init__(self, url_map, *languages: str) -> None:
        super().__init__(url_map)
        self.regex = "(?:" + "|".join(languages) + ")"


def init_app(app: Flask) -> None:
    """Register the language converter and the switch route."""
    languages = app.config["LANGUAGES"]

    class SiteLanguage(LanguageConverter):
        def __init__(self, url_map) -> None:
            super().__init__(url_map, *languages)

    app.url_map.converters["lang"] = SiteLanguage
    app.register_blueprint(bp)
