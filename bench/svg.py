"""Grouped horizontal bar charts as standalone SVG text.

Written by hand instead of taking a plotting package: the suite then needs nothing beyond
Python's standard library (CI runs `bench/run --quick` on a fresh machine), and the SVG is
plain, deterministic text that diffs well when the committed results change.
"""

from xml.sax.saxutils import escape

PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1"]


def _fmt(value):
    if value is None:
        return "n/a"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def bar_chart(title, unit, groups, series, note=""):
    """One chart: for each group (a row label) one bar per series.

    groups: list of group labels; series: list of (name, [value or None per group]).
    Values are drawn to one linear scale starting at zero; None draws no bar ("n/a").
    """
    bar_h, gap, group_gap = 16, 3, 14
    label_w, chart_w, right_w = 230, 420, 90
    width = label_w + chart_w + right_w
    # Legend items flow left to right and wrap onto new rows.
    legend, x, y = [], 10, 36
    for i, (name, _) in enumerate(series):
        item_w = 24 + 7 * len(name)
        if x > 10 and x + item_w > width - 10:
            x, y = 10, y + 18
        legend.append((x, y, PALETTE[i % len(PALETTE)], name))
        x += item_w
    legend_h = y - 36 + 22
    top = 44 + legend_h
    group_h = len(series) * (bar_h + gap) + group_gap
    height = top + len(groups) * group_h + 30
    values = [v for _, vs in series for v in vs if v is not None]
    vmax = max(values) if values else 1.0
    vmax = vmax if vmax > 0 else 1.0
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="10" y="22" font-size="15" font-weight="bold">{escape(title)}</text>',
        f'<text x="{width - 10}" y="22" text-anchor="end" fill="#555">{escape(unit)}</text>',
    ]
    for x, y, colour, name in legend:
        out.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{x + 16}" y="{y + 10}">{escape(name)}</text>')
    for g, group in enumerate(groups):
        y0 = top + g * group_h
        mid = y0 + (len(series) * (bar_h + gap)) / 2
        out.append(f'<text x="{label_w - 8}" y="{mid + 4:.1f}" text-anchor="end">{escape(group)}</text>')
        for s, (name, vals) in enumerate(series):
            value = vals[g]
            y = y0 + s * (bar_h + gap)
            colour = PALETTE[s % len(PALETTE)]
            w = 0 if value is None else max(1.0, chart_w * value / vmax)
            if value is not None:
                out.append(
                    f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}">'
                    f"<title>{escape(name)}: {_fmt(value)} {escape(unit)}</title></rect>"
                )
            out.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 4}" fill="#333">{_fmt(value)}</text>')
    axis_y = top + len(groups) * group_h - group_gap + 4
    out.append(f'<line x1="{label_w}" y1="{top - 4}" x2="{label_w}" y2="{axis_y}" stroke="#888"/>')
    if note:
        out.append(f'<text x="10" y="{height - 10}" fill="#555" font-size="11">{escape(note)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
