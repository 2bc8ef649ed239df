"""Plain-text tables shared by the reviews' ``render()``."""

from __future__ import annotations

__all__ = ["text_table"]


def text_table(columns: list[str], body: list[list[str]]) -> list[str]:
    """Header, rule and body lines: the first column left-aligned, the others right-aligned."""
    widths = [max(len(row[i]) for row in [columns, *body]) for i in range(len(columns))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=False)]
        return "  ".join([first, *rest]).rstrip()

    return [line(columns), line(["-" * w for w in widths]), *[line(b) for b in body]]
