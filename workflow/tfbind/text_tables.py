"""Numbers as people read them: the one rounding of every text table (TSV) and workbook sheet the pipeline
writes for reading, and the workbook's sheet layout.

Why: a TSV of 0.8123456789012345 in 50 columns is unreadable and the digits past the fourth carry nothing
(AlphaFold's own confidences have two or three). The Parquet tables keep full precision; intermediate TSV
files that a later step reads back (``model_scores.tsv``, ``oof.tsv``) are not rounded.

:func:`round_for_reading`: floating-point columns to :data:`SIGNIFICANT` significant digits, Kd columns
(``kd_*_nm``) to :data:`KD_SIGNIFICANT`; integer columns, and float columns holding only whole numbers
(counts, lengths with a missing value), stay as they are; text (IDs) is never touched.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

SIGNIFICANT = 4
KD_SIGNIFICANT = 3
#: Dissociation constants in nM: ``kd_nm``, ``kd_pred_nm``, ``kd_pred_low_nm``, ...
KD_COLUMN = re.compile(r"^kd_.*nm$")
#: Widest workbook column, in characters (long paths and sequences are cut on screen, not in the cell).
MAX_WIDTH = 50


def significant(values: np.ndarray, digits: int) -> np.ndarray:
    """``values`` rounded to ``digits`` significant digits (NaN, inf and 0 as they are).

    Rounded as an integer times a power of ten (an exact division or multiplication by 10^k), so that the
    result is the double nearest the decimal: 0.1234 prints as 0.1234, not 0.12340000000000001."""
    x = np.asarray(values, dtype=float)
    out = x.copy()
    ok = np.isfinite(x) & (x != 0)
    if not ok.any():
        return out
    v = x[ok]
    decimals = digits - 1 - np.floor(np.log10(np.abs(v))).astype(int)
    res = np.empty_like(v)
    pos = decimals >= 0
    scale = 10.0 ** decimals[pos]
    res[pos] = _half_up(v[pos] * scale) / scale
    scale = 10.0 ** (-decimals[~pos])
    res[~pos] = _half_up(v[~pos] / scale) * scale
    out[ok] = res
    return out


def _half_up(x: np.ndarray) -> np.ndarray:
    """Round to whole numbers, halves away from zero (np.round takes a half to the even neighbour)."""
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def digits_of(column: str) -> int:
    """Significant digits of a column: Kd in nM 3, everything else 4."""
    return KD_SIGNIFICANT if KD_COLUMN.match(str(column)) else SIGNIFICANT


def whole(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return bool(np.all(finite == np.round(finite)))


def rounded(column: str, values: np.ndarray) -> np.ndarray | None:
    """The float ``values`` of ``column`` rounded for reading, or None where they stay as they are (a column
    of whole numbers: a count or length with a missing value, float only to hold NaN)."""
    if whole(values):
        return None
    return significant(values, digits_of(column))


def round_for_reading(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with its numbers rounded for reading (module doc). Used by every text output."""
    out = frame.copy()
    for column in out.columns:
        if not pd.api.types.is_float_dtype(out[column].dtype):
            continue  # integers, booleans, text and IDs as they are
        values = rounded(column, out[column].to_numpy(dtype=float))
        if values is not None:
            out[column] = values
    return out


def tsv_cells(name: str, array):
    """One column of a record batch as the TSV cells that pandas' ``to_csv`` writes after
    :func:`round_for_reading` and :func:`tfbind.io.escape_frame` (missing values empty), built with Arrow's
    compute kernels: pandas' float formatting took 10 of the 20 seconds per 10^5 pairs."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from .escape import NEEDS_ESCAPE_PATTERN, escape_cell

    kind = array.type
    text_kind = pa.types.is_string(kind) or pa.types.is_large_string(kind)
    if pa.types.is_floating(kind):
        values = array.to_numpy(zero_copy_only=False).astype(float)
        values = rounded(name, values)
        if values is not None:
            array = pa.array(values, from_pandas=True)  # NaN -> null: an empty cell
        else:
            array = pc.if_else(pc.is_nan(array), pa.scalar(None, kind), array)
    elif pa.types.is_boolean(kind):
        array = pc.if_else(array, "True", "False")
    elif not (pa.types.is_integer(kind) or text_kind):
        raise TypeError(f"column {name!r}: no text form for Arrow type {kind}")
    text = pc.cast(array, pa.string())
    if text_kind:
        # the escape rules (tfbind.escape) on the rare cells that need them, then the csv quoting pandas gives
        # a cell with a quote character
        hit = pc.fill_null(pc.match_substring_regex(text, NEEDS_ESCAPE_PATTERN), False)
        if pc.any(hit).as_py():
            cells = text.to_pylist()
            for i in np.flatnonzero(hit.to_numpy(zero_copy_only=False)):
                cells[i] = escape_cell(cells[i])
            text = pa.array(cells, type=pa.string())
        quoted = pc.fill_null(pc.match_substring(text, '"'), False)
        if pc.any(quoted).as_py():
            wrapped = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
            text = pc.if_else(quoted, wrapped, text)
    return pc.fill_null(text, "")


__all__ = ["KD_COLUMN", "KD_SIGNIFICANT", "MAX_WIDTH", "SIGNIFICANT", "digits_of", "round_for_reading", "rounded",
           "significant", "tsv_cells", "whole"]
