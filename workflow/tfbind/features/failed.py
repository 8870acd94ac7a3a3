"""The failed-pairs table (failed.tsv): one row per pair that could not be read or scored."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..io import write_tsv
from .schema import FAILED_COLUMNS


def write_failed(records: Iterable[dict], path: str | Path) -> None:
    """One row per record; every field is one line (a reason's runs of white space become one space,
    and control characters left in any field, e.g. a folder name with a newline, are escaped)."""
    frame = pd.DataFrame(list(records), columns=FAILED_COLUMNS).astype(str)
    frame["reason"] = frame["reason"].str.replace(r"[ \t\n\r\f\v]+", " ", regex=True)
    write_tsv(frame, path)


def read_failed(path: str | Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
