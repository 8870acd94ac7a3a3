"""Scoring pairs that have features but no labels with a trained model (the `predict` target)."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..model.predict import named_predictions, rank_in_domain

log = logging.getLogger(__name__)

#: Column names as in every text output (tfbind.model.predict.PREDICTION_NAMES).
PREDICTION_COLUMNS = ["pair_id", "tf_id", "domain_id", "domain_category", "model_score", "kd_pred_unclipped_nm",
                      "kd_pred_low_unclipped_nm", "kd_pred_high_unclipped_nm", "rank_in_domain", "imputed",
                      "category_seen"]  # fmt: skip


def read_feature_table(path: str | Path) -> pd.DataFrame:
    """A pairs feature table as Parquet (``.parquet``) or TSV (anything else)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: feature table not found")
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, sep="\t")


def score_pairs(model, pairs: pd.DataFrame, device=None, threads: int | None = None) -> pd.DataFrame:
    """Score every pair with the model (a LoadedModel or a model.pt; its saved scalers, imputation and target
    transform): :func:`tfbind.model.predict.named_predictions`, the ranking's names.

    Refuses (``InputError`` naming them) a table without the columns the model was trained on; pairs with
    missing feature values are scored with the model's training medians; ``imputed`` names those inputs.
    ``rank_in_domain``: 1 = highest model_score within the pair's domain category. ``threads``: torch threads
    (the job's Snakemake threads; None = torch's default).
    """
    for column in ("tf_id", "domain_id"):
        if column not in pairs.columns:
            raise InputError(f"feature table lacks the column {column!r}")
    predicted = named_predictions(model, pairs, device, threads=threads)
    n_imputed = int((predicted["imputed"] != "").sum())
    scored = predicted.merge(pairs[["pair_id", "tf_id", "domain_id", "domain_category"]], on="pair_id", how="left")
    scored["rank_in_domain"] = rank_in_domain(scored)
    if n_imputed:
        log.warning("%d of %d pairs had missing features, imputed with the training medians", n_imputed,
                    len(scored))
    return scored.sort_values(["domain_category", "rank_in_domain", "pair_id"], kind="stable")[PREDICTION_COLUMNS]
