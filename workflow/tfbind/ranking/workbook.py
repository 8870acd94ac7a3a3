"""The layout of a workbook sheet written from a table (openpyxl): column widths fitted to the contents, number
formats that show the rounding of :mod:`tfbind.text_tables`, the header frozen. Apart from text_tables so that the
modules writing TSVs (tfbind.io) do not reach openpyxl, which only the ranking's environment has."""

from __future__ import annotations

import pandas as pd

from ..text_tables import KD_COLUMN, MAX_WIDTH, whole


def number_format(column: str, values: pd.Series) -> str | None:
    """The Excel number format of a column: whole numbers ``0``, Kd in nM with thousands separators, other
    numbers up to four decimals (their rounding keeps four significant digits); None for text."""
    if pd.api.types.is_bool_dtype(values.dtype) or not pd.api.types.is_numeric_dtype(values.dtype):
        return None
    if pd.api.types.is_integer_dtype(values.dtype) or whole(values.to_numpy(dtype=float)):
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


__all__ = ["column_width", "format_sheet", "number_format"]
