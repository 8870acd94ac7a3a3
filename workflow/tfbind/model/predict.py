"""Score a pairs table with a trained ``model.pt``: ``pair_id, score, kd_pred_nm, imputed``."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from .checkpoint import load
from .data import Preprocessor, TargetTransform, check_columns, to_tensors
from .training import score

log = logging.getLogger("tfbind.model")

PREDICTION_COLUMNS = ["pair_id", "score", "kd_pred_nm", "imputed"]


def predict(
    model_path: str | Path, pairs: pd.DataFrame, device="cpu", batch_size: int = 4096
) -> pd.DataFrame:
    """One row per row of ``pairs`` (same order).

    ``score`` in (0, 1) (1 = strongest binding), ``kd_pred_nm`` the score mapped back to Kd (nM) with the
    training target transform, ``imputed`` True where a numeric input was missing and replaced by the
    training median. Inputs are imputed and scaled with the transforms stored in the checkpoint.
    Raises InputError naming missing columns or domain categories the model was not trained on.
    """
    model, meta = load(model_path, device)
    prep = Preprocessor.from_meta(meta["preprocess"])
    check_columns(pairs, prep.features, what=f"pairs table scored with {model_path}")
    arrays, imputed = prep.transform(pairs)
    tensors = to_tensors(arrays, device)
    scores = score(model, tensors, batch_size=batch_size).cpu().numpy().astype(float)
    kd = TargetTransform.from_meta(meta["target"]).inverse(scores)
    log.info("scored %d pairs with %s (%d with imputed inputs)", len(pairs), model_path, int(imputed.sum()))
    return pd.DataFrame(
        {"pair_id": pairs["pair_id"].to_numpy(), "score": scores, "kd_pred_nm": kd, "imputed": imputed},
        columns=PREDICTION_COLUMNS,
    )


__all__ = ["predict", "PREDICTION_COLUMNS"]
