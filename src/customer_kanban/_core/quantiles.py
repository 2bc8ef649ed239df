"""numpy's percentile formulas as array arithmetic, for many groups at once.

:func:`quantile_plan` gives, for group sizes ``n`` and probabilities ``p``, the
0-based positions and interpolation weights that ``numpy.percentile`` uses with
each ``method``; :func:`lerp` is numpy's monotone interpolation.  Callers sort or
partition each group's values and read them at these positions.
"""

from __future__ import annotations

import numpy as np

from customer_kanban._core.types import FloatArray, IntpArray

__all__ = ["lerp", "quantile_plan"]

# Hyndman & Fan (alpha, beta) of numpy's continuous methods.
_ALPHA_BETA = {
    "interpolated_inverted_cdf": (0.0, 1.0),
    "hazen": (0.5, 0.5),
    "weibull": (0.0, 0.0),
    "median_unbiased": (1 / 3.0, 1 / 3.0),
    "normal_unbiased": (3 / 8.0, 3 / 8.0),
}


def _discrete_index(n: FloatArray, p: FloatArray, method: str) -> IntpArray:
    """Index of the order statistic for numpy's discontinuous methods."""
    if method == "lower":
        return np.floor((n - 1) * p).astype(np.intp)
    if method == "higher":
        return np.ceil((n - 1) * p).astype(np.intp)
    if method == "nearest":
        return np.around((n - 1) * p).astype(np.intp)
    index = (n * p) - 1 if method == "inverted_cdf" else (n * p) - 1 - 0.5
    previous = np.floor(index)
    gamma = index - previous
    take_previous = gamma == 0
    if method == "closest_observation":
        take_previous &= np.floor(index) % 2 == 1
    out = np.where(take_previous, previous, previous + 1).astype(np.intp)
    out[out < 0] = 0
    return out


def _virtual_index(n: FloatArray, p: FloatArray, method: str) -> FloatArray:
    """numpy's real-valued position of each quantile (continuous methods)."""
    if method in ("linear", "midpoint"):
        linear = (n - 1) * p
        if method == "linear":
            return linear
        return 0.5 * (np.floor(linear) + np.ceil(linear))
    if method == "averaged_inverted_cdf":
        return (n * p) - 1
    alpha, beta = _ALPHA_BETA[method]
    out: FloatArray = n * p + (alpha + p * (1 - alpha - beta)) - 1
    return out


def quantile_plan(
    n: FloatArray, p: FloatArray, method: str
) -> tuple[IntpArray, IntpArray | None, FloatArray | None]:
    """Positions (0-based within each group) and weights, exactly as numpy computes them.

    Returns ``(previous, next, gamma)``; ``next`` and ``gamma`` are ``None`` for
    the discontinuous methods (the value at ``previous`` is the answer). Index
    ``-1`` means the group's last value.
    """
    if method in ("inverted_cdf", "closest_observation", "lower", "higher", "nearest"):
        idx = _discrete_index(n, p, method)
        np.minimum(idx, np.maximum(n - 1, 0).astype(np.intp), out=idx)
        return idx, None, None
    virtual = _virtual_index(n, p, method)
    previous = np.floor(virtual)
    nxt = previous + 1
    above = virtual >= n - 1
    previous[above] = -1
    nxt[above] = -1
    below = virtual < 0
    previous[below] = 0
    nxt[below] = 0
    gamma = virtual - previous.astype(np.intp)
    if method == "averaged_inverted_cdf":
        gamma = np.where(gamma == 0, 0.5, 1.0)
    elif method == "midpoint":
        gamma = np.where(virtual % 1 == 0, 0.0, 0.5)
    return previous.astype(np.intp), nxt.astype(np.intp), gamma


def lerp(a: FloatArray, b: FloatArray, t: FloatArray) -> FloatArray:
    """numpy's monotone linear interpolation (``numpy.lib._function_base_impl._lerp``)."""
    with np.errstate(invalid="ignore"):  # inf - inf is NaN, as in numpy
        diff = b - a
        out = a + diff * t
        np.subtract(b, diff * (1 - t), out=out, where=t >= 0.5)
    return out
