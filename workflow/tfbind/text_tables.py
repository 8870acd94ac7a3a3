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
from pathlib import Path

import numpy as np
import pandas as pd

SIGNIFICANT = 4
KD_SIGNIFICANT = 3
#: Dissociation constants in nM: ``kd_nm``, ``kd_pred_nm``, ``kd_pred_low_nm``, ...
KD_COLUMN = re.compile(r"^kd_.*nm$")
#: Widest workbook column, in characters (long paths and sequences are cut on screen, not in the cell).
MAX_WIDTH = 50
#: Rows per batch when a Parquet table is written as TSV (one row group of a merged table).
TSV_BATCH_ROWS = 65_536


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
    res[pos] = np.round(v[pos] * scale) / scale
    scale = 10.0 ** (-decimals[~pos])
    res[~pos] = np.round(v[~pos] / scale) * scale
    out[ok] = res
    return out


def digits_of(column: str) -> int:
    """Significant digits of a column: Kd in nM 3, everything else 4."""
    return KD_SIGNIFICANT if KD_COLUMN.match(str(column)) else SIGNIFICANT


def _whole(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return bool(np.all(finite == np.round(finite)))


def round_for_reading(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with its numbers rounded for reading (module doc). Used by every text output."""
    out = frame.copy()
    for column in out.columns:
        if not pd.api.types.is_float_dtype(out[column].dtype):
            continue  # integers, booleans, text and IDs as they are
        values = out[column].to_numpy(dtype=float)
        if _whole(values):
            continue  # a count or length with a missing value (float only to hold NaN)
        out[column] = significant(values, digits_of(column))
    return out


def parquet_to_tsv(parquet: str | Path, tsv: str | Path, batch_rows: int = TSV_BATCH_ROWS) -> int:
    """The Parquet table ``parquet`` as a TSV file (every column; numbers :func:`round_for_reading`, text by
    the escape rules of :func:`tfbind.io.escape_frame`), streamed ``batch_rows`` rows at a time, so memory
    does not grow with the table (10^6 pairs). Written atomically; returns the row count."""
    import pyarrow.parquet as pq

    from .io import atomic_path, escape_frame

    source = pq.ParquetFile(parquet)
    n = 0
    with atomic_path(tsv) as tmp, open(tmp, "w", encoding="utf-8", newline="") as handle:
        # header even for an empty table
        escape_frame(pd.DataFrame(columns=source.schema_arrow.names)).to_csv(handle, sep="\t", index=False)
        for batch in source.iter_batches(batch_size=batch_rows, use_threads=False):
            frame = escape_frame(round_for_reading(batch.to_pandas()))
            frame.to_csv(handle, sep="\t", index=False, header=False, na_rep="")
            n += len(frame)
    return n


def number_format(column: str, values: pd.Series) -> str | None:
    """The Excel number format of a column: whole numbers ``0``, Kd in nM with thousands separators, other
    numbers up to four decimals (their rounding keeps four significant digits); None for text."""
    if pd.api.types.is_bool_dtype(values.dtype) or not pd.api.types.is_numeric_dtype(values.dtype):
        return None
    if pd.api.types.is_integer_dtype(values.dtype) or _whole(values.to_numpy(dtype=float)):
        return "0"
    if KD_COLUMN.match(str(column)):
        return "#,##0.0##"
    return "0.0###"


def column_width(column: str, values: pd.Series) -> float:
    """Characters wide enough for the header and the longest shown value, at most :data:`MAX_WIDTH`."""
    longest = values.astype(str).str.len().max() if len(values) else 0
    longest = 0 if pd.isna(longest) else int(longest)
    return float(min(MAX_WIDTH, max(len(str(column)), longest, 4) + 2))


def format_sheet(sheet, frame: pd.DataFrame, freeze: str = "A2") -> None:
    """Lay out an openpyxl worksheet written from ``frame`` (header in row 1): column widths fitted to the
    contents (capped), number formats per column, header frozen (``freeze``: the first cell that scrolls),
    an auto filter on the header."""
    from openpyxl.utils import get_column_letter

    sheet.freeze_panes = freeze
    if len(frame.columns):
        sheet.auto_filter.ref = sheet.dimensions
    for j, column in enumerate(frame.columns, start=1):
        letter = get_column_letter(j)
        sheet.column_dimensions[letter].width = column_width(column, frame[column])
        fmt = number_format(column, frame[column])
        if fmt is None:
            continue
        for (cell,) in sheet.iter_rows(min_row=2, max_row=len(frame) + 1, min_col=j, max_col=j):
            cell.number_format = fmt


__all__ = ["KD_SIGNIFICANT", "SIGNIFICANT", "column_width", "digits_of", "format_sheet", "number_format",
           "parquet_to_tsv", "round_for_reading", "significant"]
