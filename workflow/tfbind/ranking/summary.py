"""The run summary: pairs read per input format, pairs failed with the most common reasons, where the answer is.

Printed at the end of a successful ``snakemake`` run (``onsuccess``, from ``results/ranking/summary.txt``) and
shown at the top of the report's "Ranked candidates" page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

_PATHLIKE = re.compile(r"[^\s:()]*/[^\s:()]*")


def reason_kind(reason: str) -> str:
    """A failure reason without its pair-specific paths (so that reasons can be counted)."""
    text = _PATHLIKE.sub("<path>", str(reason)).strip()
    return re.sub(r"\bpair \S+", "pair <id>", text)[:160]


def run_summary(pairs: pd.DataFrame, failed: pd.DataFrame, domains: list[str], model: str,
                ranking_dir: str, report_hint: str = "snakemake --report report.html",
                scorer_notes: dict[str, str] | None = None, imputed: pd.DataFrame | None = None) -> list[str]:
    """Lines of text (plain, no markup). ``scorer_notes``: domain -> which scorer ranked it
    (:func:`tfbind.ranking.table.scorer_note`); ``imputed``: the model scores (``imputed`` column), whose
    rows with imputed inputs are counted per input."""
    lines = ["tfbind run summary"]
    fmt = pairs["source_format"].fillna("unknown").value_counts() if len(pairs) else pd.Series(dtype=int)
    per_format = ", ".join(f"{n} {f}" for f, n in fmt.items()) or "none"
    lines.append(f"pairs read: {len(pairs)} ({per_format})")
    lines.append(f"domains: {', '.join(domains)}")
    n_failed = failed["pair_id"].nunique() if len(failed) else 0
    lines.append(f"pairs failed: {n_failed}" + (" (results/features/failed.tsv)" if n_failed else ""))
    if n_failed:
        kinds = (failed["stage"].astype(str) + ": " + failed["reason"].map(reason_kind)).value_counts()
        for kind, n in kinds.head(3).items():
            lines.append(f"  {n} x {kind}")
    lines.append(f"model: {model}")
    for d, note in (scorer_notes or {}).items():
        lines.append(f"  {d} ranked by {note}")
    if imputed is not None:
        names = imputed["imputed"].fillna("").astype(str)
        n = int((names != "").sum())
        lines.append(f"pairs scored with imputed inputs: {n} of {len(imputed)}")
        counts = names[names != ""].str.split(", ").explode().value_counts()
        if len(counts):
            lines.append("  " + ", ".join(f"{c} {k}" for c, k in counts.items()))
        # An input imputed for every pair does not tell the pairs apart: the model ranks without it.
        for column, k in counts.items():
            if k == len(imputed):
                lines.append(f"warning: input {column} missing for every pair: imputed with the training "
                             "median")
    lines.append(f"ranking: {ranking_dir}/<domain>.tsv and {ranking_dir}/ranking.xlsx (one sheet per domain)")
    lines.append(f"report: {report_hint} (first section: ranked candidates)")
    return lines


def read_failed(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return pd.DataFrame(columns=["pair_id", "stage", "reason"])
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


__all__ = ["read_failed", "reason_kind", "run_summary"]
