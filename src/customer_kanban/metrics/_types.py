"""Array type aliases shared by the metrics modules."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
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
