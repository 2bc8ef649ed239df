"""unique_inverse gives np.unique's labels and inverse, whichever path it takes."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customer_kanban._core import labels as labels_module
from customer_kanban._core.labels import unique_inverse

# Labels that share most of their characters, so that the characters telling the
# sample's labels apart often fail to tell an unseen label from a seen one.
WORDS = "|a|b|ab|ba|abc|abd|Standard|Stbndbrd|Expedite|é|日本|a\x00b|\x00"
TEXT = st.sampled_from(WORDS.split("|"))


def _same_as_numpy(values):
    got_labels, got_inverse = unique_inverse(values)
    labels, inverse = np.unique(values, return_inverse=True)
    assert got_labels.dtype == labels.dtype
    assert got_labels.tolist() == labels.tolist()
    assert got_inverse.dtype == np.intp
    assert got_inverse.tolist() == inverse.reshape(-1).tolist()


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(TEXT, max_size=60),
    sample=st.integers(1, 8),
    few=st.integers(1, 6),
    kind=st.sampled_from(["U", "S", "O"]),
)
def test_every_path_equals_np_unique(rows, sample, few, kind):
    # Tiny thresholds send small inputs down the paths meant for large ones.
    values = np.array(rows, dtype=str)
    if kind == "S":
        values = np.char.encode(values, "utf-8")
    elif kind == "O":
        values = values.astype(object)
    with (
        mock.patch.object(labels_module, "_SMALL", 0),
        mock.patch.object(labels_module, "_SAMPLE", sample),
        mock.patch.object(labels_module, "_FEW", few),
    ):
        _same_as_numpy(values)


@pytest.mark.parametrize("span", [4, 1 << 21])
def test_large_arrays_with_unseen_labels(span):
    rng = np.random.default_rng(1)
    names = np.array(["Expedite", "Fixed date", "Standard", "Intangible"])
    values = names[rng.integers(0, 4, 50_000)]
    values[rng.integers(0, values.size, 7)] = "Stbndbrd"  # the sample is unlikely to see it
    values[123] = "\U0010ffff" * 3  # the widest code points
    with mock.patch.object(labels_module, "_TABLE_SPAN", span):  # table, then bisection
        _same_as_numpy(values)
        _same_as_numpy(np.char.encode(values, "utf-8"))
        _same_as_numpy(values.astype(object))
        _same_as_numpy(values[::-3])  # not contiguous


def test_many_labels_and_other_objects_take_np_unique():
    ids = np.array([f"C{k:06d}" for k in range(40_000)])[::-1]
    _same_as_numpy(ids)
    _same_as_numpy(np.array([3, 1.5, 2] * 10_000, dtype=object))
    with pytest.raises(TypeError):
        unique_inverse(np.array(["a", 1] * 10_000, dtype=object))


def test_labels_told_apart_by_several_positions():
    # Two positions together tell these four apart, neither alone.
    pairs = np.array([a + b for a in "xy" for b in "pq"])
    _same_as_numpy(np.tile(pairs, 10_000))
    # Sixteen labels that only all four positions tell apart: more than a key can hold
    # for UCS-4 text (3 positions), so np.unique; UTF-8 bytes fit 7 positions.
    sixteen = np.array([a + b + c + d for a in "ab" for b in "cd" for c in "ef" for d in "gh"])
    _same_as_numpy(np.tile(sixteen, 2_000))
    _same_as_numpy(np.char.encode(np.tile(sixteen, 2_000), "utf-8"))
