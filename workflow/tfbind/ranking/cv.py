"""Out-of-fold (cross-validation) predictions as the labelled-run plots need them.

Each pair is scored by the fold model that did not see it (``results/scores/<scope>/cv/repeat_0/fold_k/oof.tsv``,
the first of the repeated fold assignments), so
these plots show how the model does on pairs outside its training data, not on the 4-5 test pairs per domain
of the model's own split.
"""

from __future__ import annotations

import pandas as pd

from ..errors import InputError
from ..evaluation.evaluate import read_oof
from ..evaluation.scores import labelled_pairs

CURVE_PREDICTORS = ("fusion", "consensus", "ipsae_min", "iptm")


def read_cv_oof(oof_paths) -> pd.DataFrame:
    """The out-of-fold tables of ``oof_paths`` as one table (read once for both plots); ``InputError``
    naming a file without ``kd_pred_nm``."""
    parts = []
    for path in oof_paths:
        oof = read_oof(path)
        if "kd_pred_nm" not in oof.columns:
            raise InputError(f"{path}: no kd_pred_nm column (written by an older version: rerun the folds, "
                             "snakemake --forcerun cv_fold)")
        parts.append(oof)
    return pd.concat(parts, ignore_index=True)


def cv_kd(oof: pd.DataFrame, pairs: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """``pair_id, domain_category, kd_nm, kd_pred_nm`` of the fusion model's out-of-fold predictions (the
    predicted Kd each fold model wrote for its held-out pairs); ``oof``: :func:`read_cv_oof`."""
    pred = oof.loc[oof["predictor"] == "fusion", ["pair_id", "kd_pred_nm"]]
    lab = labelled_pairs(pairs, labels)[["pair_id", "kd_nm"]]
    cat = pairs[["pair_id", "domain_category"]]
    return pred.merge(lab, on="pair_id").merge(cat, on="pair_id")


def cv_curves(oof: pd.DataFrame, pairs: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """``pair_id, domain_category, predictor, score, binder`` for the ROC / PR curves: the out-of-fold rows
    of CURVE_PREDICTORS (the consensus among them: computed on the whole screen, nothing fitted); ``oof``:
    :func:`read_cv_oof`."""
    # fitted scores minus each fold model's level (evaluation.evaluate)
    score = oof["rank_score"] if "rank_score" in oof.columns else oof["score"]
    rows = oof[["pair_id", "predictor"]].assign(score=score)[oof["predictor"].isin(CURVE_PREDICTORS)]
    lab = labelled_pairs(pairs, labels)[["pair_id", "binder"]]
    rows = rows.merge(lab, on="pair_id").merge(pairs[["pair_id", "domain_category"]], on="pair_id")
    order = {p: i for i, p in enumerate(CURVE_PREDICTORS)}
    return rows.sort_values("predictor", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


__all__ = ["cv_curves", "cv_kd", "read_cv_oof"]
