"""The failed-pairs table (failed.tsv): one row per pair that could not be read or scored; and the
warnings table (warnings.tsv): one row per note on a pair that was scored from part of its files or with
a repair (``pair_id, stage, note``)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..io import write_tsv
from .schema import FAILED_COLUMNS

WARNING_COLUMNS = ["pair_id", "stage", "note"]


def _write_one_line_rows(records: Iterable[dict], columns: list[str], text: str, path: str | Path) -> None:
    """One row per record, every field one line: the ``text`` column's runs of white space become one
    space, and control characters left in any field (e.g. a folder name with a newline) are escaped by
    ``write_tsv``."""
    frame = pd.DataFrame(list(records), columns=columns).astype(str)
    frame[text] = frame[text].str.replace(r"[ \t\n\r\f\v]+", " ", regex=True)
    write_tsv(frame, path)


def write_failed(records: Iterable[dict], path: str | Path) -> None:
    """failed.tsv: one row per record (``pair_id, stage, reason``), each field one line."""
    _write_one_line_rows(records, FAILED_COLUMNS, "reason", path)


def read_failed(path: str | Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


def write_warnings(records: Iterable[dict], path: str | Path) -> None:
    """warnings.tsv: one row per note (``pair_id, stage, note``), each field one line."""
    _write_one_line_rows(records, WARNING_COLUMNS, "note", path)


def merge_warnings(parts: Iterable[str | Path], path: str | Path) -> int:
    """Concatenate the shards' warnings tables into ``path``; return the row count."""
    frames = [read_failed(p) for p in parts]
    records = pd.concat(frames, ignore_index=True).to_dict("records") if frames else []
    write_warnings(records, path)
    return len(records)
