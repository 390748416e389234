"""The SLA report (with its chart and CSV) and the content report."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, make_response, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select

from helpcenter.articles.operations import feedback_tallies
from helpcenter.db import get_session, utcnow
from helpcenter.library import current_library, search_tally
from helpcenter.policy_text import PRIORITY_NAMES
from helpcenter.search.stats import top_queries
from helpcenter.tickets.models import DeflectionCount, Ticket

from . import bp
from .reports import TicketFacts, sla_chart_svg, sla_csv, sla_report

DEFAULT_DAYS = 30


def _period() -> tuple[dt.date, dt.date, dt.datetime, dt.datetime]:
    """The period asked for (``start`` and ``end`` dates, end included), in Paris days."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    today = utcnow().astimezone(zone).date()
    try:
        end = dt.date.fromisoformat(request.args.get("end", "")) if request.args.get("end") else today
        start = dt.date.fromisoformat(request.args.get("start", "")) if request.args.get("start") else end - dt.timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        end, start = today, today - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        start, end = end, start
    begin = dt.datetime.combine(start, dt.time(), zone).astimezone(dt.timezone.utc)
    finish = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.timezone.utc)
    return start, end, begin, finish


def _facts(begin: dt.datetime, finish: dt.datetime) -> list[TicketFacts]:
    tickets = get_session().scalars(
        select(Ticket).where(Ticket.created_at >= begin, Ticket.created_at < finish).order_by(Ticket.created_at)
    )
    return [TicketFacts.from_ticket(ticket) for ticket in tickets]


def _labels() -> dict[str, str]:
    return {
        **{code: str(name) for code, name in PRIORITY_NAMES.items()},
        "in_hours": _("In business hours"),
        "out_of_hours": _("Outside business hours"),
        "no_data": _("no ticket"),
    }


@bp.route("/reports/sla")
def sla_report_page():
    """First-response compliance for a period: figures, chart, breaches."""
    start, end, begin, finish = _period()
    report = sla_report(_facts(begin, finish), start=begin, end=finish, now=utcnow())
    chart = sla_chart_svg(report, title=_("First responses on time, by priority and window"), labels=_labels())
    return render_template("staff/sla_report.html", report=report, chart=Markup(chart), start=start, end=end, labels=_labels())


@bp.route("/reports/sla.csv")
def sla_report_csv():
    """The tickets of the period, one row each, for a spreadsheet."""
    start, end, begin, finish = _period()
    columns = {
        "reference": _("Ticket reference"),
        "created_at": _("Created"),
        "category": _("Category"),
        "priority": _("Priority"),
        "window": _("Window"),
        "first_response_due": _("First response due"),
        "first_response_at": _("First response"),
        "response_minutes": _("Minutes to first response"),
        "status": _("SLA"),
    }
    text = sla_csv(_facts(begin, finish), start=begin, end=finish, now=utcnow(), columns=columns)
    response = make_response(text)
    response.mimetype = "text/csv"
    response.headers["Content-Disposition"] = f'attachment; filename="sla-{start.isoformat()}-{end.isoformat()}.csv"'
    return response


@bp.route("/reports/content")
def content_report():
    """The deflection funnel, searches that found nothing, and article feedback."""
    start, end, _begin, _finish = _period()
    session = get_session()
    funnel: dict[tuple[str, str], dict[str, int]] = {}
    rows = session.execute(
        select(DeflectionCount.lang, DeflectionCount.product, DeflectionCount.stage, func.sum(DeflectionCount.count))
        .where(DeflectionCount.day >= start, DeflectionCount.day <= end)
        .group_by(DeflectionCount.lang, DeflectionCount.product, DeflectionCount.stage)
    )
    for lang, product, stage, total in rows:
        funnel.setdefault((lang, product), {})[stage] = int(total or 0)
    search_tally().flush(session)
    searches = {
        lang: (top_queries(session, found=True, lang=lang, limit=15), top_queries(session, found=False, lang=lang, limit=15))
        for lang in current_app.config["LANGUAGES"]
    }
    library = current_library()
    feedback = [
        (tally, library.exact(tally.lang, tally.article_id)) for tally in feedback_tallies(session)
    ]
    return render_template(
        "staff/content_report.html",
        funnel=sorted(funnel.items()),
        searches=searches,
        feedback=feedback,
        start=start,
        end=end,
    )
