"""Array type aliases shared by the metrics modules."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

__all__ = [
    "EQ",
    "EQ_NAN",
    "BoolArray",
    "FloatArray",
    "InstantArray",
    "Int64Array",
    "IntpArray",
    "LabelArray",
]

FloatArray = npt.NDArray[np.float64]
Int64Array = npt.NDArray[np.int64]
IntpArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
InstantArray = npt.NDArray[np.datetime64]
LabelArray = npt.NDArray[Any]


def _equal_nan(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> bool:
    return bool(np.array_equal(a, b, equal_nan=True))


#: attrs comparison of array fields: equal arrays (``EQ_NAN``: NaN equal to NaN).
EQ = attrs.cmp_using(eq=np.array_equal)
EQ_NAN = attrs.cmp_using(eq=_equal_nan)
