"""The failed-pairs table (failed.tsv): one row per pair that could not be read or scored."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..io import atomic_path
from .schema import FAILED_COLUMNS


def write_failed(records: Iterable[dict], path: str | Path) -> None:
    frame = pd.DataFrame(list(records), columns=FAILED_COLUMNS)
    # Reasons are one line each so the TSV stays one record per line.
    frame["reason"] = frame["reason"].astype(str).str.replace(r"\s+", " ", regex=True)
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, sep="\t", index=False)


def read_failed(path: str | Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
