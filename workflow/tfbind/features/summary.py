"""What the features stage read: pairs read per input format, pairs failed with their most common reasons.

``results/features/summary.txt`` is written by rule ``features_summary`` (the ``features`` target asks for it)
after checking that at least one pair was read (:func:`tfbind.features.failed.require_pairs`): so that
``snakemake features`` fails, with the reasons, when no pair was read, as the steps after it do, while
``failed.tsv`` (written by the merge job, which succeeded) is kept. The ranking's run summary starts with the
same lines (:func:`read_lines`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .failed import common_reasons, read_failed, require_pairs


def read_lines(pairs: pd.DataFrame, failed: pd.DataFrame, failed_path: str = "results/features/failed.tsv"
               ) -> tuple[str, list[str]]:
    """(``"pairs read: N (n1 format1, ...)"``, the failed lines: ``"pairs failed: M (failed.tsv)"`` and the most
    common reasons, indented). ``pairs`` needs only ``source_format``; ``failed`` is failed.tsv's table."""
    fmt = pairs["source_format"].fillna("unknown").value_counts() if len(pairs) else pd.Series(dtype=int)
    per_format = ", ".join(f"{n} {f}" for f, n in fmt.items()) or "none"
    n_failed = failed["pair_id"].nunique() if len(failed) else 0
    lines = [f"pairs failed: {n_failed}" + (f" ({failed_path})" if n_failed else "")]
    if n_failed:
        reasons, more = common_reasons(failed)
        lines += [f"  {line}" for line in reasons]
        if more:
            lines.append(f"  ... and {more} other kinds of reason")
    return f"pairs read: {len(pairs)} ({per_format})", lines


def write_features_summary(pairs_path: str | Path, failed_path: str | Path, out: str | Path) -> list[str]:
    """Check that a pair was read (``InputError`` with the reasons otherwise), then write and return the lines
    of ``summary.txt``: pairs read per format, pairs failed and why, where the tables are."""
    from ..io import atomic_path

    require_pairs(pairs_path, failed_path)
    pairs = pd.read_parquet(pairs_path, columns=["source_format"])  # one column: cheap at 10^6 pairs
    failed = read_failed(failed_path)
    read, failed_lines = read_lines(pairs, failed, str(failed_path))
    folder = Path(pairs_path).parent
    lines = ["tfbind features summary", read, *failed_lines,
             f"feature tables: {folder}/pairs.parquet and models.parquet (as text: pairs.tsv, models.tsv)"]
    with atomic_path(out) as tmp:
        Path(tmp).write_text("\n".join(lines) + "\n")
    return lines


__all__ = ["read_lines", "write_features_summary"]
