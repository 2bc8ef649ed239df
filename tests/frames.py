"""The same hand-built numpy columns as a pandas, polars or pyarrow table.

Columns named in `coded` become categorical (pandas ``category``, polars ``Categorical``
or any dtype ``dtype(name)`` gives, Arrow ``dictionary``); ``datetime64`` columns, taken as
UTC, get a time zone (the instants stay the same); ``None`` in object columns and ``NaT``
become the library's nulls.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def pandas_frame(columns, coded=(), zone="Europe/Rome"):
    frame = pd.DataFrame(columns)
    for name in frame.columns:
        if frame[name].dtype.kind == "M":
            frame[name] = frame[name].dt.tz_localize("UTC").dt.tz_convert(zone)
        elif name in coded:
            frame[name] = frame[name].astype("category")
    return frame


def polars_frame(columns, coded=(), zone="America/New_York", dtype=None):
    pl = pytest.importorskip("polars")
    dtype = (lambda name: pl.Categorical) if dtype is None else dtype
    frame = pl.DataFrame({k: _listed(v) for k, v in columns.items()})
    zoned = [k for k, v in columns.items() if v.dtype.kind == "M"]
    return frame.with_columns(
        *[pl.col(k).dt.replace_time_zone("UTC").dt.convert_time_zone(zone) for k in zoned],
        *[pl.col(k).cast(dtype(k)) for k in coded],
    )


def arrow_table(columns, coded=(), zone="Asia/Tokyo", chunked=False):
    pa = pytest.importorskip("pyarrow")
    arrays = {}
    for k, v in columns.items():
        if v.dtype.kind == "M":
            array = pa.array(v.astype("datetime64[us]"), from_pandas=True)
            array = array.cast(pa.timestamp("us", zone))
        else:
            array = pa.array(_listed(v), from_pandas=True)
            if k in coded:
                array = array.dictionary_encode()
        halves = [array[:2], array[2:]] if chunked else [array]
        arrays[k] = pa.chunked_array(halves, type=array.type)
    return pa.table(arrays)


def _listed(values):
    """Object columns as lists (None stays None); numpy columns as they are."""
    return values.tolist() if values.dtype == object else values


MAKERS = {"pandas": pandas_frame, "polars": polars_frame, "pyarrow": arrow_table}


def objects(*values):
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def instants(*texts):
    nat = np.datetime64("NaT", "ns")
    return np.array([nat if t is None else np.datetime64(t, "ns") for t in texts])
