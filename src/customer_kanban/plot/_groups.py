"""Which group of a grouped result a chart draws."""

from __future__ import annotations

from typing import Any

import numpy as np

from customer_kanban.errors import ValidationError
from customer_kanban.plot._flow import _group_index

__all__ = ["group_index"]


def group_index(groups: Any, group: object) -> int:
    """Position of `group` among the result's groups (the only one when omitted).

    Raises
    ------
    customer_kanban.errors.ValidationError
        If the result has no group, `group` is omitted among several, or is not one.

    Examples
    --------
    >>> group_index(["a", "b"], "b")
    1
    """
    if np.asarray(groups).size == 0:
        raise ValidationError("the result has no group to draw")
    return _group_index(groups, group)
