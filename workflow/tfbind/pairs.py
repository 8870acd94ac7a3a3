"""Which TF x domain pairs to score, and where each pair's AlphaFold run lives.

Two sources:
* a pairs TSV (config ``pairs``) with columns ``pair_id, tf_id, domain_id, prediction`` and optional
  ``tf_chain, domain_chain, format``; relative ``prediction`` paths are resolved against
  ``predictions_dir`` (or the working directory when that is not set);
* discovery (no ``pairs`` key): every folder in ``predictions_dir`` named ``{domain_id}_and_{tf_id}``
  (AlphaPulldown's job naming). Folders that match no FASTA pair are returned as *unmatched* so the run
  reports them instead of dropping them silently.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import InputError
from .ids import check_id, check_unique
from .jobnames import split_job_name, unmatched_reason
from .sequences import SequenceRecord

FORMATS = ("alphafold2", "colabfold", "alphafold3")
PAIR_COLUMNS = ["pair_id", "tf_id", "domain_id", "prediction", "tf_chain", "domain_chain", "format"]
REQUIRED = ["pair_id", "tf_id", "domain_id", "prediction"]


@dataclass
class PairPlan:
    """The pairs to score (one row each, columns ``PAIR_COLUMNS``) and inputs that were not usable."""

    pairs: pd.DataFrame
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)


def _resolve(prediction: str, base: Path | None) -> str:
    p = Path(prediction)
    if not p.is_absolute() and base is not None:
        p = base / p
    return str(p)


def read_pairs_table(
    path: str | Path,
    tfs: dict[str, SequenceRecord],
    domains: dict[str, SequenceRecord],
    predictions_dir: str | Path | None = None,
) -> PairPlan:
    """Read and validate a pairs TSV; every error names the file, line and problem."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: pairs table not found")
    try:
        table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, comment=None)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read as a tab-separated table: {exc}") from exc
    table.columns = [c.strip() for c in table.columns]
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)} (found: {', '.join(table.columns)})")
    base = Path(predictions_dir) if predictions_dir else None
    rows = []
    for i, rec in enumerate(table.to_dict("records"), start=2):  # line 1 is the header
        where = f"{path} line {i}"
        pair_id = check_id(rec["pair_id"].strip(), "pair_id", where)
        tf_id = check_id(rec["tf_id"].strip(), "tf_id", where)
        domain_id = check_id(rec["domain_id"].strip(), "domain_id", where)
        if tf_id not in tfs:
            raise InputError(f"{where}: tf_id {tf_id!r} is not in the TF FASTA")
        if domain_id not in domains:
            raise InputError(f"{where}: domain_id {domain_id!r} is not in the domain FASTA")
        prediction = rec["prediction"].strip()
        if not prediction:
            raise InputError(f"{where}: empty prediction path for pair {pair_id}")
        fmt = rec.get("format", "").strip().lower()
        if fmt and fmt not in FORMATS:
            raise InputError(f"{where}: format {fmt!r} is not one of {', '.join(FORMATS)} (or empty = detect)")
        rows.append(
            {
                "pair_id": pair_id,
                "tf_id": tf_id,
                "domain_id": domain_id,
                "prediction": _resolve(prediction, base),
                "tf_chain": rec.get("tf_chain", "").strip(),
                "domain_chain": rec.get("domain_chain", "").strip(),
                "format": fmt,
            }
        )
    if not rows:
        raise InputError(f"{path}: the pairs table has no rows")
    check_unique([r["pair_id"] for r in rows], "pair_id", str(path))
    return PairPlan(pd.DataFrame(rows, columns=PAIR_COLUMNS))


def discover_pairs(
    predictions_dir: str | Path,
    tfs: dict[str, SequenceRecord],
    domains: dict[str, SequenceRecord],
) -> PairPlan:
    """One pair per folder ``{domain_id}_and_{tf_id}`` in ``predictions_dir`` (sorted by name).

    The split point is found by matching known domain IDs, so IDs that themselves contain ``_and_``
    still resolve; a name that fits several (domain, TF) splits is an error.
    """
    root = Path(predictions_dir)
    if not root.is_dir():
        raise InputError(f"{root}: predictions_dir not found (set 'pairs' or point 'predictions_dir' at the runs)")
    rows, unmatched = [], []
    with os.scandir(root) as entries:
        names = sorted(e.name for e in entries if e.is_dir() and not e.name.startswith("."))
    for name in names:
        job = split_job_name(name, tfs, domains, where=str(root / name))
        if job is None:
            unmatched.append((name, unmatched_reason(name, tfs, domains)))
            continue
        domain_id, tf_id = job
        rows.append(
            {
                "pair_id": check_id(name, "pair_id", str(root / name)),
                "tf_id": tf_id,
                "domain_id": domain_id,
                "prediction": str(root / name),
                "tf_chain": "",
                "domain_chain": "",
                "format": "",
            }
        )
    if not rows:
        raise InputError(
            f"{root}: no folder named {{domain_id}}_and_{{tf_id}} matches the FASTA records "
            f"({len(unmatched)} folders seen)"
        )
    return PairPlan(pd.DataFrame(rows, columns=PAIR_COLUMNS), unmatched)


def read_labels(path: str | Path) -> pd.DataFrame:
    """Labels TSV: ``tf_id, domain_id, kd_nm`` and optional ``binder`` (0/1); one row per pair."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: labels table not found")
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    table.columns = [c.strip() for c in table.columns]
    missing = [c for c in ("tf_id", "domain_id", "kd_nm") if c not in table.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    kd = pd.to_numeric(table["kd_nm"], errors="coerce")
    bad = table.index[~(kd > 0)]
    if len(bad):
        i = int(bad[0])
        raise InputError(f"{path} line {i + 2}: kd_nm {table.loc[i, 'kd_nm']!r} is not a positive number")
    out = pd.DataFrame({"tf_id": table["tf_id"].str.strip(), "domain_id": table["domain_id"].str.strip(), "kd_nm": kd})
    if "binder" in table.columns:
        binder = table["binder"].str.strip()
        bad = table.index[~binder.isin(["0", "1"])]
        if len(bad):
            i = int(bad[0])
            raise InputError(f"{path} line {i + 2}: binder {table.loc[i, 'binder']!r} is not 0 or 1")
        out["binder"] = binder.astype(int)
    for i, rec in enumerate(out.to_dict("records"), start=2):
        check_id(rec["tf_id"], "tf_id", f"{path} line {i}")
        check_id(rec["domain_id"], "domain_id", f"{path} line {i}")
    check_unique((out["domain_id"] + "/" + out["tf_id"]).tolist(), "(domain_id, tf_id) label", str(path))
    return out
