"""Standard JSON output for the command line: NaN as null, infinities as strings."""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["dumps"]


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def dumps(data: Any) -> str:
    """`data` as indented, standard JSON (never ``NaN`` or ``Infinity``)."""
    return json.dumps(_clean(data), indent=2, allow_nan=False)
