"""Plain-text tables shared by the reviews' ``render()``."""

from __future__ import annotations

import math

__all__ = ["no_negative_zero", "number", "text_table", "with_change"]


def number(x: float | None, fmt: str = "{:.1f}") -> str:
    """`x` formatted; ``"-"`` for None or NaN, ``"inf"`` for an infinity."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, float) and math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return fmt.format(x)


def no_negative_zero(value: float, step: str) -> float:
    """`value`, as 0.0 when `step` would print it as "-0" (or "-0.0")."""
    return 0.0 if step.format(value).lstrip("+-").strip("0.,") == "" else value


def with_change(
    now: float | None, before: float | None, fmt: str, scale: float = 1.0, step: str = "{:+.0f}"
) -> str:
    """`now` formatted, with its change since `before` as "(+5)" when both are known."""
    text = number(now, fmt)
    if now is None or before is None or math.isnan(now) or math.isnan(before):
        return text
    diff = (now - before) * scale
    return f"{text} ({step.format(no_negative_zero(diff, step))})"


def text_table(columns: list[str], body: list[list[str]]) -> list[str]:
    """Header, rule and body lines: the first column left-aligned, the others right-aligned."""
    widths = [max(len(row[i]) for row in [columns, *body]) for i in range(len(columns))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=False)]
        return "  ".join([first, *rest]).rstrip()

    return [line(columns), line(["-" * w for w in widths]), *[line(b) for b in body]]
