"""The consensus score of a candidate: the mean of its within-domain rank percentiles over the metrics present.

Definition (parameter-free). For one domain (``domain_id``) and one confidence metric ``m`` of
:data:`CONSENSUS_METRICS` (larger = more confident), the percentile of pair ``i`` is

    p_m(i) = rank_m(i) / n_m

where ``rank_m`` is the ascending rank of ``m`` among the domain's ``n_m`` pairs with a finite value of ``m``
(ties share their average rank; pandas ``rank(pct=True)``), so the domain's best pair has p = 1. The consensus
of pair ``i`` is the mean of ``p_m(i)`` over the metrics with a finite value for that pair; metrics missing
from the table (e.g. ipSAE and LIA in an AlphaPulldown score table without PAE files), or without any finite
value in that domain, are left out and named in ``consensus_metrics``. A pair without any metric has a NaN
consensus and is ranked last.

Why: the metrics are on different scales (ipTM and ipSAE in [0, 1], LIA a residue-pair count, pLDDT 0-100)
and their published cut-offs were set on other benchmarks, so a weighted sum would need weights we cannot fit
without labels. Rank percentiles are scale-free, insensitive to outliers and comparable between metrics within
one screen; their mean is the simplest rank aggregation (Borda count) and needs no labels. Within-domain only:
domains differ in size and interface geometry, so raw metric values are not comparable between domains.
Caveat: several metrics derive from the same PAE matrix (ipSAE, LIS, LIA) and so weigh together more than
ipTM or pLDDT; ``metrics.tsv`` (runs with labels) compares the consensus with each single metric.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: (column, derived from) of the metrics that feed the consensus, in display order. ``pdockq2`` is the
#: smaller of the two directions (``pdockq2_tf``, ``pdockq2_domain``), as ``ipsae_min`` is for ipSAE.
#: ``pdockq`` (Bryant et al. 2022) stands in for pDockQ2 only where the table has no pDockQ2 (score tables).
CONSENSUS_METRICS = ("ipsae_min", "iptm", "lis", "lia", "pdockq2", "plddt_interface")
FALLBACK = {"pdockq2": "pdockq"}


def metric_columns(pairs: pd.DataFrame) -> pd.DataFrame:
    """The consensus metrics of ``pairs`` as float columns (NaN where absent), index of ``pairs``.

    ``pdockq2`` = min(pdockq2_tf, pdockq2_domain); where the table has no pDockQ2 at all, pdockq instead
    (column ``pdockq2`` then holds pDockQ and :func:`metrics_used` says so).
    """
    out = pd.DataFrame(index=pairs.index)
    for name in CONSENSUS_METRICS:
        if name == "pdockq2":
            parts = [c for c in ("pdockq2_tf", "pdockq2_domain") if c in pairs.columns]
            values = (pairs[parts].apply(pd.to_numeric, errors="coerce").min(axis=1, skipna=False)
                      if parts else pd.Series(np.nan, index=pairs.index))
            if not np.isfinite(values.to_numpy(dtype=float)).any() and "pdockq" in pairs.columns:
                values = pd.to_numeric(pairs["pdockq"], errors="coerce")
            out[name] = values.astype(float)
        else:
            out[name] = (pd.to_numeric(pairs[name], errors="coerce").astype(float) if name in pairs.columns
                         else np.nan)
    return out


def metrics_used(pairs: pd.DataFrame) -> list[str]:
    """Display names of the metrics with at least one finite value in ``pairs`` (pdockq2 may be pdockq)."""
    values = metric_columns(pairs)
    names = []
    for name in CONSENSUS_METRICS:
        if np.isfinite(values[name].to_numpy(dtype=float)).any():
            pd2_present = any(
                c in pairs.columns and np.isfinite(pd.to_numeric(pairs[c], errors="coerce")).any()
                for c in ("pdockq2_tf", "pdockq2_domain"))
            names.append("pdockq" if name == "pdockq2" and not pd2_present else name)
    return names


def consensus_scores(pairs: pd.DataFrame, group: str = "domain_id") -> pd.DataFrame:
    """``pair_id, <group>, consensus, n_metrics, consensus_metrics`` + ``pct_<metric>`` per pair.

    ``pct_<metric>``: the pair's within-``group`` rank percentile of that metric (NaN where the metric is
    missing); ``consensus`` their mean; ``n_metrics`` how many fed it; ``consensus_metrics`` which
    (comma-separated, as :func:`metrics_used` names them for the group).
    """
    values = metric_columns(pairs)
    pct = values.groupby(pairs[group].to_numpy()).rank(pct=True, method="average", na_option="keep")
    pct.columns = [f"pct_{c}" for c in pct.columns]
    out = pd.DataFrame({"pair_id": pairs["pair_id"].to_numpy(), group: pairs[group].to_numpy()},
                       index=pairs.index)
    out = pd.concat([out, pct], axis=1)
    out["n_metrics"] = pct.notna().sum(axis=1).astype(int)
    out["consensus"] = pct.mean(axis=1, skipna=True)
    used = {g: ", ".join(metrics_used(pairs.loc[idx])) for g, idx in pairs.groupby(group).groups.items()}
    out["consensus_metrics"] = out[group].map(used)
    return out.reset_index(drop=True)


__all__ = ["CONSENSUS_METRICS", "consensus_scores", "metric_columns", "metrics_used"]
