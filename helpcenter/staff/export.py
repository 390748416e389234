"""The SLA report as CSV, for a spreadsheet.

Pure Python: it takes the tickets' facts and the column headers already in
the reader's language, and returns CSV text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping

from helpcenter.sla.reports import TargetBreach, TicketFacts, tickets_in_period

CSV_COLUMNS = (
    "reference",
    "created_at",
    "category",
    "priority",
    "window",
    "first_response_due",
    "first_response_at",
    "response_minutes",
    "status",
)
# Not exported by default (a subject is the customer's words), but available.
OPTIONAL_CSV_COLUMNS = ("subject",)

# Spreadsheets run a cell starting with one of these as a formula (OWASP,
# "CSV injection"); a leading quote makes it plain text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _iso(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    text = moment.astimezone(dt.UTC).isoformat()
    return text.removesuffix("+00:00") + "Z"


def _minutes(span: dt.timedelta) -> str:
    # Rounded up, so that minutes <= a whole-minute target exactly when the
    # response was on time: 60 min 30 s against 60 min reads 61, breached
    # (and a target missed by a second is a minute over, never zero).
    return str(-(-span // dt.timedelta(minutes=1)))


def _response_minutes(facts: TicketFacts) -> str:
    span = facts.response_time
    return "" if span is None else _minutes(span)


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def sla_csv(
    tickets: Iterable[object],
    *,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    columns: Mapping[str, str],
) -> str:
    """The tickets created in ``[start, end)`` as CSV text (RFC 4180, ``\\r\\n`` line ends).

    A header row of ``columns``' values, then one row per ticket in creation
    order. ``columns`` maps keys of ``CSV_COLUMNS`` (or ``subject``) to the
    translated header; its order is the column order and it may leave keys
    out (``ValueError`` for an unknown key). Instants are ISO 8601 in UTC
    (``2026-03-02T09:00:00Z``), ``response_minutes`` is whole minutes from
    creation to the first response (rounded up), ``status`` is ``met``,
    ``breached``, ``pending`` or ``no_target`` as seen at ``now``; empty
    cells mean "none". Every cell starting with ``=``, ``+``, ``-``, ``@``,
    a tab or a carriage return is prefixed with ``'`` so that no
    spreadsheet runs it as a formula.
    """
    rows = (
        {
            "reference": facts.reference,
            "created_at": _iso(facts.created_at),
            "category": facts.category,
            "priority": facts.priority or "",
            "window": facts.window or "",
            "first_response_due": _iso(facts.first_response_due),
            "first_response_at": _iso(facts.first_response_at),
            "response_minutes": _response_minutes(facts),
            "status": facts.state(now),
            "subject": facts.subject,
        }
        for facts in tickets_in_period(tickets, start, end)
    )
    return _csv_text(columns, CSV_COLUMNS, rows)


def _csv_text(columns: Mapping[str, str], known: tuple[str, ...], rows: Iterable[Mapping[str, str]]) -> str:
    """A header row of ``columns``' values, then each row's values in that order, every cell made inert."""
    unknown = [key for key in columns if key not in known + OPTIONAL_CSV_COLUMNS]
    if unknown:
        raise ValueError(f"unknown CSV columns: {', '.join(unknown)}")
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_cell(header) for header in columns.values()])
    for values in rows:
        writer.writerow([_cell(values[key]) for key in columns])
    return out.getvalue()


BREACH_COLUMNS = (
    "reference",
    "target",
    "priority",
    "window",
    "clock",
    "target_minutes",
    "started_at",
    "due",
    "ended_at",
    "minutes_over",
)


def breaches_csv(breaches: Iterable[TargetBreach], *, columns: Mapping[str, str]) -> str:
    """Every missed target as CSV text (RFC 4180): one row per target, in the order given.

    ``columns`` maps keys of ``BREACH_COLUMNS`` (or ``subject``) to the
    translated header, as for :func:`sla_csv`. ``target`` is
    ``first_response``, ``next_response`` or ``resolution``; ``clock``
    ``elapsed`` or ``business``; instants are ISO 8601 in UTC; ``due`` is
    when the target was missed; ``ended_at`` the reply or resolution that
    ended it (empty while it is still open); ``minutes_over`` how far past
    its time it is, rounded up. Cells that a spreadsheet would run as a
    formula are neutralised.
    """
    rows = (
        {
            "reference": breach.reference,
            "target": breach.target.kind,
            "priority": breach.target.priority,
            "window": breach.target.window,
            "clock": breach.target.clock,
            "target_minutes": str(breach.target.target // dt.timedelta(minutes=1)),
            "started_at": _iso(breach.target.started_at),
            "due": _iso(breach.target.due),
            "ended_at": _iso(breach.target.ended_at),
            "minutes_over": _minutes(breach.over),
            "subject": breach.subject,
        }
        for breach in breaches
    )
    return _csv_text(columns, BREACH_COLUMNS, rows)
