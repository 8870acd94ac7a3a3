"""Out-of-fold (cross-validation) predictions as the labelled-run plots need them.

Each pair is scored by the fold model that did not see its gene, once per repeated fold assignment
(``results/scores/<scope>/cv/repeat_<r>/fold_<k>/oof.tsv``, every repeat), so these plots show how the model
does on pairs outside its training data, not on the 4-5 test pairs per domain of the model's own split. A
pair's value is the mean over the repeats of its out-of-fold predictions (each from a model that did not see
it; the geometric mean for a Kd), so one fold assignment's luck does not draw the figure.
"""

from __future__ import annotations

import numpy as np
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


def n_repeats(oof: pd.DataFrame) -> int:
    """How many repeated fold assignments the out-of-fold table holds."""
    return int(oof["repeat"].nunique()) if "repeat" in oof.columns and len(oof) else 1


def cv_kd(oof: pd.DataFrame, pairs: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """``pair_id, domain_category, kd_nm, kd_pred_nm`` of the fusion model's out-of-fold predictions: the
    predicted Kd each fold model wrote for its held-out pairs, per pair the geometric mean over the repeats (a
    Kd of 0 or inf in one repeat stays 0 or inf: the figure counts it as not drawable); ``oof``:
    :func:`read_cv_oof`."""
    rows = oof.loc[oof["predictor"] == "fusion", ["pair_id", "kd_pred_nm"]]
    with np.errstate(divide="ignore", invalid="ignore"):
        log_kd = np.log(rows["kd_pred_nm"].to_numpy(dtype=float))
    pred = (rows[["pair_id"]].assign(log_kd=log_kd).groupby("pair_id", sort=False)["log_kd"].mean()
            .pipe(np.exp).rename("kd_pred_nm").reset_index())
    lab = labelled_pairs(pairs, labels)[["pair_id", "kd_nm"]]
    cat = pairs[["pair_id", "domain_category"]]
    return pred.merge(lab, on="pair_id").merge(cat, on="pair_id")


def cv_curves(oof: pd.DataFrame, pairs: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """``pair_id, domain_category, predictor, score, binder`` for the ROC / PR curves: the out-of-fold rows
    of CURVE_PREDICTORS (the consensus among them: computed on the whole screen, nothing fitted); ``oof``:
    :func:`read_cv_oof`."""
    # fitted scores minus each fold model's level (evaluation.evaluate); per pair the mean over the repeats
    score = oof["rank_score"] if "rank_score" in oof.columns else oof["score"]
    rows = oof[["pair_id", "predictor"]].assign(score=score)[oof["predictor"].isin(CURVE_PREDICTORS)]
    rows = rows.groupby(["pair_id", "predictor"], sort=False)["score"].mean().reset_index()
    lab = labelled_pairs(pairs, labels)[["pair_id", "binder"]]
    rows = rows.merge(lab, on="pair_id").merge(pairs[["pair_id", "domain_category"]], on="pair_id")
    order = {p: i for i, p in enumerate(CURVE_PREDICTORS)}
    return rows.sort_values("predictor", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


__all__ = ["cv_curves", "cv_kd", "n_repeats", "read_cv_oof"]
