"""Per-metric calls against published thresholds (columns ``call_<name>`` of the ranking tables).

Each call is a word per pair ("" where the metric is missing). What is used, and where it comes from:

``call_iptm``  ``high`` when ipTM > 0.8, ``low`` when ipTM < 0.6, else ``grey``: the AlphaFold 3 / AlphaFold
    Server guidance (Abramson et al. 2024, Nature 630:493; EMBL-EBI AlphaFold course, "Interpreting results
    from AlphaFold Server"): above 0.8 a confident high-quality prediction, below 0.6 likely a failed one,
    in between a grey zone. Stated for AlphaFold 3; applied here to AlphaFold-Multimer's ipTM as well.
``call_lis_lia``  ``yes`` when LIS >= 0.203 and LIA >= 3432: the positive-PPI rule of Kim et al. 2024
    (bioRxiv 2024.02.19.580970, "Enhanced protein-protein interaction discovery via AlphaFold-Multimer";
    code: github.com/flyark/AFM-LIS), which applies it to the best model of a run. Here: the top-ranked
    model's LIS and LIA (PAE < 12 A; LIA counted over both inter-chain blocks, see README). Score-table
    runs carry the screen's own ``lis_score`` / ``lia_score`` (not this definition): read with care.
``call_pdockq``  ``yes`` when pDockQ2 (the smaller direction; pDockQ where the table has no pDockQ2)
    > 0.23. pDockQ (Bryant et al. 2022, Nat Commun 13:1265) and pDockQ2 (Zhu et al. 2023, Bioinformatics
    39:btad424) estimate DockQ; 0.23 is DockQ's boundary of an "acceptable" model (Basu & Wallner 2016,
    PLoS One 11:e0161879), the cut-off Bryant et al. use (about 70 % of models above it were acceptable).
``call_ipsae``  ``yes`` when ipSAE (min of both directions) > 0.6. Dunbrack 2025 (bioRxiv
    10.1101/2025.02.10.637595) introduces ipSAE as a ranking score; we found no binder cut-off in the paper's
    code (github.com/DunbrackLab/IPSAE) or its issue threads. 0.6 is a convention of binder-design screens
    (e.g. ipSAE_min > 0.61 in Adaptyv Bio's protein-design guidance), not a validated PPI threshold: treat this
    call as provisional.

``n_calls_positive`` counts ``high``/``yes`` calls among the calls made for the pair.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..consensus import metric_columns

IPTM_HIGH = 0.8
IPTM_LOW = 0.6
LIS_MIN = 0.203
LIA_MIN = 3432
PDOCKQ_MIN = 0.23
IPSAE_MIN = 0.6

CALL_COLUMNS = ["call_iptm", "call_lis_lia", "call_pdockq", "call_ipsae", "n_calls_positive"]

#: One line per call, for the README / report legend.
THRESHOLDS = {
    "call_iptm": f"ipTM > {IPTM_HIGH} high, < {IPTM_LOW} low, else grey (AlphaFold 3 guidance, Abramson et al. 2024)",
    "call_lis_lia": f"LIS >= {LIS_MIN} and LIA >= {LIA_MIN} (Kim et al. 2024)",
    "call_pdockq": f"pDockQ2 (or pDockQ) > {PDOCKQ_MIN} (DockQ 'acceptable'; Bryant et al. 2022, Zhu et al. 2023)",
    "call_ipsae": f"ipSAE min > {IPSAE_MIN} (provisional: binder-design convention, no published PPI cut-off)",
}


def _yes_no(condition: np.ndarray, known: np.ndarray) -> np.ndarray:
    return np.where(known, np.where(condition, "yes", "no"), "")


def metric_calls(pairs: pd.DataFrame, values: pd.DataFrame | None = None) -> pd.DataFrame:
    """CALL_COLUMNS for every row of ``pairs`` (index of ``pairs``); ``values``: its
    :func:`tfbind.consensus.metric_columns` when the caller has them (``pdockq2`` there may be pDockQ)."""
    m = metric_columns(pairs) if values is None else values
    iptm = m["iptm"].to_numpy(dtype=float)
    lis, lia = m["lis"].to_numpy(dtype=float), m["lia"].to_numpy(dtype=float)
    pdq = m["pdockq2"].to_numpy(dtype=float)
    ipsae = m["ipsae_min"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        out = pd.DataFrame({
            "call_iptm": np.where(np.isfinite(iptm),
                                  np.where(iptm > IPTM_HIGH, "high", np.where(iptm < IPTM_LOW, "low", "grey")),
                                  ""),
            "call_lis_lia": _yes_no((lis >= LIS_MIN) & (lia >= LIA_MIN), np.isfinite(lis) & np.isfinite(lia)),
            "call_pdockq": _yes_no(pdq > PDOCKQ_MIN, np.isfinite(pdq)),
            "call_ipsae": _yes_no(ipsae > IPSAE_MIN, np.isfinite(ipsae)),
        }, index=pairs.index)
    out["n_calls_positive"] = out.isin(["high", "yes"]).sum(axis=1).astype(int)
    return out


__all__ = ["CALL_COLUMNS", "THRESHOLDS", "metric_calls"]
