"""What every template can use: the language, the switcher, dates, the site name."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from urllib.parse import urlencode

from babel import Locale, numbers, units
from flask import Flask, current_app, g, request, url_for
from flask_babel import format_date, format_datetime, format_decimal, format_time, format_timedelta, get_locale

from .content import page_url
from .i18n import language_name
from .policy_text import (
    CATEGORY_NAMES,
    PRIORITY_DESCRIPTIONS,
    PRIORITY_NAMES,
    TARGET_NAMES,
    TARGET_STATE_NAMES,
    explain_deadline,
    explain_target,
    format_duration,
)
from .sla import PRIORITIES
from .sla.reports import shown_share


def _template_context() -> dict:
    lang = str(get_locale() or current_app.config["SOURCE_LANGUAGE"])
    languages = [(code, language_name(code)) for code in current_app.config["LANGUAGES"]]
    return {
        "lang": lang,
        "languages": languages,
        "site_name": current_app.config["SITE_NAME"],
        "helpdesk_email": current_app.config["HELPDESK_EMAIL"],
        "helpdesk_phone": current_app.config["HELPDESK_PHONE"],
        "sales_email": current_app.config["SALES_EMAIL"],
    }


def switch_url(lang: str) -> str:
    """The language switcher's link: save the choice, then the same page in ``lang``.

    A kept page links with the parameters it read (``g.page_query``), never
    with whatever else its first reader's address carried.
    """
    if "page_query" in g:
        here = request.path + (f"?{urlencode(g.page_query)}" if g.page_query else "")
    else:
        here = request.full_path if request.query_string else request.path
    return url_for("i18n.switch_language", lang=lang, next=here)


def absolute_url(path: str) -> str:
    """``path`` on this site as an absolute address, from ``HELPCENTER_BASE_URL`` (never the request's ``Host``)."""
    return current_app.config["BASE_URL"] + path


def external_url(endpoint: str, **values) -> str:
    """The absolute address of a view, for links that leave the site (mails, feeds, canonical links)."""
    return absolute_url(url_for(endpoint, **values))


def topic_anchor(topic: str | None) -> str:
    """The anchor of a Q&A topic: ``Billing and support`` gives ``topic-billing-and-support``."""
    if not topic:
        return "topic-other"
    text = unicodedata.normalize("NFKD", topic).encode("ascii", "ignore").decode().lower()
    return "topic-" + (re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "other")


def weekday_name(day: int) -> str:
    """The name of a weekday (0 is Monday) in the reader's language, capitalised."""
    name = Locale.parse(str(get_locale())).days["format"]["wide"][day]
    return name[:1].upper() + name[1:]


def country_name(code: str) -> str:
    """A country's name in the reader's language: ``FR`` gives ``France``."""
    return Locale.parse(str(get_locale())).territories.get(code.upper(), code)


def clock_time(value: dt.time) -> str:
    """A time of day as the reader's locale writes it (``17:00``)."""
    return format_time(value, "short", rebase=False)


def format_share(share: float) -> str:
    """A share (0 to 1) as a percentage in the reader's locale, to a tenth at most: ``66.7%``, ``66,7 %``.

    The one percent format of the site (pages, tables and charts alike);
    a share below one never reads 100%, nor one above zero 0%.
    """
    # The locale's own pattern (``66,7 %`` in French), with the tenth when there is one.
    return numbers.format_percent(shown_share(share), locale=get_locale(), decimal_quantization=False)


def format_size(size: int) -> str:
    """A file's size as people read it, in the reader's locale: ``850 B``, ``12 kB``, ``3.4 MB``."""
    locale = get_locale()
    if size < 1000:
        return units.format_unit(size, "digital-byte", "short", locale=locale)
    if size < 1_000_000:
        return units.format_unit(round(size / 1000), "digital-kilobyte", "short", locale=locale)
    return units.format_unit(round(size / 1_000_000, 1), "digital-megabyte", "short", locale=locale)


def has_endpoint(name: str) -> bool:
    """Whether the app has a view called ``name`` (pages link only to what exists)."""
    return name in current_app.view_functions


def input_attributes(field, *, hint: bool, required: bool, extra: dict) -> dict:
    """Accessible attributes of a form input: what describes it, whether it is invalid."""
    described = [f"{field.id}-hint"] if hint else []
    if field.errors:
        described.append(f"{field.id}-errors")
    attributes = dict(extra)
    if required:
        attributes["required"] = True
    if described:
        attributes["aria-describedby"] = " ".join(described)
    if field.errors:
        attributes["aria-invalid"] = "true"
    return attributes


def init_app(app: Flask) -> None:
    """Register the template context and helpers."""
    app.context_processor(_template_context)
    for helper in (
        switch_url,
        page_url,
        absolute_url,
        external_url,
        language_name,
        topic_anchor,
        weekday_name,
        country_name,
        format_date,
        format_datetime,
        format_decimal,
        format_duration,
        has_endpoint,
        input_attributes,
        explain_deadline,
        explain_target,
        format_timedelta,
        format_share,
        format_size,
    ):
        app.add_template_global(helper)
    app.add_template_global(clock_time, "format_time")
    app.add_template_global(PRIORITIES, "priorities")
    app.add_template_global(PRIORITY_NAMES.__getitem__, "priority_name")
    app.add_template_global(PRIORITY_DESCRIPTIONS.__getitem__, "priority_description")
    app.add_template_global(CATEGORY_NAMES.__getitem__, "category_name")
    app.add_template_global(TARGET_NAMES.__getitem__, "target_name")
    app.add_template_global(TARGET_STATE_NAMES.__getitem__, "target_state_name")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
