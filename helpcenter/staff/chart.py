"""The SLA report's chart: compliance per priority and window as an accessible SVG.

Pure Python: it takes the report's figures and the words already in the
reader's language, and returns SVG text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from xml.sax.saxutils import escape, quoteattr

from helpcenter.sla import IN_HOURS, OUT_OF_HOURS, PRIORITIES
from helpcenter.sla.reports import WINDOWS, ComplianceRow, SlaReport

CHART_LABEL_KEYS = (*PRIORITIES, *WINDOWS, "no_data")
NO_DATA_MARK = "\u2013"
# Characters XML 1.0 cannot carry at all, even escaped: a label holding one
# would make the whole chart unparsable.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")

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
    percent: Callable[[float], str],
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
    formats a share for the reader's locale (the same function as the
    page's tables, so that both read alike). All text is XML-escaped; no
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

    summary = "; ".join(f"{labels[row.priority]}, {labels[row.window]}: {value_text(row)}" for row in report.rows)
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
        parts.append(f'<line x1="{_LEFT}" y1="{y}" x2="{_RIGHT}" y2="{y}" stroke="{stroke}" stroke-width="1"/>')
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
