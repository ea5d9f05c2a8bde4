"""Tiny inline-SVG charts for the self-contained report (no scripts, no external files)."""
from __future__ import annotations

from html import escape


def bar_chart(values: dict[str, float], width: int = 520, bar: int = 22, color: str = "#4a78b5") -> str:
    """Horizontal bars, one per key."""
    if not values:
        return "<p>No data.</p>"
    top = max(values.values()) or 1
    rows = []
    for i, (name, value) in enumerate(values.items()):
        w = int((width - 190) * value / top)
        y = i * (bar + 6)
        rows.append(f'<text x="0" y="{y + bar - 6}" font-size="12">{escape(str(name))}</text>'
                    f'<rect x="170" y="{y}" width="{w}" height="{bar}" fill="{color}"/>'
                    f'<text x="{175 + w}" y="{y + bar - 6}" font-size="12">{value:g}</text>')
    height = len(values) * (bar + 6)
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 50}" height="{height}" role="img">{"".join(rows)}</svg>'


def line_chart(points: list[tuple[str, float, float]], label: str, width: int = 420, height: int = 150, lo: float = 0, hi: float = 5) -> str:
    """A line through (x label, x, y) points, x scaled to the width (e.g. days), y from lo (bottom) to hi (top);
    used for strength grades over time."""
    if not points:
        return ""
    first, last = min(p[1] for p in points), max(p[1] for p in points)
    span = (last - first) or 1
    def xy(x, v):
        return 40 + (x - first) / span * (width - 80), 10 + (hi - v) / (hi - lo) * (height - 40)
    coords = [xy(x, v) for _, x, v in points]
    path = " ".join(f"{x:.0f},{y:.0f}" for x, y in coords)
    grid = "".join(f'<line x1="35" x2="{width - 10}" y1="{xy(first, g)[1]:.0f}" y2="{xy(first, g)[1]:.0f}" stroke="#ddd"/>'
                   f'<text x="5" y="{xy(first, g)[1] + 4:.0f}" font-size="10">{g}/5</text>' for g in range(int(lo), int(hi) + 1))
    dots = "".join(f'<circle cx="{x:.0f}" cy="{y:.0f}" r="4" fill="#c0392b"><title>{escape(str(t))}: {v:.2g}</title></circle>'
                   f'<text x="{x - 14:.0f}" y="{height - 8}" font-size="10">{escape(str(t))}</text>'
                   for (x, y), (t, _, v) in zip(coords, points))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" aria-label="{escape(label)}">'
            f'{grid}<polyline points="{path}" fill="none" stroke="#c0392b" stroke-width="2"/>{dots}</svg>')
