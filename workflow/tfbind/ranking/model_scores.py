"""Fusion-model scores for the ranking: this run's trained model, or ``predict.model_file`` from another run.

Columns (:data:`MODEL_SCORE_COLUMNS`): ``fusion_score`` in (0, 1) (1 = strongest binding) and ``kd_pred_nm``
from the model (as :func:`tfbind.model.predict.predict`, so they equal the ``predict`` target's scores);
``kd_low_nm``/``kd_high_nm`` the smallest and largest Kd predicted for the pair by the cross-validation fold
models of the same scope (each trained on the other folds' labelled pairs): how much the prediction moves
with the training pairs, not a calibrated confidence interval (NaN when no fold models are given, as with
``predict.model_file``); ``unseen_category`` True where the pair's domain category is not one the model was
trained on. Such a pair is scored as the mean of its scores under each category the model knows (the
category embedding and bias averaged out), logged as a warning, and flagged in the ranking.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError

log = logging.getLogger("tfbind.ranking")

MODEL_SCORE_COLUMNS = ["pair_id", "fusion_score", "kd_pred_nm", "kd_low_nm", "kd_high_nm", "unseen_category",
                       "model_file"]  # fmt: skip


def _score_one(model_path: str | Path, pairs: pd.DataFrame, device: str = "cpu") -> pd.DataFrame:
    """``pair_id, score, kd_pred_nm, unseen`` of every pair with one checkpoint (unseen categories averaged)."""
    from ..model.checkpoint import load
    from ..model.data import TargetTransform, check_columns
    from ..model.predict import predict

    _, meta = load(model_path, device)
    known = list(meta["preprocess"]["categories"])
    check_columns(pairs, meta["preprocess"]["features"],
                  what=f"pairs table scored with the model {model_path} (trained on another feature list?)")
    category = pairs["domain_category"].astype(str)
    unseen = ~category.isin(known).to_numpy()
    scores = np.full(len(pairs), np.nan)
    if (~unseen).any():
        scores[~unseen] = predict(model_path, pairs[~unseen], device)["score"].to_numpy(dtype=float)
    if unseen.any():
        names = sorted(set(category[unseen]))
        log.warning("%s: domain categor%s %s not seen in training (trained on %s): %d pair(s) scored as the "
                    "mean over the known categories and flagged unseen_category", model_path,
                    "y" if len(names) == 1 else "ies", ", ".join(names), ", ".join(known), int(unseen.sum()))
        rows = pairs[unseen]
        per_category = [predict(model_path, rows.assign(domain_category=c), device)["score"].to_numpy(dtype=float)
                        for c in known]
        scores[unseen] = np.mean(per_category, axis=0)
    kd = TargetTransform.from_meta(meta["target"]).inverse(scores)
    return pd.DataFrame({"pair_id": pairs["pair_id"].to_numpy(), "score": scores, "kd_pred_nm": kd,
                         "unseen": unseen})


def model_scores(model_path: str | Path, pairs: pd.DataFrame, fold_models=(), device: str = "cpu") -> pd.DataFrame:
    """MODEL_SCORE_COLUMNS for every pair of ``pairs`` (same order). Raises InputError naming the columns
    the model needs and the table lacks."""
    for column in ("pair_id", "domain_category"):
        if column not in pairs.columns:
            raise InputError(f"feature table lacks the column {column!r}")
    main = _score_one(model_path, pairs, device)
    out = pd.DataFrame({"pair_id": main["pair_id"], "fusion_score": main["score"],
                        "kd_pred_nm": main["kd_pred_nm"], "kd_low_nm": np.nan, "kd_high_nm": np.nan,
                        "unseen_category": main["unseen"], "model_file": str(model_path)})
    if fold_models:
        kds = np.vstack([_score_one(p, pairs, device)["kd_pred_nm"].to_numpy(dtype=float) for p in fold_models])
        out["kd_low_nm"] = kds.min(axis=0)
        out["kd_high_nm"] = kds.max(axis=0)
        log.info("Kd range from %d fold models", len(fold_models))
    return out[MODEL_SCORE_COLUMNS]


__all__ = ["MODEL_SCORE_COLUMNS", "model_scores"]
