"""SLA reports: compliance figures, the SVG chart and the CSV export, on a known set of tickets."""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from helpcenter.sla import first_response_due, load_policy_set, response_state
from helpcenter.sla.reports import ComplianceRow, SlaReport, TicketFacts, shown_share, sla_report
from helpcenter.staff.chart import sla_chart_svg
from helpcenter.staff.export import sla_csv
from helpcenter.templating import format_share

UTC = dt.UTC


def format_percent(share: float) -> str:
    """The chart's percentages in English, as the app's one format gives them."""
    return f"{shown_share(share) * 100:g}%"


SVG = "{http://www.w3.org/2000/svg}"
MINUTE = dt.timedelta(minutes=1)


def at(text: str) -> dt.datetime:
    """An instant written in UTC, ``2026-03-02 09:00``."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def ticket(
    reference: str,
    created: str,
    priority: str | None = None,
    window: str | None = None,
    due: str | None = None,
    responded: str | None = None,
    *,
    category: str = "technical",
    subject: str = "Alerts stopped",
) -> TicketFacts:
    return TicketFacts(
        reference=reference,
        category=category,
        priority=priority,
        window=window,
        created_at=at(created),
        first_response_due=at(due) if due else None,
        first_response_at=at(responded) if responded else None,
        subject=subject,
    )


# The week of Monday 2 March 2026 (Paris is UTC+1 then: business hours are
# 07:00-16:00 UTC), seen on Monday 9 March at 10:00 UTC. Targets: High 1 h in
# hours / 12 h outside, Average and Low 2 h / 24 h.
START = at("2026-03-02 00:00")
END = at("2026-03-09 00:00")
NOW = at("2026-03-09 10:00")

TICKETS = [
    # high, in hours
    ticket("T01", "2026-03-02 09:00", "high", "in_hours", "2026-03-02 10:00", "2026-03-02 09:20"),  # met, 20 min
    # T02: met exactly at due, 60 min
    ticket("T02", "2026-03-02 14:00", "high", "in_hours", "2026-03-02 15:00", "2026-03-02 15:00"),
    # T03: breached, answered late, 90 min
    ticket("T03", "2026-03-03 10:00", "high", "in_hours", "2026-03-03 11:00", "2026-03-03 11:30"),
    # high, out of hours
    ticket("T04", "2026-03-07 10:00", "high", "out_of_hours", "2026-03-07 22:00"),  # breached, never answered
    ticket("T05", "2026-03-08 23:00", "high", "out_of_hours", "2026-03-09 11:00"),  # pending (due after NOW)
    # average, in hours
    ticket("T06", "2026-03-04 08:00", "average", "in_hours", "2026-03-04 10:00", "2026-03-04 08:45"),  # met, 45 min
    ticket("T07", "2026-03-04 13:00", "average", "in_hours", "2026-03-04 15:00", "2026-03-04 14:30"),  # met, 90 min
    # average, out of hours
    # T08: breached, 1560 min
    ticket("T08", "2026-03-03 17:00", "average", "out_of_hours", "2026-03-04 17:00", "2026-03-04 19:00"),
    ticket("T09", "2026-03-08 20:00", "average", "out_of_hours", "2026-03-09 20:00"),  # pending
    # T10: at START: in; met, 430 min
    ticket("T10", "2026-03-02 00:00", "average", "out_of_hours", "2026-03-03 00:00", "2026-03-02 07:10"),
    # low, in hours
    ticket("T11", "2026-03-05 09:00", "low", "in_hours", "2026-03-05 11:00", "2026-03-05 10:00"),  # met, 60 min
    ticket("T12", "2026-03-04 10:00", "low", "in_hours", "2026-03-04 12:00"),  # breached, never answered
    # low, out of hours
    ticket("T13", "2026-03-08 12:00", "low", "out_of_hours", "2026-03-09 12:00"),  # pending
    # no committed target: in the total only (G1's answer is not a response time of the report)
    ticket("G1", "2026-03-02 11:00", responded="2026-03-02 12:00", category="general"),
    ticket("G2", "2026-03-04 16:00", category="improvement"),
    ticket("G3", "2026-03-06 09:00"),  # technical, no priority yet
    # outside the period
    ticket("O1", "2026-02-27 10:00", "high", "in_hours", "2026-02-27 11:00"),  # before START, would be breached
    ticket("O2", "2026-03-09 00:00", "average", "out_of_hours", "2026-03-10 00:00"),  # exactly at END: out
]

CREATION_ORDER = [
    "T10", "T01", "G1", "T02", "T03", "T08", "T06", "T12",
    "T07", "G2", "T11", "G3", "T04", "T13", "T09", "T05",
]  # fmt: skip

LABELS = {
    "high": "High",
    "average": "Average",
    "low": "Low",
    "in_hours": "In business hours",
    "out_of_hours": "Outside business hours",
    "no_data": "no data",
}
COLUMNS = {
    "reference": "Reference",
    "created_at": "Created (UTC)",
    "category": "Category",
    "priority": "Priority",
    "window": "Window",
    "first_response_due": "First response due (UTC)",
    "first_response_at": "First response (UTC)",
    "response_minutes": "Response time (minutes)",
    "status": "Status",
}


@pytest.fixture
def report() -> SlaReport:
    return sla_report(TICKETS, start=START, end=END, now=NOW)


def svg_root(text: str) -> ET.Element:
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    return root


def bar_groups(root: ET.Element) -> dict[str, ET.Element]:
    """The chart's per-bar groups, by the text of their tooltip title."""
    return {
        group.findtext(f"{SVG}title"): group for group in root.iter(f"{SVG}g") if group.find(f"{SVG}title") is not None
    }


def parse_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


# --- the figures ----------------------------------------------------------


def test_the_fixture_is_what_the_shipped_policy_computes():
    """The hand-written windows and deadlines are real ones, and each ticket's state is the engine's."""
    policy = load_policy_set().default
    for facts in TICKETS:
        deadline = first_response_due(facts.created_at, facts.category, facts.priority, policy)
        assert (deadline.window, deadline.due) == (facts.window, facts.first_response_due), facts.reference
        assert facts.state(NOW) == response_state(deadline.due, facts.first_response_at, NOW)


def test_totals(report):
    # 16 tickets created in [START, END): T01-T13 (T10 exactly at START) and
    # G1-G3; O1 (before) and O2 (exactly at END) are out. 13 have a target.
    assert (report.start, report.end, report.now) == (START, END, NOW)
    assert report.total == 16
    assert report.with_target == 13
    # met: T01 T02 T06 T07 T10 T11; breached: T03 T04 T08 T12; pending: T05 T09 T13
    assert (report.met, report.breached, report.pending) == (6, 4, 3)
    assert report.compliance == 6 / 10


def test_every_row_in_the_fixed_order(report):
    assert report.rows == (
        ComplianceRow("high", "in_hours", tickets=3, met=2, breached=1, pending=0, compliance=2 / 3),
        ComplianceRow("high", "out_of_hours", tickets=2, met=0, breached=1, pending=1, compliance=0.0),
        ComplianceRow("average", "in_hours", tickets=2, met=2, breached=0, pending=0, compliance=1.0),
        ComplianceRow("average", "out_of_hours", tickets=3, met=1, breached=1, pending=1, compliance=0.5),
        ComplianceRow("low", "in_hours", tickets=2, met=1, breached=1, pending=0, compliance=0.5),
        ComplianceRow("low", "out_of_hours", tickets=1, met=0, breached=0, pending=1, compliance=None),
    )
    assert report.row("average", "out_of_hours").tickets == 3
    assert sum(row.tickets for row in report.rows) == report.with_target
    with pytest.raises(KeyError):
        report.row("urgent", "in_hours")


def test_median_and_p90_of_first_response(report):
    # Answered tickets with a target, minutes from creation:
    # T01 20, T02 60, T03 90, T06 45, T07 90, T08 1560, T10 430, T11 60
    # sorted: 20 45 60 60 90 90 430 1560 (n = 8; G1's 60 min has no target)
    # median = (60 + 90) / 2 = 75 min; p90 = rank ceil(0.9 * 8) = 8 -> 1560 min
    assert report.median_first_response == 75 * MINUTE
    assert report.p90_first_response == 1560 * MINUTE == dt.timedelta(hours=26)


def test_breaches_sorted_by_deadline(report):
    # Created T03 < T08 < T12 < T04 but due T03 (3 Mar 11:00) < T12 (4 Mar
    # 12:00) < T08 (4 Mar 17:00) < T04 (7 Mar 22:00).
    assert [facts.reference for facts in report.breaches] == ["T03", "T12", "T08", "T04"]
    assert all(isinstance(facts, TicketFacts) for facts in report.breaches)


@pytest.mark.parametrize(
    ("minutes", "median", "p90"),
    [
        ([7], 7, 7),  # rank ceil(0.9) = 1
        ([5, 1, 3], 3, 5),  # rank ceil(2.7) = 3
        (list(range(1, 11)), 5.5, 9),  # rank ceil(9.0) = 9, not 10
        (list(range(1, 12)), 6, 10),  # rank ceil(9.9) = 10
        (list(range(1, 21)), 10.5, 18),  # rank ceil(18.0) = 18
    ],
)
def test_nearest_rank_p90(minutes, median, p90):
    tickets = [
        TicketFacts(
            reference=f"R{index}",
            category="technical",
            priority="low",
            window="in_hours",
            created_at=START,
            first_response_due=START + dt.timedelta(hours=2),
            first_response_at=START + value * MINUTE,
            subject="",
        )
        for index, value in enumerate(minutes)
    ]
    result = sla_report(tickets, start=START, end=END, now=NOW)
    assert result.median_first_response == median * MINUTE
    assert result.p90_first_response == p90 * MINUTE


def test_pending_up_to_the_deadline_instant_then_breached():
    facts = ticket("P1", "2026-03-02 09:00", "high", "in_hours", "2026-03-02 10:00")
    assert facts.state(at("2026-03-02 10:00")) == "pending"
    assert facts.state(at("2026-03-02 10:00") + dt.timedelta(microseconds=1)) == "breached"
    late = ticket("P2", "2026-03-02 09:00", "high", "in_hours", "2026-03-02 10:00", "2026-03-02 10:01")
    # Answered late stays breached, whenever the report is made.
    assert late.state(at("2026-03-02 09:30")) == "breached"
    assert ticket("P3", "2026-03-02 09:00", category="general").state(NOW) == "no_target"


def test_empty_period():
    for tickets in ([], TICKETS):
        empty = sla_report(tickets, start=at("2025-01-01 00:00"), end=at("2025-02-01 00:00"), now=NOW)
        assert (empty.total, empty.with_target, empty.met, empty.breached, empty.pending) == (0, 0, 0, 0, 0)
        assert empty.compliance is None
        assert empty.median_first_response is None and empty.p90_first_response is None
        assert empty.breaches == ()
        assert [(row.priority, row.window) for row in empty.rows] == [
            ("high", "in_hours"), ("high", "out_of_hours"),
            ("average", "in_hours"), ("average", "out_of_hours"),
            ("low", "in_hours"), ("low", "out_of_hours"),
        ]  # fmt: skip
        assert all(
            (row.tickets, row.met, row.breached, row.pending, row.compliance) == (0, 0, 0, 0, None)
            for row in empty.rows
        )


def test_facts_normalise_to_utc_and_refuse_naive_instants():
    paris = dt.timezone(dt.timedelta(hours=1))
    facts = TicketFacts(
        reference="Z1",
        category="technical",
        priority="high",
        window="in_hours",
        created_at=dt.datetime(2026, 3, 2, 10, 0, tzinfo=paris),
        first_response_due=dt.datetime(2026, 3, 2, 11, 0, tzinfo=paris),
        first_response_at=None,
        subject="",
    )
    assert facts.created_at == at("2026-03-02 09:00") and facts.created_at.tzinfo is UTC
    assert facts.first_response_due.utcoffset() == dt.timedelta(0)
    with pytest.raises(ValueError, match="no UTC offset"):
        TicketFacts(
            reference="N1", category="general", priority=None, window=None,
            created_at=dt.datetime(2026, 3, 2, 9, 0), first_response_due=None, first_response_at=None, subject="",
        )  # fmt: skip
    with pytest.raises(ValueError, match="no UTC offset"):
        sla_report(TICKETS, start=START, end=END, now=dt.datetime(2026, 3, 9, 10, 0))
    with pytest.raises(ValueError, match="before it starts"):
        sla_report(TICKETS, start=END, end=START, now=NOW)


def test_from_ticket_reads_any_object_with_a_tickets_attributes():
    from helpcenter.tickets.models import Ticket

    values = {
        "category": "technical",
        "priority": "average",
        "window": "in_hours",
        "created_at": at("2026-03-04 08:00"),
        "first_response_due": at("2026-03-04 10:00"),
        "first_response_at": at("2026-03-04 08:45"),
        "subject": "Map is blank",
    }
    expected = TicketFacts(reference="HC-1", **values)
    assert TicketFacts.from_ticket(SimpleNamespace(reference="HC-1", status="open", **values)) == expected
    assert TicketFacts.from_ticket(Ticket(reference="HC-1", description="…", **values)) == expected
    assert TicketFacts.from_ticket(SimpleNamespace(reference=None, **values)).reference == ""
    # The report takes such objects directly too.
    assert sla_report([SimpleNamespace(reference="HC-1", **values)], start=START, end=END, now=NOW).met == 1


def test_the_module_imports_neither_flask_nor_sqlalchemy():
    helpcenter = Path(__file__).resolve().parents[1] / "helpcenter"
    for source in (
        helpcenter / "sla" / "reports.py",
        helpcenter / "staff" / "chart.py",
        helpcenter / "staff" / "export.py",
    ):
        modules = set()
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                modules.add(node.module or "")
        assert not {name for name in modules if name.split(".")[0] in {"flask", "flask_babel", "sqlalchemy"}}, source


@pytest.mark.parametrize(
    ("share", "shown", "english", "french"),
    [
        (0.0, 0.0, "0%", "0\u00a0%"),
        (0.25, 0.25, "25%", "25\u00a0%"),
        (2 / 3, 0.667, "66.7%", "66,7\u00a0%"),
        (1 / 3, 0.333, "33.3%", "33,3\u00a0%"),
        (1.0, 1.0, "100%", "100\u00a0%"),
        (0.9996, 0.999, "99.9%", "99,9\u00a0%"),
        (0.0004, 0.001, "0.1%", "0,1\u00a0%"),
    ],
)
def test_one_percent_format_never_rounds_to_all_or_nothing(app, share, shown, english, french):
    assert shown_share(share) == pytest.approx(shown)
    with app.test_request_context():
        with force_locale("en"):
            assert format_share(share) == english
        with force_locale("fr"):
            assert format_share(share).replace("\u202f", "\u00a0") == french


# --- the chart ------------------------------------------------------------


def test_chart_is_accessible_svg(report):
    text = sla_chart_svg(report, title="SLA compliance, week 10", labels=LABELS, percent=format_percent)
    root = svg_root(text)
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("viewBox") == "0 0 640 400"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root[0].tag == f"{SVG}title" and root[0].get("id") == title_id
    assert root[0].text == "SLA compliance, week 10"
    assert root[1].tag == f"{SVG}desc" and root[1].get("id") == desc_id
    assert root[1].text == (
        "High, In business hours: 66.7%; High, Outside business hours: 0%; "
        "Average, In business hours: 100%; Average, Outside business hours: 50%; "
        "Low, In business hours: 50%; Low, Outside business hours: no data."
    )


def test_chart_bars_axis_and_legend(report):
    root = svg_root(sla_chart_svg(report, title="SLA", labels=LABELS, percent=format_percent))
    texts = [element.text for element in root.iter(f"{SVG}text")]
    # Axis labels and the priority groups.
    for label in ("0%", "25%", "50%", "75%", "100%", "High", "Average", "Low"):
        assert label in texts
    # Legend: both windows and the meaning of the dash.
    assert {"In business hours", "Outside business hours", "–", "no data"} <= set(texts)

    gridlines = sorted(float(line.get("y1")) for line in root.iter(f"{SVG}line") if line.get("y1") == line.get("y2"))
    assert len(gridlines) == 5
    top, bottom = gridlines[0], gridlines[-1]
    assert [round(y - top, 6) for y in gridlines] == [round((bottom - top) * q / 4, 6) for q in range(5)]

    groups = bar_groups(root)
    assert len(groups) == 6
    expected = {
        ("High", "In business hours"): (2 / 3, "66.7%"),
        ("High", "Outside business hours"): (0.0, "0%"),
        ("Average", "In business hours"): (1.0, "100%"),
        ("Average", "Outside business hours"): (0.5, "50%"),
        ("Low", "In business hours"): (0.5, "50%"),
        ("Low", "Outside business hours"): (None, "–"),
    }
    pattern_ids = {pattern.get("id") for pattern in root.iter(f"{SVG}pattern")}
    assert len(pattern_ids) == 1
    hatch = f"url(#{pattern_ids.pop()})"
    for (priority, window), (share, written) in expected.items():
        group = groups[f"{priority}, {window}: {'no data' if share is None else written}"]
        assert [element.text for element in group.iter(f"{SVG}text")] == [written]
        bar = group.find(f"{SVG}rect")
        if share is None:
            assert bar is None
            continue
        y, height = float(bar.get("y")), float(bar.get("height"))
        assert y + height == pytest.approx(bottom)
        assert height == pytest.approx(share * (bottom - top), abs=0.01)
        # Windows differ by pattern, not colour alone.
        assert (bar.get("fill") == hatch) == (window == "Outside business hours")


def test_chart_has_no_inline_style(report):
    text = sla_chart_svg(report, title="SLA", labels=LABELS, percent=format_percent)
    root = svg_root(text)
    for element in root.iter():
        assert "style" not in element.attrib
        assert element.tag.rsplit("}", 1)[-1] != "style"
    assert "style" not in text


def test_chart_escapes_hostile_text(report):
    hostile = "<script>alert(1)</script>"
    labels = {**LABELS, "high": hostile, "no_data": 'n/a & "none"', "low": "Low\x00\x1b"}
    title = 'Tom & "Jerry" <b>'
    text = sla_chart_svg(report, title=title, labels=labels, percent=format_percent)
    assert "<script>" not in text and "<b>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    root = svg_root(text)
    assert not [element for element in root.iter() if element.tag.rsplit("}", 1)[-1] in {"script", "b"}]
    assert root[0].text == title
    assert root[1].text.startswith(f"{hostile}, In business hours: 66.7%;")
    assert 'Low, Outside business hours: n/a & "none".' in root[1].text
    assert hostile in [element.text for element in root.iter(f"{SVG}text")]


def test_chart_options_and_missing_labels(report):
    french = sla_chart_svg(
        report,
        title="Conformité",
        labels=LABELS,
        percent=lambda share: f"{share * 100:.1f}".replace(".", ",").removesuffix(",0") + "\u202f%",
        id_prefix="week-10",
    )
    root = svg_root(french)
    assert root.get("aria-labelledby") == "week-10-title week-10-desc"
    assert "66,7\u202f%" in [element.text for element in root.iter(f"{SVG}text")]
    with pytest.raises(ValueError, match="no_data"):
        sla_chart_svg(
            report, title="SLA", labels={key: LABELS[key] for key in LABELS if key != "no_data"}, percent=format_percent
        )
    with pytest.raises(ValueError, match="id_prefix"):
        sla_chart_svg(report, title="SLA", labels=LABELS, percent=format_percent, id_prefix='x" onload="alert(1)')


def test_chart_of_an_empty_period():
    empty = sla_report([], start=START, end=END, now=NOW)
    root = svg_root(sla_chart_svg(empty, title="Nothing yet", labels=LABELS, percent=format_percent))
    assert root.get("role") == "img"
    assert root[1].text.count("no data") == 6
    groups = bar_groups(root)
    assert len(groups) == 6
    assert all([element.text for element in group.iter(f"{SVG}text")] == ["–"] for group in groups.values())
    assert all(group.find(f"{SVG}rect") is None for group in groups.values())


# --- the CSV --------------------------------------------------------------


def test_csv_rows_and_headers():
    text = sla_csv(TICKETS, start=START, end=END, now=NOW, columns=COLUMNS)
    rows = parse_csv(text)
    assert rows[0] == list(COLUMNS.values())
    assert [row[0] for row in rows[1:]] == CREATION_ORDER
    by_reference = {row[0]: row for row in rows[1:]}
    assert by_reference["T08"] == [
        "T08", "2026-03-03T17:00:00Z", "technical", "average", "out_of_hours",
        "2026-03-04T17:00:00Z", "2026-03-04T19:00:00Z", "1560", "breached",
    ]  # fmt: skip
    assert by_reference["T02"][7:] == ["60", "met"]  # answered exactly at the deadline
    assert by_reference["T04"][6:] == ["", "", "breached"]
    assert by_reference["T05"][6:] == ["", "", "pending"]
    assert by_reference["G1"] == [
        "G1",
        "2026-03-02T11:00:00Z",
        "general",
        "",
        "",
        "",
        "2026-03-02T12:00:00Z",
        "60",
        "no_target",
    ]
    statuses = [row[8] for row in rows[1:]]
    assert (
        statuses.count("met"),
        statuses.count("breached"),
        statuses.count("pending"),
        statuses.count("no_target"),
    ) == (6, 4, 3, 3)
    # RFC 4180 line ends, and instants that read back as the same UTC instant.
    assert text.count("\r\n") == 17 and "\n" not in text.replace("\r\n", "")
    assert dt.datetime.fromisoformat(by_reference["T10"][1]) == START


def test_csv_columns_follow_the_mapping():
    text = sla_csv(TICKETS, start=START, end=END, now=NOW, columns={"status": "État", "reference": "Référence"})
    rows = parse_csv(text)
    assert rows[0] == ["État", "Référence"]
    assert rows[1] == ["met", "T10"]
    with pytest.raises(ValueError, match="token"):
        sla_csv(TICKETS, start=START, end=END, now=NOW, columns={**COLUMNS, "token": "Token"})


def test_csv_minutes_round_up_so_they_agree_with_the_status():
    late = ticket("L1", "2026-03-02 09:00", "high", "in_hours", "2026-03-02 10:00", "2026-03-02 10:00:30")
    row = parse_csv(sla_csv([late], start=START, end=END, now=NOW, columns=COLUMNS))[1]
    assert row[6:] == ["2026-03-02T10:00:30Z", "61", "breached"]


@pytest.mark.parametrize("start_char", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_neutralises_formulas(start_char):
    dangerous = f'{start_char}HYPERLINK("http://evil.example","x")'
    facts = ticket(dangerous, "2026-03-02 11:00", category=dangerous, subject=dangerous)
    columns = {"reference": "Reference", "category": "Category", "subject": f"{start_char}Subject"}
    rows = parse_csv(sla_csv([facts], start=START, end=END, now=NOW, columns=columns))
    assert rows == [["Reference", "Category", f"'{start_char}Subject"], [f"'{dangerous}"] * 3]


def test_csv_formula_example_and_awkward_text_round_trip():
    facts = ticket('=HYPERLINK("x")', "2026-03-02 11:00", category='=HYPERLINK("x")', subject='Says "hi", then\r\nbye')
    rows = parse_csv(
        sla_csv([facts], start=START, end=END, now=NOW, columns={"reference": "R", "category": "C", "subject": "S"})
    )
    assert rows[1] == ['\'=HYPERLINK("x")', '\'=HYPERLINK("x")', 'Says "hi", then\r\nbye']


def test_csv_of_an_empty_period():
    text = sla_csv(TICKETS, start=at("2025-01-01 00:00"), end=at("2025-02-01 00:00"), now=NOW, columns=COLUMNS)
    assert text == ",".join(COLUMNS.values()) + "\r\n"
    assert parse_csv(text) == [list(COLUMNS.values())]
