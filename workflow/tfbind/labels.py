"""The labels table: measured Kd (and optionally a binder call and the TF's group) of labelled TF x domain
pairs, the targets of training and evaluation.

Its own module, not part of the pair plan: the plan says which runs to read, the labels what was measured.
Read when the workflow is parsed (``workflow/rules/common.smk``, so that a bad label stops the run at
start-up) and by the jobs that train, evaluate, calibrate and plot models.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .escape import escape_control
from .plan.ids import check_columns, check_id
from .ranges import parse_number

LABEL_COLUMNS = ["tf_id", "domain_id", "kd_nm", "binder", "tf_group"]


def _labels_text(path: Path) -> str:
    """The labels file as text: ``InputError`` naming the file (and the line of a byte that is not UTF-8) for
    a file that cannot be a labels table, so that the error is one line at start-up, not a traceback."""
    if not path.is_file():
        raise InputError(f"{path}: labels table not found")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{path} line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); save the table as "
                         "UTF-8") from None
    if not text.strip():
        raise InputError(f"{path}: empty labels table (expected a tab-separated header tf_id, domain_id, kd_nm "
                         "and one row per labelled pair)")
    return text


def read_labels(path: str | Path) -> pd.DataFrame:
    """Labels TSV: ``tf_id, domain_id, kd_nm``, optional ``binder`` (0/1) and ``tf_group`` (the TF's group,
    e.g. its gene, for grouped splits and folds); one row per pair.

    Read when the workflow is parsed (``workflow/rules/common.smk``) and again by each job that uses it: every
    problem is an ``InputError`` naming the file and, for a row, its line (line 1 is the header): bytes
    that are not UTF-8, an empty file or one without rows, a missing column, a kd_nm that is not a finite
    number > 0 (``tfbind.ranges``), a binder other than 0/1, a bad identifier, a pair labelled twice.
    """
    path = Path(path)
    text = _labels_text(path)
    try:
        table = pd.read_csv(io.StringIO(text), sep="\t", dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{path}: cannot read as a tab-separated table: {str(exc).strip()}") from None
    table.columns = [c.strip() for c in table.columns]
    missing = [c for c in ("tf_id", "domain_id", "kd_nm") if c not in table.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    check_columns(table.columns, LABEL_COLUMNS, str(path), "labels")
    if table.empty:
        raise InputError(f"{path}: the labels table has a header but no rows")
    # The strict number grammar of tfbind.ranges: "inf", "1e400" (overflows), "0_5" and "nan" are refused.
    kd = pd.Series([parse_number(v) for v in table["kd_nm"]], index=table.index, dtype=float)
    bad = table.index[~(kd > 0)]  # NaN (not a finite number) compares False
    if len(bad):
        i = int(bad[0])
        raise InputError(
            f"{path} line {i + 2}: kd_nm {escape_control(table.loc[i, 'kd_nm'])!r} is not a finite positive "
            f"number (tf_id {table.loc[i, 'tf_id']!r}, domain_id {table.loc[i, 'domain_id']!r})"
        )
    out = pd.DataFrame({"tf_id": table["tf_id"].str.strip(), "domain_id": table["domain_id"].str.strip(), "kd_nm": kd})
    if "binder" in table.columns:
        binder = table["binder"].str.strip()
        bad = table.index[~binder.isin(["0", "1"])]
        if len(bad):
            i = int(bad[0])
            raise InputError(f"{path} line {i + 2}: binder {table.loc[i, 'binder']!r} is not 0 or 1")
        out["binder"] = binder.astype(int)
    if "tf_group" in table.columns:
        out["tf_group"] = table["tf_group"].str.strip()
    for i, rec in enumerate(out.to_dict("records"), start=2):
        check_id(rec["tf_id"], "tf_id", f"{path} line {i}")
        check_id(rec["domain_id"], "domain_id", f"{path} line {i}")
    key = out["domain_id"] + "/" + out["tf_id"]
    again = np.flatnonzero(key.duplicated().to_numpy())
    if again.size:
        repeated = int(again[0])
        first = int(np.flatnonzero(key.to_numpy() == key.iat[repeated])[0])
        raise InputError(f"{path} line {repeated + 2}: tf_id {out['tf_id'].iat[repeated]!r}, domain_id "
                         f"{out['domain_id'].iat[repeated]!r} is labelled again (first on line {first + 2}): one "
                         "label per pair")
    return out
