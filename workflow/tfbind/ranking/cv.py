"""Out-of-fold (cross-validation) predictions as the labelled-run plots need them.

Each pair is scored by the fold model that did not see it (``results/scores/<scope>/cv/repeat_0/fold_k/oof.tsv``,
the first of the repeated fold assignments), so
these plots show how the model does on pairs outside its training data, not on the 4-5 test pairs per domain
of the model's own split.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..evaluation.scores import labelled_pairs
from .consensus import consensus_scores

CURVE_PREDICTORS = ("fusion", "consensus", "ipsae_min", "iptm")


def _read_oof(path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype={"pair_id": str, "predictor": str})


def cv_kd(oof_paths, fold_models, pairs: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """``pair_id, domain_category, kd_nm, kd_pred_nm`` of the fusion model's out-of-fold predictions (each
    fold's score mapped to Kd with that fold model's target transform)."""
    from ..model.checkpoint import load
    from ..model.data import TargetTransform

    parts = []
    for oof_path, model_path in zip(oof_paths, fold_models):
        oof = _read_oof(oof_path)
        oof = oof[oof["predictor"] == "fusion"]
        _, meta = load(model_path)
        kd = TargetTransform.from_meta(meta["target"]).inverse(oof["score"].to_numpy(dtype=float))
        parts.append(pd.DataFrame({"pair_id": oof["pair_id"].to_numpy(), "kd_pred_nm": kd}))
    pred = pd.concat(parts, ignore_index=True)
    lab = labelled_pairs(pairs, labels)[["pair_id", "kd_nm"]]
    cat = pairs[["pair_id", "domain_category"]]
    return pred.merge(lab, on="pair_id").merge(cat, on="pair_id")


def cv_curves(oof_paths, pairs: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """``pair_id, domain_category, predictor, score, binder`` for the ROC / PR curves: the out-of-fold rows
    of ``fusion``, ``ipsae_min`` and ``iptm``, and the consensus (no fitting: computed on the whole screen)
    of the same pairs."""
    oof = pd.concat([_read_oof(p) for p in oof_paths], ignore_index=True)
    if "rank_score" in oof.columns:  # fitted scores minus each fold model's level (evaluation.evaluate)
        oof["score"] = oof["rank_score"]
    oof = oof[oof["predictor"].isin(CURVE_PREDICTORS)][["pair_id", "predictor", "score"]]
    held = oof["pair_id"].unique()
    cons = consensus_scores(pairs)
    cons = cons[cons["pair_id"].isin(held)]
    rows = pd.concat([pd.DataFrame({"pair_id": cons["pair_id"], "predictor": "consensus",
                                    "score": cons["consensus"]}), oof], ignore_index=True)
    lab = labelled_pairs(pairs, labels)[["pair_id", "binder"]]
    rows = rows.merge(lab, on="pair_id").merge(pairs[["pair_id", "domain_category"]], on="pair_id")
    order = {p: i for i, p in enumerate(CURVE_PREDICTORS)}
    return rows.sort_values("predictor", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


__all__ = ["cv_curves", "cv_kd"]
