"""The SLA report as CSV, for a spreadsheet.

Pure Python: it takes the tickets' facts and the column headers already in
the reader's language, and returns CSV text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping

from helpcenter.sla.reports import TicketFacts, tickets_in_period

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


def _response_minutes(facts: TicketFacts) -> str:
    span = facts.response_time
    if span is None:
        return ""
    # Rounded up, so that minutes <= a whole-minute target exactly when the
    # response was on time: 60 min 30 s against 60 min reads 61, breached.
    return str(-(-span // dt.timedelta(minutes=1)))


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
    unknown = [key for key in columns if key not in CSV_COLUMNS + OPTIONAL_CSV_COLUMNS]
    if unknown:
        raise ValueError(f"unknown CSV columns: {', '.join(unknown)}")
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_cell(header) for header in columns.values()])
    for facts in tickets_in_period(tickets, start, end):
        values = {
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
        writer.writerow([_cell(values[key]) for key in columns])
    return out.getvalue()
