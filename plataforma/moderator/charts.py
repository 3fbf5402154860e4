"""A viewers-over-time line chart as plain SVG numbers (rendered by a template: no script, no inline style)."""

from __future__ import annotations

WIDTH, HEIGHT = 720, 220
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 28, 12, 28
MAX_X_LABELS = 8


def _nice_top(value: int) -> int:
    """The smallest of 1, 2, 5 x 10^n at or above ``value`` (at least 1)."""
    top = 1
    while True:
        for step in (1, 2, 5):
            if step * top >= value:
                return step * top
        top *= 10


def viewers_chart(timeline: list[dict]) -> dict | None:
    """Points, axes and labels of the peak-concurrent-viewers line, or None without data."""
    if not timeline:
        return None
    top = _nice_top(max(bucket["peak_concurrent"] for bucket in timeline))
    inner_w, inner_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM
    step = inner_w / max(len(timeline) - 1, 1)

    def y(value: float) -> float:
        return round(PAD_TOP + inner_h - value / top * inner_h, 1)

    points = [(round(PAD_LEFT + i * step, 1), y(bucket["peak_concurrent"])) for i, bucket in enumerate(timeline)]
    every = max(1, -(-len(timeline) // MAX_X_LABELS))
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": PAD_LEFT,
        "right": WIDTH - PAD_RIGHT,
        "bottom": PAD_TOP + inner_h,
        "points": " ".join(f"{x},{py}" for x, py in points),
        "area": f"{PAD_LEFT},{PAD_TOP + inner_h} "
        + " ".join(f"{x},{py}" for x, py in points)
        + f" {points[-1][0]},{PAD_TOP + inner_h}",
        "dots": [{"x": x, "y": py, "bucket": b} for (x, py), b in zip(points, timeline, strict=True)],
        "y_ticks": [{"y": y(value), "label": value} for value in (0, top // 2, top) if value or value == 0],
        "x_labels": [{"x": points[i][0], "start": timeline[i]["start"]} for i in range(0, len(timeline), every)],
    }
