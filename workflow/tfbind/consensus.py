"""The consensus score of a candidate: the mean of its within-domain rank percentiles over the metrics present.

Definition (parameter-free). For one domain (``domain_id``) and one confidence metric ``m`` of
:data:`CONSENSUS_METRICS` (larger = more confident), the percentile of pair ``i`` is

    p_m(i) = rank_m(i) / n_m

where ``rank_m`` is the ascending rank of ``m`` among the domain's ``n_m`` pairs with a finite value of ``m``
(ties share their average rank; pandas ``rank(pct=True)``), so the domain's best pair has p = 1. The consensus
of pair ``i`` is the mean of ``p_m(i)`` over the metrics with a finite value for that pair; metrics missing
from the table (e.g. ipSAE in an AlphaPulldown score table), or without any finite
value in that domain, are left out and named in ``consensus_metrics``. A pair without any metric has a NaN
consensus and is ranked last.

Why: the metrics are on different scales (ipTM and ipSAE in [0, 1], LIA a residue-pair count, pLDDT 0-100)
and their published cut-offs were set on other benchmarks, so a weighted sum would need weights we cannot fit
without labels. Rank percentiles are scale-free, insensitive to outliers and comparable between metrics within
one screen; their mean is the simplest rank aggregation (Borda count) and needs no labels. Within-domain only:
domains differ in size and interface geometry, so raw metric values are not comparable between domains.
The metrics come from three different sources (the predictor's own confidence ipTM+pTM, the interface
contacts and pLDDT through pDockQ2, the interface geometry through shape complementarity, plus the PAE through
ipSAE), so no one source outweighs the others; ``metrics.tsv`` (runs with labels) compares the consensus with
each single metric.

Used by the ranking (its tables) and by the evaluation (the consensus as a predictor of held-out pairs), so
it is a module of its own below both (layers: ``tests/test_architecture.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The metrics that feed the consensus. ``pdockq2`` is the smaller of the two directions (``pdockq2_tf``,
#: ``pdockq2_domain``), as ``ipsae_min`` is for ipSAE; ``pdockq`` (Bryant et al. 2022) stands in for pDockQ2
#: in a domain where no pair has pDockQ2 (score tables). Chosen on measurements (docs/outputs.md): on the
#: EP300 development set (359 pairs with binder calls, AlphaPulldown score table) the mean within-domain
#: binder AUROC of ipTM+pTM, pDockQ and shape complementarity together is 0.632 (KIX 0.87, NCBD 0.56, TAZ1
#: 0.58, TAZ2 0.52), above ipTM+pTM alone (0.609) and far above the former set of ipTM, LIS, LIA and pDockQ
#: (0.554): the screen's LIS and LIA rank nothing there (0.515, 0.495) and ipTM repeats ipTM+pTM. ipSAE (not
#: in score tables) is the PAE-based interface score that ranks best on the demo.
CONSENSUS_METRICS = ("ranking_confidence", "pdockq2", "shape_complementarity", "ipsae_min")
#: The metrics shown in the ranking as evidence (every consensus metric, then the other single metrics).
EVIDENCE_METRICS = (*CONSENSUS_METRICS, "iptm", "lis", "lia", "plddt_interface")
#: Column of :func:`metric_columns`: True on the rows of a domain whose ``pdockq2`` holds pDockQ.
PDOCKQ_STANDS_IN = "pdockq_stands_in"


def metric_columns(pairs: pd.DataFrame, group: str = "domain_id") -> pd.DataFrame:
    """The :data:`EVIDENCE_METRICS` of ``pairs`` as float columns (NaN where absent), index of ``pairs``, and
    :data:`PDOCKQ_STANDS_IN`.

    ``pdockq2`` = min(pdockq2_tf, pdockq2_domain). In a ``group`` (domain) where no pair has a pDockQ2, it is
    pdockq instead (and :func:`metrics_used` names it so). Decided per domain, not over the whole table:
    percentiles are taken within a domain, so each domain's column must hold one metric, and a table merged
    from AlphaFold runs (pDockQ2) and a score table (pDockQ only) would otherwise lose the score-table
    domains' pDockQ. Within a domain that has pDockQ2, a pair without it has no value for this metric (its
    consensus is the mean of the others, ``n_metrics`` one lower), never a pDockQ mixed into pDockQ2's ranks.
    """
    out = pd.DataFrame(index=pairs.index)
    stands_in = pd.Series(False, index=pairs.index)
    for name in EVIDENCE_METRICS:
        if name == "pdockq2":
            parts = [c for c in ("pdockq2_tf", "pdockq2_domain") if c in pairs.columns]
            values = (pairs[parts].apply(pd.to_numeric, errors="coerce").min(axis=1, skipna=False)
                      if parts else pd.Series(np.nan, index=pairs.index)).astype(float)
            if "pdockq" in pairs.columns:
                has_pd2 = pd.Series(np.isfinite(values.to_numpy()), index=pairs.index)
                stands_in = ~has_pd2.groupby(pairs[group].to_numpy()).transform("any")
                values = values.where(~stands_in, pd.to_numeric(pairs["pdockq"], errors="coerce"))
            out[name] = values.astype(float)
        else:
            out[name] = (pd.to_numeric(pairs[name], errors="coerce").astype(float) if name in pairs.columns
                         else np.nan)
    out[PDOCKQ_STANDS_IN] = stands_in.astype(bool)
    return out


def metrics_used(values: pd.DataFrame) -> list[str]:
    """Display names of the metrics with at least one finite value in ``values`` (:func:`metric_columns` of
    one domain's pairs; ``pdockq2`` is named ``pdockq`` where pDockQ stands in)."""
    stands_in = bool(values[PDOCKQ_STANDS_IN].any())
    return ["pdockq" if m == "pdockq2" and stands_in else m for m in CONSENSUS_METRICS
            if np.isfinite(values[m].to_numpy()).any()]


def _percentiles(values: pd.DataFrame, groups: np.ndarray) -> pd.DataFrame:
    """``pct_<metric>``: each row's within-group rank percentile of each metric (NaN where missing)."""
    pct = values[list(CONSENSUS_METRICS)].groupby(groups).rank(pct=True, method="average", na_option="keep")
    pct.columns = [f"pct_{c}" for c in pct.columns]
    return pct


def consensus_scores(pairs: pd.DataFrame, group: str = "domain_id",
                     values: pd.DataFrame | None = None) -> pd.DataFrame:
    """``pair_id, <group>, consensus, n_metrics, consensus_metrics`` + ``pct_<metric>`` per pair.

    ``pct_<metric>``: the pair's within-``group`` rank percentile of that metric (NaN where the metric is
    missing); ``consensus`` their mean; ``n_metrics`` how many fed it; ``consensus_metrics`` which
    (comma-separated, as :func:`metrics_used` names them for the group). ``values``: :func:`metric_columns`
    of ``pairs`` when the caller has it already.
    """
    values = metric_columns(pairs, group) if values is None else values
    groups = pairs[group].to_numpy()
    pct = _percentiles(values, groups)
    out = pd.DataFrame({"pair_id": pairs["pair_id"].to_numpy(), group: groups}, index=pairs.index)
    out = pd.concat([out, pct], axis=1)
    out["n_metrics"] = pct.notna().sum(axis=1).astype(int)
    out["consensus"] = pct.mean(axis=1, skipna=True)
    used = {g: ", ".join(metrics_used(v)) for g, v in values.groupby(groups)}
    out["consensus_metrics"] = out[group].map(used)
    return out.reset_index(drop=True)


def consensus_of(pairs: pd.DataFrame, pair_ids, group: str = "domain_id") -> np.ndarray:
    """The consensus of the pairs ``pair_ids`` (in that order; NaN for one not in ``pairs``), equal to what
    :func:`consensus_scores` gives them, for callers that need a few pairs' consensus out of a whole screen
    (the held-out fold of a cross-validation job). Only the wanted rows are ranked: a pair's average rank
    among its domain's ``n`` values of a metric is ``below + (equal + 1) / 2`` (two binary searches in the
    domain's sorted values; pandas ``rank(method="average")`` gives the same number), its percentile that
    over ``n``."""
    wanted = pd.Index(pair_ids)
    ids = pairs["pair_id"].to_numpy()
    rows = np.flatnonzero(pd.Index(ids).isin(wanted))
    groups = pairs[group].to_numpy()
    domains = pd.unique(groups[rows])
    # the wanted pairs' domains only, whole (their ranks depend on every pair of the domain)
    in_domains = pd.Index(groups).isin(domains)
    values = metric_columns(pairs[in_domains], group)
    where = np.flatnonzero(in_domains)
    local = {g: np.flatnonzero(groups[where] == g) for g in domains}
    picked = np.searchsorted(where, rows)  # the wanted rows' positions in ``values``
    pct = np.full((len(rows), len(CONSENSUS_METRICS)), np.nan)
    for j, name in enumerate(CONSENSUS_METRICS):
        column = values[name].to_numpy(dtype=float)
        for g, members in local.items():
            ranked = np.sort(column[members][~np.isnan(column[members])])
            mine = np.flatnonzero(groups[rows] == g)
            v = column[picked[mine]]
            below = np.searchsorted(ranked, v, side="left")
            equal = np.searchsorted(ranked, v, side="right") - below
            pct[mine, j] = np.where(np.isnan(v), np.nan, (below + (equal + 1) / 2) / max(len(ranked), 1))
    consensus = pd.DataFrame(pct).mean(axis=1, skipna=True).to_numpy()
    return pd.Series(consensus, index=ids[rows]).reindex(wanted).to_numpy(dtype=float)


__all__ = ["CONSENSUS_METRICS", "EVIDENCE_METRICS", "PDOCKQ_STANDS_IN", "consensus_of", "consensus_scores",
           "metric_columns", "metrics_used"]
