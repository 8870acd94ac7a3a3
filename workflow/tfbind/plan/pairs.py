"""Which TF x domain pairs to score, and where each pair's AlphaFold run lives.

Two sources:
* a pairs TSV (config ``pairs``) with columns ``pair_id, tf_id, domain_id, prediction`` and optional
  ``tf_chain, domain_chain, format``; relative ``prediction`` paths are resolved against
  ``predictions_dir`` (or the working directory when that is not set);
* discovery (no ``pairs`` key, ``tfbind.plan.discovery``): every job in ``predictions_dir`` named
  ``{domain_id}_and_{tf_id}`` (AlphaPulldown's job naming, also as AlphaFold Server, AlphaFold3 and
  ColabFold rewrite it), in run folders, shared (batch) folders and zip archives. Entries that match no
  FASTA pair are returned as *unmatched* so the run reports them instead of dropping them silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..escape import CONTROL_PATTERN, escape_control
from .ids import ID_PATTERN, MAX_ID_LENGTH, MAX_JOB_LENGTH, check_columns, check_id, check_unique
from .sequences import SequenceRecord

FORMATS = ("alphafold2", "colabfold", "alphafold3")
PAIR_COLUMNS = ["pair_id", "tf_id", "domain_id", "prediction", "tf_chain", "domain_chain", "format"]
REQUIRED = ["pair_id", "tf_id", "domain_id", "prediction"]
# A shard manifest also carries what extraction needs from the FASTA files, so that a job depends on its
# own pairs only: adding tiles to the FASTA and pairs to the table leaves unchanged shards up to date.
MANIFEST_SEQUENCE_COLUMNS = ["domain_category", "tf_sequence", "domain_sequence", "tf_group"]
MANIFEST_COLUMNS = PAIR_COLUMNS + MANIFEST_SEQUENCE_COLUMNS


def with_sequences(
    pairs: pd.DataFrame, tfs: dict[str, SequenceRecord], domains: dict[str, SequenceRecord]
) -> pd.DataFrame:
    """``pairs`` plus the domain category, both sequences and the TF's group of every pair
    (``MANIFEST_COLUMNS``)."""
    out = pairs[PAIR_COLUMNS].copy()
    out["domain_category"] = out["domain_id"].map({k: r.category for k, r in domains.items()})
    out["tf_sequence"] = out["tf_id"].map({k: r.sequence for k, r in tfs.items()})
    out["domain_sequence"] = out["domain_id"].map({k: r.sequence for k, r in domains.items()})
    out["tf_group"] = out["tf_id"].map({k: r.group for k, r in tfs.items()})
    return out


def records_from_manifest(manifest: pd.DataFrame) -> tuple[dict[str, SequenceRecord], dict[str, SequenceRecord]]:
    """The TF and domain records of a shard manifest (the inverse of ``with_sequences``)."""
    groups = manifest["tf_group"] if "tf_group" in manifest.columns else [""] * len(manifest)  # older plans
    tfs = {t: SequenceRecord(t, s, t, g) for t, s, g in zip(manifest["tf_id"], manifest["tf_sequence"], groups)}
    domains = {
        d: SequenceRecord(d, s, c)
        for d, s, c in zip(manifest["domain_id"], manifest["domain_sequence"], manifest["domain_category"])
    }
    return tfs, domains


@dataclass
class PairPlan:
    """The pairs to score (one row each, columns ``PAIR_COLUMNS``) and inputs that were not usable."""

    pairs: pd.DataFrame
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)
    # zip archives the pairs are read from: extraction folder name (under results/archives) -> zip path
    archives: dict[str, str] = field(default_factory=dict)
    # lines for the user about how the plan was made (printed when the workflow is parsed)
    notes: list[str] = field(default_factory=list)


def _check_no_control(table: pd.DataFrame, path: Path) -> None:
    """``InputError`` naming the line and column of the first cell holding a control character (a
    quoted cell can hold a tab or a newline, which would break the shard manifests and failed.tsv)."""
    for column in table.columns:
        row = _first_bad(table[column].str.contains(CONTROL_PATTERN, regex=True))
        if row is not None:
            raise InputError(
                f"{path} line {row + 2}: {column} {escape_control(table[column].iat[row])!r} holds a control "
                "character (tab, newline, ...)"
            )


def _first_bad(mask: pd.Series) -> int | None:
    """Row position of the first True in ``mask`` (None when there is none)."""
    bad = np.asarray(mask).nonzero()[0]
    return int(bad[0]) if bad.size else None


def read_pairs_table(
    path: str | Path,
    tfs: dict[str, SequenceRecord],
    domains: dict[str, SequenceRecord],
    predictions_dir: str | Path | None = None,
) -> PairPlan:
    """Read and validate a pairs TSV; every error names the file, line and problem.

    Validation is column-wise (a screen of 10^5 pairs is read when the workflow is parsed); the first
    offending line is reported.
    """
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
    check_columns(table.columns, PAIR_COLUMNS, str(path), "pairs table")
    if table.empty:
        raise InputError(f"{path}: the pairs table has no rows")
    _check_no_control(table, path)
    out = pd.DataFrame({c: table[c].str.strip() if c in table.columns else "" for c in PAIR_COLUMNS})
    out["format"] = out["format"].str.lower()

    def line(row: int) -> str:
        return f"{path} line {row + 2}"  # line 1 is the header

    for column, longest in (("pair_id", MAX_JOB_LENGTH), ("tf_id", MAX_ID_LENGTH), ("domain_id", MAX_ID_LENGTH)):
        row = _first_bad(~out[column].str.fullmatch(ID_PATTERN.pattern) | out[column].isin([".", ".."])
                         | (out[column].str.len() > longest))
        if row is not None:
            check_id(out[column].iat[row], column, line(row), longest)  # raises with the standard message
    for column, records, what in (("tf_id", tfs, "TF"), ("domain_id", domains, "domain")):
        known = set(records)  # a set lookup per value: Series.isin on Arrow strings took 0.7 s at 10^5 pairs
        row = _first_bad(np.fromiter((v not in known for v in out[column].tolist()), dtype=bool, count=len(out)))
        if row is not None:
            raise InputError(f"{line(row)}: {column} {out[column].iat[row]!r} is not in the {what} FASTA")
    row = _first_bad(out["prediction"] == "")
    if row is not None:
        raise InputError(f"{line(row)}: empty prediction path for pair {out['pair_id'].iat[row]}")
    row = _first_bad(~out["format"].isin(("",) + FORMATS))
    if row is not None:
        raise InputError(
            f"{line(row)}: format {out['format'].iat[row]!r} is not one of {', '.join(FORMATS)} (or empty = detect)"
        )
    if predictions_dir:
        base = str(predictions_dir)
        relative = ~out["prediction"].str.startswith("/")
        # os.path.join(base, p) for a relative p, as one vectorised concatenation (a .loc assignment of a list
        # cost seconds at 10^5 pairs)
        prefix = base if base.endswith("/") else base + "/"
        out["prediction"] = out["prediction"].where(~relative, prefix + out["prediction"])
    check_unique(out["pair_id"].tolist(), "pair_id", str(path), fold_case=True)
    return PairPlan(out)


def check_some_prediction_exists(
    pairs: pd.DataFrame, table: str | Path, predictions_dir: str | Path | None, shown: int = 5
) -> None:
    """``InputError`` when not one ``prediction`` path of a pairs table exists: the run would read no pair.
    The message names the table, the first missing paths and the base relative paths were resolved against
    (``predictions_dir``, else the working directory). Stops at the first path that exists, so a table of
    10^5 pairs whose runs are there costs one ``stat``; a table some of whose runs are missing is fine here
    (those pairs fail, the others are read)."""
    import os

    predictions = pairs["prediction"].tolist()
    if any(os.path.exists(p) for p in predictions):
        return
    if predictions_dir:
        base = f"predictions_dir {str(predictions_dir)!r} ({Path(predictions_dir).absolute()}"
        base += ", which does not exist)" if not Path(predictions_dir).is_dir() else ")"
    else:
        base = f"the working directory ({Path.cwd()}; predictions_dir is not set)"
    first = ", ".join(repr(p) for p in predictions[:shown])
    more = f" and {len(predictions) - shown} more" if len(predictions) > shown else ""
    raise InputError(
        f"{table}: none of the {len(predictions)} prediction paths exists, so no pair can be read: "
        f"{first}{more}; relative paths in the table are resolved against {base}. Point 'predictions_dir' at the "
        "folder holding the runs, or correct the 'prediction' column"
    )

