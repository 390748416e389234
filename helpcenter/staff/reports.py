"""SLA reports of the staff console: compliance figures, a chart and a CSV export.

Pure Python, no Flask and no database: everything takes plain data
(``TicketFacts``, or any object with a ticket's attributes) and returns plain
data, so views and tests share the same computations. Nothing here
translates: the caller passes the words (labels, CSV headers) already in the
reader's language.

The rules (docs: DESIGN.md, "The support policy"):

- only tickets created in the half-open period ``[start, end)`` count;
- a ticket with a first-response deadline is **met** when first answered at
  or before the deadline, **breached** when answered after it (it stays
  breached whatever the date of the report) or not answered and the
  deadline has passed, **pending** otherwise;
- tickets without a committed target (general questions, suggestions, a
  technical ticket with no priority yet) count in the period's total only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from helpcenter.sla.calendar import IN_HOURS, OUT_OF_HOURS
from helpcenter.sla.policy import PRIORITIES

__all__ = [
    "CSV_COLUMNS",
    "CHART_LABEL_KEYS",
    "ComplianceRow",
    "SlaReport",
    "TicketFacts",
    "WINDOWS",
    "format_percent",
    "sla_chart_svg",
    "sla_csv",
    "sla_report",
    "ticket_status",
]

WINDOWS = (IN_HOURS, OUT_OF_HOURS)
MET = "met"
BREACHED = "breached"
PENDING = "pending"
NO_TARGET = "no_target"

CHART_LABEL_KEYS = (*PRIORITIES, *WINDOWS, "no_data")
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
_OPTIONAL_CSV_COLUMNS = ("subject",)
NO_DATA_MARK = "\u2013"

# Spreadsheets run a cell starting with one of these as a formula (OWASP,
# "CSV injection"); a leading quote makes it plain text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot carry at all, even escaped: a label holding one
# would make the whole chart unparsable.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")


def _utc(value: dt.datetime, what: str) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} {value.isoformat()} has no UTC offset; give an aware datetime")
    return value.astimezone(dt.UTC)


@dataclass(frozen=True)
class TicketFacts:
    """What the SLA report needs to know about one ticket.

    Instants are aware; they are stored converted to UTC (a naive datetime
    raises ``ValueError``: it names no instant). ``priority`` and ``window``
    are the policy's words (``high``/``average``/``low``,
    ``in_hours``/``out_of_hours``), None where no target applies.
    """

    reference: str
    category: str
    priority: str | None
    window: str | None
    created_at: dt.datetime
    first_response_due: dt.datetime | None
    first_response_at: dt.datetime | None
    subject: str

    def __post_init__(self) -> None:
        # Frozen: normalising the instants needs object.__setattr__.
        object.__setattr__(self, "created_at", _utc(self.created_at, "created_at"))
        for name in ("first_response_due", "first_response_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _utc(value, name))

    @classmethod
    def from_ticket(cls, ticket: object) -> TicketFacts:
        """The facts of any object carrying a ticket's attributes (the ``Ticket`` model, a row, a namespace).

        A missing reference or subject (None) becomes the empty string.
        """
        return cls(
            reference=ticket.reference or "",
            category=ticket.category,
            priority=ticket.priority,
            window=ticket.window,
            created_at=ticket.created_at,
            first_response_due=ticket.first_response_due,
            first_response_at=ticket.first_response_at,
            subject=ticket.subject or "",
        )

    @property
    def response_time(self) -> dt.timedelta | None:
        """Elapsed time from creation to the first response, or None before any response."""
        if self.first_response_at is None:
            return None
        return self.first_response_at - self.created_at


@dataclass(frozen=True)
class ComplianceRow:
    """The SLA figures of one priority and window.

    ``compliance`` is ``met / (met + breached)`` (pending tickets are not
    decided yet), None when nothing is decided.
    """

    priority: str
    window: str
    tickets: int
    met: int
    breached: int
    pending: int
    compliance: float | None


@dataclass(frozen=True)
class SlaReport:
    """SLA compliance over the tickets created in ``[start, end)``, as seen at ``now``.

    ``total`` counts every ticket of the period; ``with_target`` those with
    a first-response deadline, which alone make the other figures. ``rows``
    always holds the six priority × window rows, in the order high, average,
    low × in hours, out of hours. Response times are measured from creation,
    over the period's tickets with a target that have been answered
    (``p90`` by the nearest-rank method). ``breaches`` is sorted by deadline.
    """

    start: dt.datetime
    end: dt.datetime
    now: dt.datetime
    total: int
    with_target: int
    rows: tuple[ComplianceRow, ...]
    met: int
    breached: int
    pending: int
    compliance: float | None
    median_first_response: dt.timedelta | None
    p90_first_response: dt.timedelta | None
    breaches: tuple[TicketFacts, ...]

    def row(self, priority: str, window: str) -> ComplianceRow:
        """The row of one priority and window (``KeyError`` for words the policy does not use)."""
        for row in self.rows:
            if row.priority == priority and row.window == window:
                return row
        raise KeyError((priority, window))


def ticket_status(facts: TicketFacts, *, now: dt.datetime) -> str:
    """``met``, ``breached``, ``pending`` or ``no_target`` for one ticket, as seen at ``now``.

    A response exactly at the deadline is met; a late response stays
    breached whatever ``now`` is; without a response the ticket is pending
    up to and including the deadline instant, breached after it.
    """
    due = facts.first_response_due
    if due is None:
        return NO_TARGET
    if facts.first_response_at is not None:
        return MET if facts.first_response_at <= due else BREACHED
    return BREACHED if _utc(now, "now") > due else PENDING


def _as_facts(ticket: object) -> TicketFacts:
    return ticket if isinstance(ticket, TicketFacts) else TicketFacts.from_ticket(ticket)


def _in_period(tickets: Iterable[object], start: dt.datetime, end: dt.datetime) -> list[TicketFacts]:
    start, end = _utc(start, "start"), _utc(end, "end")
    if end < start:
        raise ValueError(f"the period ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    chosen = [facts for facts in map(_as_facts, tickets) if start <= facts.created_at < end]
    chosen.sort(key=lambda facts: (facts.created_at, facts.reference))
    return chosen


def _share(met: int, breached: int) -> float | None:
    decided = met + breached
    return None if decided == 0 else met / decided


def _median(values: list[dt.timedelta]) -> dt.timedelta | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _nearest_rank(values: list[dt.timedelta], percent: int) -> dt.timedelta | None:
    if not values:
        return None
    ordered = sorted(values)
    # ceil(percent/100 * n) in integers: in floats 0.9 * n can land a hair
    # above a whole number and pick the next rank.
    rank = max(1, -(-percent * len(ordered) // 100))
    return ordered[rank - 1]


def sla_report(
    tickets: Iterable[object], *, start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> SlaReport:
    """SLA compliance of the tickets created in ``[start, end)``, as seen at ``now``.

    ``tickets`` may hold ``TicketFacts`` or any objects with a ticket's
    attributes; tickets outside the period are ignored. Every instant must be
    aware (``ValueError`` otherwise, or when ``end`` is before ``start``).
    See ``SlaReport`` for what each figure means.
    """
    now = _utc(now, "now")
    period = _in_period(tickets, start, end)
    counts = {(priority, window): {MET: 0, BREACHED: 0, PENDING: 0} for priority in PRIORITIES for window in WINDOWS}
    overall = {MET: 0, BREACHED: 0, PENDING: 0}
    breaches: list[TicketFacts] = []
    response_times: list[dt.timedelta] = []
    with_target = 0
    for facts in period:
        status = ticket_status(facts, now=now)
        if status == NO_TARGET:
            continue
        with_target += 1
        overall[status] += 1
        # The policy only gives deadlines to the three priorities in one of
        # the two windows; anything else still counts in the overall figures.
        if (facts.priority, facts.window) in counts:
            counts[facts.priority, facts.window][status] += 1
        if status == BREACHED:
            breaches.append(facts)
        if facts.response_time is not None:
            response_times.append(facts.response_time)
    rows = tuple(
        ComplianceRow(
            priority=priority,
            window=window,
            tickets=sum(figures.values()),
            met=figures[MET],
            breached=figures[BREACHED],
            pending=figures[PENDING],
            compliance=_share(figures[MET], figures[BREACHED]),
        )
        for (priority, window), figures in counts.items()
    )
    breaches.sort(key=lambda facts: (facts.first_response_due, facts.created_at, facts.reference))
    return SlaReport(
        start=_utc(start, "start"),
        end=_utc(end, "end"),
        now=now,
        total=len(period),
        with_target=with_target,
        rows=rows,
        met=overall[MET],
        breached=overall[BREACHED],
        pending=overall[PENDING],
        compliance=_share(overall[MET], overall[BREACHED]),
        median_first_response=_median(response_times),
        p90_first_response=_nearest_rank(response_times, 90),
        breaches=tuple(breaches),
    )


def format_percent(share: float) -> str:
    """A share (0 to 1) as a percentage with at most one decimal: ``66.7%``, ``50%``, ``100%``.

    Never shows 100% for a share below one nor 0% for a share above zero,
    so a breached target never reads as fully met.
    """
    tenths = int(share * 1000 + 0.5)
    if tenths >= 1000 and share < 1:
        tenths = 999
    elif tenths <= 0 and share > 0:
        tenths = 1
    whole, tenth = divmod(tenths, 10)
    return f"{whole}%" if tenth == 0 else f"{whole}.{tenth}%"


# The chart's geometry, in viewBox units.
_WIDTH, _HEIGHT = 640, 400
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 624, 104, 356
_BAR, _GAP = 56, 12
_INK = "#1a1a1a"  # 17:1 on white
_GRID = "#949494"  # 3:1 on white, enough for a non-text graphic
_IN_HOURS_FILL = "#1f4e79"  # dark blue, 8.6:1 on white
_OUT_OF_HOURS_FILL = "#b35900"  # dark orange, 4.8:1 on white; blue/orange survives colour blindness
_OUT_OF_HOURS_EDGE = "#6b3500"


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("", value))


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _y(share: float) -> float:
    return _BOTTOM - share * (_BOTTOM - _TOP)


def sla_chart_svg(
    report: SlaReport,
    *,
    title: str,
    labels: Mapping[str, str],
    percent: Callable[[float], str] = format_percent,
    id_prefix: str = "sla-chart",
) -> str:
    """The report's compliance per priority and window as an accessible SVG bar chart.

    One group of two bars per priority (in hours: solid; out of hours:
    hatched, so windows differ by pattern as well as colour), a 0–100 % axis
    with gridlines every 25 %, the percentage written above each bar and
    "–" where nothing is decided yet, and a legend. The root has
    ``role="img"`` and ``aria-labelledby`` naming the ``<title>`` (``title``)
    and a ``<desc>`` that states every figure in words.

    ``labels`` gives the words, already translated, for the keys of
    ``CHART_LABEL_KEYS`` (``ValueError`` names any missing one); ``percent``
    formats a share for the reader's locale. All text is XML-escaped; no
    style attribute or element is used (the site's Content-Security-Policy
    forbids inline styles). ``id_prefix`` keeps the ids unique when a page
    shows several charts.
    """
    missing = [key for key in CHART_LABEL_KEYS if key not in labels]
    if missing:
        raise ValueError(f"labels lack {', '.join(missing)}")
    if not _ID.match(id_prefix):
        raise ValueError(f"id_prefix {id_prefix!r} is not a usable XML id")
    title_id, desc_id, hatch_id = f"{id_prefix}-title", f"{id_prefix}-desc", f"{id_prefix}-hatch"

    def value_text(row: ComplianceRow) -> str:
        return labels["no_data"] if row.compliance is None else percent(row.compliance)

    summary = "; ".join(
        f"{labels[row.priority]}, {labels[row.window]}: {value_text(row)}" for row in report.rows
    )
    fills = {IN_HOURS: _IN_HOURS_FILL, OUT_OF_HOURS: f"url(#{hatch_id})"}
    edges = {IN_HOURS: _IN_HOURS_FILL, OUT_OF_HOURS: _OUT_OF_HOURS_EDGE}

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {_HEIGHT}" width="100%" '
        f'role="img" aria-labelledby={quoteattr(f"{title_id} {desc_id}")} '
        f'font-family="system-ui, sans-serif" fill="{_INK}">',
        f"<title id={quoteattr(title_id)}>{_text(title)}</title>",
        f"<desc id={quoteattr(desc_id)}>{_text(summary)}.</desc>",
        "<defs>",
        f'<pattern id={quoteattr(hatch_id)} width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">',
        f'<rect width="8" height="8" fill="{_OUT_OF_HOURS_FILL}"/>',
        '<line x1="0" y1="0" x2="0" y2="8" stroke="#ffffff" stroke-width="3"/>',
        "</pattern>",
        "</defs>",
    ]

    # Legend, one entry a line: translated words have no predictable width.
    for line, window in enumerate(WINDOWS):
        y = 8 + 24 * line
        parts.append(
            f'<rect x="{_LEFT}" y="{y}" width="18" height="18" fill="{fills[window]}" '
            f'stroke="{edges[window]}" stroke-width="1.5"/>'
        )
        parts.append(f'<text x="{_LEFT + 26}" y="{y + 14}" font-size="14">{_text(labels[window])}</text>')
    parts.append(
        f'<text x="{_LEFT + 9}" y="{8 + 48 + 14}" font-size="16" font-weight="bold" '
        f'text-anchor="middle">{NO_DATA_MARK}</text>'
    )
    parts.append(f'<text x="{_LEFT + 26}" y="{8 + 48 + 14}" font-size="14">{_text(labels["no_data"])}</text>')

    # Gridlines and the percentage axis.
    for quarter in range(5):
        share = quarter / 4
        y = _num(_y(share))
        stroke = _INK if quarter == 0 else _GRID
        parts.append(
            f'<line x1="{_LEFT}" y1="{y}" x2="{_RIGHT}" y2="{y}" stroke="{stroke}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{_LEFT - 8}" y="{_num(_y(share) + 4)}" font-size="12" text-anchor="end">'
            f"{_text(percent(share))}</text>"
        )

    group_width = (_RIGHT - _LEFT) / len(PRIORITIES)
    for index, priority in enumerate(PRIORITIES):
        centre = _LEFT + group_width * (index + 0.5)
        parts.append(
            f'<text x="{_num(centre)}" y="{_BOTTOM + 24}" font-size="14" font-weight="bold" '
            f'text-anchor="middle">{_text(labels[priority])}</text>'
        )
        for offset, window in zip((-_GAP / 2 - _BAR, _GAP / 2), WINDOWS, strict=True):
            row = report.row(priority, window)
            x = centre + offset
            parts.append("<g>")
            parts.append(f"<title>{_text(f'{labels[priority]}, {labels[window]}: {value_text(row)}')}</title>")
            if row.compliance is None:
                parts.append(
                    f'<text x="{_num(x + _BAR / 2)}" y="{_BOTTOM - 8}" font-size="16" '
                    f'font-weight="bold" text-anchor="middle">{NO_DATA_MARK}</text>'
                )
            else:
                top = _y(row.compliance)
                parts.append(
                    f'<rect x="{_num(x)}" y="{_num(top)}" width="{_BAR}" '
                    f'height="{_num(_BOTTOM - top)}" fill="{fills[window]}" '
                    f'stroke="{edges[window]}" stroke-width="1.5"/>'
                )
                parts.append(
                    f'<text x="{_num(x + _BAR / 2)}" y="{_num(top - 6)}" font-size="13" '
                    f'font-weight="bold" text-anchor="middle">{_text(percent(row.compliance))}</text>'
                )
            parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


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
    unknown = [key for key in columns if key not in CSV_COLUMNS + _OPTIONAL_CSV_COLUMNS]
    if unknown:
        raise ValueError(f"unknown CSV columns: {', '.join(unknown)}")
    now = _utc(now, "now")
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_cell(header) for header in columns.values()])
    for facts in _in_period(tickets, start, end):
        values = {
            "reference": facts.reference,
            "created_at": _iso(facts.created_at),
            "category": facts.category,
            "priority": facts.priority or "",
            "window": facts.window or "",
            "first_response_due": _iso(facts.first_response_due),
            "first_response_at": _iso(facts.first_response_at),
            "response_minutes": _response_minutes(facts),
            "status": ticket_status(facts, now=now),
            "subject": facts.subject,
        }
        writer.writerow([_cell(values[key]) for key in columns])
    return out.getvalue()
