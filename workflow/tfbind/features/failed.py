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


def write_failed(records: Iterable[dict], path: str | Path) -> None:
    """One row per record; every field is one line (a reason's runs of white space become one space,
    and control characters left in any field, e.g. a folder name with a newline, are escaped)."""
    frame = pd.DataFrame(list(records), columns=FAILED_COLUMNS).astype(str)
    frame["reason"] = frame["reason"].str.replace(r"[ \t\n\r\f\v]+", " ", regex=True)
    write_tsv(frame, path)


def read_failed(path: str | Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


def write_warnings(records: Iterable[dict], path: str | Path) -> None:
    """warnings.tsv: one row per note, each field one line (as ``write_failed``)."""
    frame = pd.DataFrame(list(records), columns=WARNING_COLUMNS).astype(str)
    frame["note"] = frame["note"].str.replace(r"[ \t\n\r\f\v]+", " ", regex=True)
    write_tsv(frame, path)


def merge_warnings(parts: Iterable[str | Path], path: str | Path) -> int:
    """Concatenate the shards' warnings tables into ``path``; return the row count."""
    frames = [read_failed(p) for p in parts]
    records = pd.concat(frames, ignore_index=True).to_dict("records") if frames else []
    write_warnings(records, path)
    return len(records)
