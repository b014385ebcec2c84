"""The scaling chart: median wall time at 10, 100 and 1000 servers per tool, a plain SVG."""

from __future__ import annotations

import math

from environment import SIZES
from runner import Row, find_case, median_of

SERIES = [
    # (label, group, tool, colour, dashed)
    ("status, mcpdeck", "status", "mcpdeck", "#1f77b4", False),
    ("status, Codex", "status", "codex", "#1f77b4", True),
    ("list probing, mcpdeck", "list", "mcpdeck", "#d62728", False),
    ("list probing, Codex", "list", "codex", "#d62728", True),
    ("list offline, mcpdeck", "offline", "mcpdeck", "#2ca02c", False),
    ("list (no probes), Codex", "offline", "codex", "#2ca02c", True),
]


def chart_svg(rows: list[Row]) -> str:
    """Median wall time at 10, 100 and 1000 servers, both axes logarithmic; plain SVG."""
    width, height, left, right, top, bottom = 640, 360, 60, 190, 20, 40
    medians = [
        m * 1000
        for _, group, tool, _, _ in SERIES
        for n in SIZES
        if (m := median_of(find_case(rows, group, f"{n} ", tool))) is not None
    ]
    decades = 4 if medians and max(medians) > 10000 else 3
    lo, hi = 10.0, 10.0 ** (1 + decades)  # ms
    pw, ph = width - left - right, height - top - bottom

    def x(n: int) -> float:
        return left + pw * (math.log10(n) - 1) / 2

    def y(ms: float) -> float:
        ms = min(max(ms, lo), hi)
        return top + ph * (1 - (math.log10(ms) - 1) / decades)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    for ms in (10, 30, 100, 300, 1000, 3000, 10000, 30000, 100000):
        if ms > hi:
            break
        yy = y(ms)
        out.append(
            f'<line x1="{left}" y1="{yy:.1f}" x2="{left + pw}" y2="{yy:.1f}" stroke="#ddd"/>'
        )
        shown = f"{ms} ms" if ms < 1000 else f"{ms // 1000} s"
        out.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">{shown}</text>')
    for n in SIZES:
        out.append(
            f'<line x1="{x(n):.1f}" y1="{top}" x2="{x(n):.1f}" y2="{top + ph}" stroke="#ddd"/>'
        )
        out.append(f'<text x="{x(n):.1f}" y="{top + ph + 16}" text-anchor="middle">{n}</text>')
    out.append(
        f'<text x="{left + pw / 2:.1f}" y="{height - 6}" text-anchor="middle">servers in the config</text>'
    )
    legend_y = top + 10
    for label, group, tool, colour, dashed in SERIES:
        points = []
        for n in SIZES:
            case = find_case(rows, group, f"{n} ", tool)
            med = median_of(case)
            if med is not None:
                points.append((x(n), y(med * 1000)))
        if not points:
            continue
        dash = ' stroke-dasharray="5,4"' if dashed else ""
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        out.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        for px, py in points:
            out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>')
        lx = left + pw + 15
        out.append(
            f'<line x1="{lx}" y1="{legend_y}" x2="{lx + 24}" y2="{legend_y}" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        out.append(f'<text x="{lx + 30}" y="{legend_y + 4}">{label}</text>')
        legend_y += 18
    out.append("</svg>")
    return "\n".join(out) + "\n"
